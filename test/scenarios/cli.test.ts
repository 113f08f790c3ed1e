// The scenario commands of the CLI, for real: `serve --scenario` in its own process on a real port,
// then `scenarios`, `reset` and `snapshot save|list|restore|delete` as separate processes against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';

const bin = fileURLToPath(new URL('../../bin/marketplace-sandbox.js', import.meta.url));
const ADMIN = 'cli-test-admin-token';
const [A, B] = DEFAULT_TENANTS;
let server: ChildProcess;
let url = '';
let startup = '';
let dir = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to its end. */
const cli = (...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, SANDBOX_ADMIN_TOKEN: ADMIN }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });

const ordersOf = async (key: string) => {
  const res = await fetch(`${url}/api/v2/orders?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  return (await res.json()).pagination.total as number;
};
const productsOf = async (key: string) => {
  const res = await fetch(`${url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  return (await res.json()).pagination.total as number;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-cli-'));
  server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--memory', '--scenario', 'order-lifecycle'], {
    env: { ...process.env, SANDBOX_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${startup}`)), 20_000);
    const onData = (chunk: Buffer) => {
      startup += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(startup);
      if (match) {
        clearTimeout(timer);
        url = match[1]!;
        resolve();
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${startup}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('marketplace-sandbox serve --scenario', () => {
  it('starts the default tenants in the scenario and says so', async () => {
    expect(startup).toMatch(/scenario\s+order-lifecycle/);
    expect(await ordersOf(A.api_key)).toBe(80);
    expect(await ordersOf(B.api_key)).toBe(80);
  });

  it('refuses an unknown scenario at start, listing the known ones', async () => {
    const run = await cli('serve', '--port', '0', '--memory', '--scenario', 'black-friday');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/black-friday/);
    expect(run.stderr).toMatch(/order-lifecycle/);
  });
});

describe('marketplace-sandbox scenarios', () => {
  it('lists the shipped scenarios with their descriptions', async () => {
    const run = await cli('scenarios', '--json');
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { name: string; description: string }[];
    expect(listed.map((s) => s.name).sort()).toEqual(['default', 'empty', 'flaky-network', 'order-lifecycle', 'peak-load', 'price-protection', 'rate-limited', 'webhook-storm']);
    expect(listed.every((s) => s.description.length > 20)).toBe(true);
    const text = await cli('scenarios');
    expect(text.stdout).toMatch(/^rate-limited\s+Basic plan/m);
  });

  it('exits non-zero on a broken scenario file, with its file, pointer and reason', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'name: broken\ndescription: a clock that runs backwards\nclock:\n  factor: -2\n');
    const run = await cli('scenarios', '--dir', dir);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(join(dir, 'broken.yaml'));
    expect(run.stderr).toMatch(/\/clock\/factor/);
  });
});

describe('marketplace-sandbox reset and snapshot', () => {
  it('reset puts one tenant into a scenario, and leaves the other alone', async () => {
    const run = await cli('reset', '--url', url, '--scenario', 'empty', '--tenant', B.id);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${B.id} is in scenario empty: 0 products, 0 orders; reset took [0-9.]+ ms`));
    expect(await productsOf(B.api_key)).toBe(0);
    expect(await ordersOf(A.api_key)).toBe(80);
  });

  it('snapshot save, list, restore and delete round-trip a tenant', async () => {
    expect((await cli('reset', '--url', url, '--scenario', 'default', '--tenant', A.id)).code).toBe(0);
    const saved = await cli('snapshot', 'save', 'before-test', '--url', url, '--tenant', A.id);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/saved snapshot before-test of ten_nordwind \(scenario default/);

    const reset = await cli('reset', '--url', url, '--scenario', 'empty', '--tenant', A.id);
    expect(reset.code).toBe(0);
    expect(await productsOf(A.api_key)).toBe(0);

    const listed = await cli('snapshot', 'list', '--url', url, '--tenant', A.id);
    expect(listed.stdout).toMatch(/ten_nordwind {2}before-test {2}scenario default .* 240 products, 120 orders/);
    const restored = await cli('snapshot', 'restore', 'before-test', '--url', url, '--tenant', A.id);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await productsOf(A.api_key)).toBe(240);
    expect(await ordersOf(A.api_key)).toBe(120);

    expect((await cli('snapshot', 'delete', 'before-test', '--url', url, '--tenant', A.id)).code).toBe(0);
    const gone = await cli('snapshot', 'restore', 'before-test', '--url', url, '--tenant', A.id);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/404/);
    // Seven CLI processes: each a plain node start of the built CLI (client commands load no server).
  });

  it('says what is wrong when the sandbox is not there or the token is wrong', async () => {
    const away = await cli('reset', '--url', 'http://127.0.0.1:9', '--scenario', 'empty');
    expect(away.code).not.toBe(0);
    expect(away.stderr).toMatch(/cannot reach the sandbox at http:\/\/127\.0\.0\.1:9/);
    const denied = await cli('reset', '--url', url, '--admin-token', 'wrong', '--scenario', 'empty');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/401/);
  });
});
