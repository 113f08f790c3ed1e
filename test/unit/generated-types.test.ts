// The handlers' types are generated from the OpenAPI documents and committed
// (src/contract/generated/). This fails when a spec changed and the types were not regenerated:
// run `npm run types`. Schemas without properties (e.g. a bulk line checked later against createProduct's)
// become Record<string, unknown> (--empty-objects-unknown), not Record<string, never>.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(dirname(createRequire(import.meta.url).resolve('openapi-typescript/package.json')), 'bin/cli.js');

it.each([
  ['specs/marketplace.openapi.yaml', 'src/contract/generated/marketplace.ts'],
  ['specs/sandbox-admin.openapi.yaml', 'src/contract/generated/admin.ts'],
])('the types generated from %s are up to date (else: npm run types)', async (spec, committed) => {
  const fresh = join(mkdtempSync(join(tmpdir(), 'spec-types-')), 'types.ts');
  await promisify(execFile)(process.execPath, [cli, spec, '--empty-objects-unknown', '-o', fresh], { cwd: root });
  const same = readFileSync(fresh, 'utf8') === readFileSync(join(root, committed), 'utf8');
  expect(same, `${committed} is stale: run \`npm run types\``).toBe(true);
}, 20_000);
