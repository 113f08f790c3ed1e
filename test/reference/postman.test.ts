// The Postman collection: GET /postman.json of a served sandbox is a v2.1 collection with a
// folder per tag, baseUrl set to that sandbox and bearer auth with the test key; newman (its
// library API) runs its "Happy path" folder against the sandbox and every request passes its
// tests; `marketplace-sandbox export postman` writes the same collection; another document
// (serve --spec) is converted on first request.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import newman, { type NewmanRunSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.ts';
import { DEFAULT_ADMIN_TOKEN } from '../../src/control/admin-token.ts';
import { listOperations, loadDocument } from '../../src/contract/operations.ts';
import { DEFAULT_SPEC } from '../../src/sandbox-files.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { startSandbox } from '../support/sandbox.ts';

const bin = fileURLToPath(new URL('../../bin/marketplace-sandbox.js', import.meta.url));
const PARCEL_LOCKERS = fileURLToPath(new URL('../specs/parcel-lockers.openapi.yaml', import.meta.url));
const KEY = DEFAULT_TENANTS[0].api_key;

let served: Served;
let collection: any;

beforeAll(async () => {
  served = await serveSandbox({ adminToken: DEFAULT_ADMIN_TOKEN });
  const answer = await fetch(`${served.url}/postman.json`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  collection = await answer.json();
});

afterAll(async () => {
  await served?.close();
});

const variable = (c: any, key: string) => c.variable.find((v: any) => v.key === key)?.value;

describe('GET /postman.json', () => {
  it('is a v2.1 collection: the happy path, then a folder per tag with each operation of that tag; baseUrl and bearer auth preset', async () => {
    expect(collection.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    expect(variable(collection, 'baseUrl')).toBe(served.url);
    expect(variable(collection, 'apiKey')).toBe(KEY);
    expect(collection.auth).toEqual({ type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] });

    const operations = listOperations(await loadDocument(DEFAULT_SPEC));
    const perTag = new Map<string, number>();
    for (const op of operations) perTag.set(op.tags[0]!, (perTag.get(op.tags[0]!) ?? 0) + 1);
    const [happyPath, ...folders] = collection.item;
    expect(happyPath.name).toBe('Happy path');
    expect(Object.fromEntries(folders.map((f: any) => [f.name, f.item.length]))).toEqual(Object.fromEntries(perTag));
  });

  it('newman runs the "Happy path" folder against the sandbox, and every request passes its tests', async () => {
    const summary = await new Promise<NewmanRunSummary>((resolve, reject) =>
      newman.run({ collection, folder: 'Happy path', reporters: [] }, (error, result) => (error ? reject(error) : resolve(result))),
    );
    const folder = collection.item[0].item;
    expect(summary.run.failures).toEqual([]);
    expect(summary.run.executions.map((e) => e.item.name)).toEqual(folder.map((i: any) => i.name));
    for (const execution of summary.run.executions) {
      expect(execution.assertions?.length, execution.item.name).toBeGreaterThan(0);
      expect(execution.assertions?.filter((a) => a.error), execution.item.name).toEqual([]);
    }
    // The sandbox answered each one, for the tenant whose key the collection carries.
    const journal = await new ControlClient({ url: served.url, adminToken: DEFAULT_ADMIN_TOKEN }).call<{ data: any[] }>('GET', `/__sandbox/requests?tenant_id=${DEFAULT_TENANTS[0].id}`);
    const answered = journal.data.filter((e: any) => e.credential === 'api_key').reverse();
    expect(answered.map((e: any) => `${e.method} ${e.status}`)).toEqual(summary.run.executions.map((e) => `${e.request.method} ${e.response.code}`));
    expect(answered.map((e: any) => e.operation_id)).toEqual([
      'listProducts',
      'getProduct',
      'updateProductPrice',
      'updateProductPrice',
      'getPriceHistory',
      'getInventoryItem',
      'updateAvailability',
      'listOrders',
      'listUnconfirmedOrders',
      'getOrder',
      'updateOrderStatus',
    ]);
  }, 60_000);
});

describe('marketplace-sandbox export postman', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--out FILE --base-url URL writes the same collection, set to that URL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'export-postman-'));
    const out = join(dir, 'marketplace.postman_collection.json');
    const { stderr } = await promisify(execFile)(process.execPath, [bin, 'export', 'postman', '--out', out, '--base-url', 'http://127.0.0.1:4300']);
    expect(stderr).toContain(`wrote ${out}: 13 folders (Happy path, OAuth, Products`);
    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(variable(written, 'baseUrl')).toBe('http://127.0.0.1:4300');
    expect(written.item).toEqual(collection.item);
    expect(written.variable.filter((v: any) => v.key !== 'baseUrl')).toEqual(collection.variable.filter((v: any) => v.key !== 'baseUrl'));
  });

  it('refuses a base URL that is not an http(s) origin, saying what to give', async () => {
    const run = promisify(execFile)(process.execPath, [bin, 'export', 'postman', '--base-url', 'ftp://sandbox']);
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--base-url ftp://sandbox is not an http(s) origin; give one like http://127.0.0.1:4300') });
  });
});

describe('serve --spec other.yaml', () => {
  it('/postman.json converts that document on first request (no happy path: that is for the marketplace data), then keeps it', async () => {
    const other = await startSandbox({ specFile: PARCEL_LOCKERS });
    try {
      const first = await other.call('GET', '/postman.json', { key: null });
      expect(first.status).toBe(200);
      expect(first.body.info.name).toBe('Parcel lockers (a small foreign API for --spec tests)');
      expect(first.body.item.map((i: any) => i.name)).not.toContain('Happy path');
      expect(first.body.item[0]).toMatchObject({ name: 'get Locker', request: { method: 'GET', url: { host: ['{{baseUrl}}'], path: ['lockers', ':locker_id'] } } });
      expect(first.body.variable.find((v: any) => v.key === 'baseUrl').value).toBe('http://localhost');
      const started = performance.now();
      const again = await other.call('GET', '/postman.json', { key: null });
      expect(again.body).toEqual(first.body);
      expect(performance.now() - started).toBeLessThan(1500); // kept: not converted again
    } finally {
      await other.close();
    }
  }, 60_000);
});
