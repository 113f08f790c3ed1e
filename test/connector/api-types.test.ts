// The reference connector's types are generated from the OpenAPI contract and committed
// (examples/partner-connector/src/marketplace-api.generated.ts). This fails when the spec changed
// and the types were not regenerated: run `npm run connector:types`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = join(root, 'examples/partner-connector/src/marketplace-api.generated.ts');
const cli = join(dirname(createRequire(import.meta.url).resolve('openapi-typescript/package.json')), 'bin/cli.js');

it('the connector types match specs/marketplace.openapi.yaml (else: npm run connector:types)', async () => {
  const fresh = join(mkdtempSync(join(tmpdir(), 'connector-types-')), 'api.ts');
  await promisify(execFile)(process.execPath, [cli, 'specs/marketplace.openapi.yaml', '-o', fresh], { cwd: root });
  const same = readFileSync(fresh, 'utf8') === readFileSync(committed, 'utf8');
  expect(same, 'examples/partner-connector/src/marketplace-api.generated.ts is stale: run `npm run connector:types`').toBe(true);
}, 20_000);
