// The typed client's example in docs/reference.md, run as written (its 127.0.0.1:4300 pointed at a
// served sandbox) from inside the package, where `marketplace-sandbox/client` resolves to the build
// (package.json "exports"), as it does for a partner who installed the package.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'dist', '.docs-examples');
let served: Served;

beforeAll(async () => {
  served = await serveSandbox();
});
afterAll(async () => {
  await served.close();
  await rm(dir, { recursive: true, force: true });
});

it('the example of docs/reference.md lists products and reads a missing order as typed problem details', async () => {
  const page = await readFile(join(root, 'docs/reference.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
  expect(example, 'docs/reference.md has a ts example').toBeTruthy();
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'client-example.ts');
  await writeFile(file, example!.replaceAll('http://127.0.0.1:4300', served.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root });
  const [first, second] = stdout.trim().split('\n');
  const total = (await (await fetch(`${served.url}/api/v2/products?limit=1`, { headers: { authorization: 'Bearer mk_test_nordwind_7d3f9a2c5e8b41d6' } })).json()).pagination.total;
  expect(first).toMatch(new RegExp(`^${total} \\[ '[^']+', '[^']+' \\]$`));
  expect(second).toMatch(/^not_found /);
});
