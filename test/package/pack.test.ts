// The npm package as a user gets it: `npm pack`, installed into an empty folder without dev
// dependencies, offline from the npm cache (npm ci filled it; the project's lock names the
// versions), and its bin run from there.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted } from '../support/serve-process.ts';
import { checkInstalled, run } from './installed.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'sandbox-pack-'));
afterAll(async () => {
  killStarted();
  await rm(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the build, the contracts, the data and the licence, and nothing of the tests', async () => {
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
    expect(packed.code, packed.output).toBe(0);
    const [{ files }] = JSON.parse(packed.output.slice(packed.output.indexOf('['))) as Array<{ files: Array<{ path: string }> }>;
    const top = new Set(files.map((f) => f.path.split('/')[0]));
    expect([...top].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'fixtures', 'package.json', 'pacts', 'profiles', 'scenarios', 'specs']);
    expect(files.some((f) => f.path.startsWith('dist/worlds/'))).toBe(true);
  }, 60_000);

  it('installed elsewhere without dev dependencies, its bin serves, and runs sla, conformance and verify-pact', async () => {
    const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'))!;
    const unpacked = await run('tar', ['-xzf', join(dir, tarball), '-C', dir], dir);
    expect(unpacked.code, unpacked.output).toBe(0);
    const pkg = join(dir, 'package');
    // The production dependencies at the versions the lock names, offline from the npm cache (no
    // registry needed: npm ci put every tarball there), without install scripts or dev dependencies.
    await copyFile(join(root, 'package-lock.json'), join(pkg, 'package-lock.json'));
    const installed = await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], pkg, {}, 180_000);
    expect(installed.code, installed.output).toBe(0);
    const modules = await readdir(join(pkg, 'node_modules'));
    for (const dev of ['vitest', 'tsx', 'typescript', 'autocannon', 'newman']) expect(modules).not.toContain(dev);
    await checkInstalled(join(pkg, 'bin', 'marketplace-sandbox.js'), pkg);
  }, 240_000);
});
