// Part of `npm run build`: writes the parsed form of every shipped spec and scenario file to
// dist/parsed-yaml/ (see readYamlFile in src/contract/yaml-text.ts), so a start reads JSON
// instead of parsing YAML. Files are named by a hash of the text: an edit misses, never misleads.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsedYamlFile, parseYamlText } from '../dist/contract/yaml-text.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const dirs = ['specs', 'scenarios'];
let written = 0;
await rm(dirname(parsedYamlFile('')), { recursive: true, force: true });
for (const dir of dirs) {
  for (const name of (await readdir(`${root}${dir}`)).filter((f) => /\.ya?ml$/.test(f))) {
    const text = await readFile(`${root}${dir}/${name}`, 'utf8');
    const target = parsedYamlFile(text);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, JSON.stringify(parseYamlText(text)));
    written++;
  }
}
console.log(`parsed-yaml cache: ${written} files in ${dirname(parsedYamlFile(''))}`);
