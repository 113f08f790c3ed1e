// Writes specs/readiness-report.schema.json: the readiness report's JSON Schema (draft 2020-12),
// cut out of specs/sandbox-admin.openapi.yaml (ReadinessReport and the schemas it refers to), so
// CI tools can check a readiness.json without reading OpenAPI. `npm run docs` runs it;
// test/docs/generated-docs.test.ts fails when it is out of date.
//   npx tsx scripts/readiness-schema.ts
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
export const READINESS_SCHEMA = `${root}specs/readiness-report.schema.json`;
const REF = '#/components/schemas/';

export async function readinessSchema(): Promise<string> {
  const spec = parse(await readFile(`${root}specs/sandbox-admin.openapi.yaml`, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const schemas = spec.components.schemas;
  const defs: Record<string, unknown> = {};
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF)) {
        const name = value.slice(REF.length);
        if (!(name in defs)) {
          defs[name] = null; // taken, before recursing (a schema may refer to itself)
          defs[name] = rewrite(schemas[name]);
        }
        out.$ref = `#/$defs/${name}`;
      } else out[key] = rewrite(value);
    }
    return out;
  };
  const report = rewrite(schemas.ReadinessReport) as Record<string, unknown>;
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'marketplace-sandbox readiness report',
    ...report,
    $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(READINESS_SCHEMA, await readinessSchema());
  console.log(`wrote ${READINESS_SCHEMA}`);
}
