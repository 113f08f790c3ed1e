// Part of `npm run build`: converts the shipped partner API (specs/marketplace.openapi.yaml) into
// its Postman collection once, into dist/postman/ (src/reference/postman.ts), so that neither a
// start, nor GET /postman.json, nor `export postman` converts it (that takes seconds). A file built
// from the same document by the same converter, generator and default data is kept as it is.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { loadDocument } from '../dist/contract/operations.js';
import { generateFixture } from '../dist/fixtures/generate.js';
import { builtCollectionFile, convertToPostman } from '../dist/reference/postman.js';
import { DEFAULT_SPEC, SANDBOX_ROOT } from '../dist/sandbox-files.js';

const read = (path) => readFile(`${SANDBOX_ROOT}${path}`, 'utf8');
const generator = createHash('sha256')
  .update(JSON.parse(await read('node_modules/openapi-to-postmanv2/package.json')).version)
  .update(await read('dist/reference/postman.js'))
  .update(await read('dist/reference/happy-path.js'))
  .update(await read('fixtures/default.sha256'))
  .digest('hex')
  .slice(0, 32);

const doc = await loadDocument(DEFAULT_SPEC);
const target = builtCollectionFile(doc);
const built = await readFile(target, 'utf8').then(JSON.parse, () => undefined);
await mkdir(dirname(target), { recursive: true });
// Files of earlier versions of the spec are of no use.
for (const name of await readdir(dirname(target))) if (name !== basename(target)) await rm(`${dirname(target)}/${name}`, { force: true });

if (built?.generator === generator) {
  console.log(`postman collection: up to date (${target.slice(SANDBOX_ROOT.length)})`);
} else {
  const started = performance.now();
  const collection = await convertToPostman(doc, generateFixture());
  await writeFile(target, JSON.stringify({ generator, collection }));
  console.log(`postman collection: ${target.slice(SANDBOX_ROOT.length)} in ${Math.round(performance.now() - started)} ms`);
}
