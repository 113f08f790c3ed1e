// Parsing YAML to one-byte strings must not change what is parsed: every spec and scenario file
// reads the same as with the yaml library alone, wide characters included.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlText } from '../../src/contract/yaml-text.ts';

const root = new URL('../../', import.meta.url);

describe('parseYamlText', () => {
  it('reads every spec and scenario file exactly as the yaml library does', async () => {
    const files = [
      ...(await readdir(new URL('specs/', root))).filter((f) => f.endsWith('.yaml')).map((f) => `specs/${f}`),
      ...(await readdir(new URL('scenarios/', root))).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`),
    ];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8');
      expect(parseYamlText(text), file).toEqual(parse(text));
    }
  });

  it('puts wide characters back in values and keys, and leaves a text that already uses ¤ to the yaml library', () => {
    const text = 'title: "Lamp — navy …"\nsummary: plain ≥ 3\n"κλειδί": 1\nlist: [a, "b → c"]\n';
    expect(parseYamlText(text)).toEqual({ title: 'Lamp — navy …', summary: 'plain ≥ 3', κλειδί: 1, list: ['a', 'b → c'] });
    expect(parseYamlText('price: 3 ¤ — each\n')).toEqual({ price: '3 ¤ — each' });
  });
});
