// Resets, snapshots and export/import through the control API: isolation between tenants, round
// trips, refusals that point at the problem, and a reset under concurrent traffic.
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/server/app.ts';
import { ScenarioError } from '../../src/scenarios/load.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN, expectProblem, KEY_A, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';

const A = DEFAULT_TENANTS[0].id;
const B = DEFAULT_TENANTS[1].id;
let sb: TestSandbox;
let dir: string;

beforeAll(async () => {
  sb = await startSandbox({ clock: { mode: 'manual', factor: 1 } });
  dir = await mkdtemp(join(tmpdir(), 'sandbox-scenarios-'));
});
afterAll(async () => {
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

const newProduct = (sku: string) => ({
  sku,
  title: `Scenario test ${sku}`,
  brand_id: undefined as string | undefined,
});

async function createProduct(key: string, sku: string): Promise<string> {
  // Copy a fixture product's catalogue fields so the category rules are met.
  const template = (await sb.call('GET', '/api/v2/products?limit=1&status=live', { key })).body.data[0];
  const res = await sb.call('POST', '/api/v2/products', {
    key,
    body: { ...newProduct(sku), brand_id: template.brand_id, category_id: template.category_id, ean: template.ean, price: 19.99, currency: 'EUR', parameters: template.parameters },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

const exportOf = async (tenant: string) => {
  const res = await sb.app.request(`/__sandbox/state?tenant_id=${tenant}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return res.text();
};
const stateOf = (exported: string) => JSON.stringify(JSON.parse(exported).state);
const importInto = (tenant: string, body: string) =>
  sb.app.request(`/__sandbox/state?tenant_id=${tenant}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body });

describe('reset', () => {
  it('puts one tenant into a scenario and leaves the other alone', async () => {
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A });
    await sb.control('POST', '/__sandbox/reset', { tenant_id: B });
    const mineA = await createProduct(KEY_A, 'iso-a-1');
    const mineB = await createProduct(KEY_B, 'iso-b-1');
    const before = await exportOf(B);

    const res = await sb.control('POST', '/__sandbox/reset', { tenant_id: A, scenario: 'empty' });
    expect(res.body).toMatchObject({ tenant_id: A, scenario: 'empty', counts: { products: 0, orders: 0 } });
    expect((await sb.call('GET', `/api/v2/products/${mineA}`)).status).toBe(404);
    expect((await sb.call('GET', `/api/v2/products/${mineB}`, { key: KEY_B })).status).toBe(200);
    expect(await exportOf(B)).toBe(before);

    const tenants = (await sb.control('GET', '/__sandbox/tenants')).body.data;
    expect(tenants.find((t: { tenant_id: string }) => t.tenant_id === A).scenario).toBe('empty');
    expect(tenants.find((t: { tenant_id: string }) => t.tenant_id === B).scenario).toBe('default');
  });

  it('gives back the world exactly: a changed entity, reset, equals a fresh reset', async () => {
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A });
    const pristine = await exportOf(A);
    const order = (await sb.call('GET', '/api/v2/orders?status=open&limit=1')).body.data[0];
    expect((await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { status: 'shipping', confirmed: true } })).status).toBe(200);
    const sku = (await sb.call('GET', '/api/v2/inventory?limit=1')).body.data[0].sku;
    expect((await sb.call('PATCH', `/api/v2/inventory/${sku}`, { body: { quantity: 7, location: 'loc_berlin' } })).status).toBe(200);
    expect(await exportOf(A)).not.toBe(pristine);
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A });
    // The state is the world's again; only the clock's wall anchor says when the reset happened.
    expect(stateOf(await exportOf(A))).toBe(stateOf(pristine));
  });

  it('new tenants can start in a scenario', async () => {
    const created = await sb.control('POST', '/__sandbox/tenants', { name: 'QA lifecycle', scenario: 'order-lifecycle' });
    expect(created.status).toBe(201);
    const orders = await sb.call('GET', '/api/v2/orders?status=lost&limit=1', { key: created.body.api_key });
    expect(orders.body.pagination.total).toBe(10);
    expectProblem(await sb.control('POST', '/__sandbox/tenants', { scenario: 'nope' }), 404, 'scenario_not_found');
  });
});

describe('snapshots', () => {
  it('save, change, restore: the tenant is back where it was, clock included', async () => {
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A, scenario: 'order-lifecycle' });
    await createProduct(KEY_A, 'snap-1');
    await sb.control('POST', '/__sandbox/clock/advance', { tenant_id: A, seconds: 3600 });
    const saved = await sb.control('POST', '/__sandbox/snapshots', { name: 'after-setup', tenant_id: A });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ name: 'after-setup', tenant_id: A, scenario: 'order-lifecycle', sandbox_time: '2026-01-15T10:00:00.000Z' });
    const atSave = await exportOf(A);

    await createProduct(KEY_A, 'snap-2');
    await sb.control('POST', '/__sandbox/clock/advance', { tenant_id: A, seconds: 7200 });
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A, scenario: 'empty' });

    const restored = await sb.control('POST', `/__sandbox/snapshots/after-setup/restore?tenant_id=${A}`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ tenant_id: A, snapshot: 'after-setup', scenario: 'order-lifecycle' });
    const now = JSON.parse(await exportOf(A));
    const then = JSON.parse(atSave);
    expect(now.state).toEqual(then.state);
    expect((await sb.control('GET', `/__sandbox/clock?tenant_id=${A}`)).body.now).toBe('2026-01-15T10:00:00.000Z');
    // The restored world is the tenant's own again: it can change, and the snapshot stays as saved.
    await createProduct(KEY_A, 'snap-3');
    await sb.control('POST', `/__sandbox/snapshots/after-setup/restore?tenant_id=${A}`);
    expect(JSON.parse(await exportOf(A)).state).toEqual(then.state);

    const list = await sb.control('GET', `/__sandbox/snapshots?tenant_id=${A}`);
    expect(list.body.data.map((s: { name: string }) => s.name)).toEqual(['after-setup']);
    expect((await sb.control('DELETE', `/__sandbox/snapshots/after-setup?tenant_id=${A}`)).status).toBe(204);
    const gone = expectProblem(await sb.control('POST', `/__sandbox/snapshots/after-setup/restore?tenant_id=${A}`), 404, 'snapshot_not_found');
    expect(gone.detail).toMatch(/POST \/__sandbox\/snapshots/);
    expectProblem(await sb.control('POST', '/__sandbox/snapshots', { name: '../etc' }), 400, 'validation_failed');
  });

  it('are persisted: a restart with the same data file can still restore them', async () => {
    const file = join(dir, 'state.json');
    const first = await createSandbox({ dataFile: file, adminToken: ADMIN, clock: { mode: 'manual', factor: 1 } });
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    await first.app.request('/__sandbox/reset', { method: 'POST', headers: admin, body: JSON.stringify({ scenario: 'order-lifecycle' }) });
    expect((await first.app.request('/__sandbox/snapshots', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'kept' }) })).status).toBe(201);
    await first.app.request('/__sandbox/reset', { method: 'POST', headers: admin, body: JSON.stringify({ scenario: 'empty' }) });
    await first.close();

    const second = await createSandbox({ dataFile: file, adminToken: ADMIN });
    try {
      expect((await (await second.app.request('/__sandbox/tenants', { headers: admin })).json()).data[0].scenario).toBe('empty');
      const restored = await second.app.request('/__sandbox/snapshots/kept/restore', { method: 'POST', headers: admin });
      expect(restored.status).toBe(200);
      const orders = await second.app.request('/api/v2/orders?status=returned&limit=1', { headers: { authorization: `Bearer ${KEY_A}` } });
      expect((await orders.json()).pagination.total).toBe(10);
    } finally {
      await second.close();
    }
  });
});

describe('export and import', () => {
  it('round-trips byte for byte, and copies one tenant into another', async () => {
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A, scenario: 'price-protection' });
    await createProduct(KEY_A, 'exp-1');
    await sb.call('POST', '/api/v2/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['order.*'] } });
    await sb.control('PUT', '/__sandbox/faults', { tenant_id: A, rules: [{ id: 'slow-orders', operation_ids: ['listOrders'], latency: { fixed_ms: 1 } }] });
    const exported = await exportOf(A);
    const doc = JSON.parse(exported);
    expect(doc).toMatchObject({ format: 'marketplace-sandbox/tenant-state', version: 1, tenant_id: A, scenario: 'price-protection' });

    const imported = await importInto(A, exported);
    expect(imported.status, await imported.clone().text()).toBe(200);
    expect(await exportOf(A)).toBe(exported);

    expect((await importInto(B, exported)).status).toBe(200);
    const copy = JSON.parse(await exportOf(B));
    expect(copy.tenant_id).toBe(B);
    expect(copy.state).toEqual(doc.state);
    expect(copy.settings).toEqual(doc.settings);
    expect((await sb.call('GET', '/api/v2/products/prod_pp100', { key: KEY_B })).status).toBe(200);
    await sb.control('POST', '/__sandbox/reset', { tenant_id: B });
  });

  it('refuses a broken import with a pointer to each problem, and changes nothing', async () => {
    await sb.control('POST', '/__sandbox/reset', { tenant_id: A });
    const before = await exportOf(A);
    const doc = JSON.parse(before);
    const [first, second] = Object.keys(doc.state.products);
    doc.state.products[first!].price = 'cheap';
    doc.state.products[second!].id = 'prod_elsewhere';
    const sku = Object.keys(doc.state.inventory)[0]!;
    doc.state.inventory[sku].product_id = 'prod_missing';
    const res = await importInto(A, JSON.stringify(doc));
    const problem = await res.json();
    expect(res.status).toBe(400);
    const pointers = problem.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toContain(`/body/state/products/${first}/price`);
    expect(pointers).toContain(`/body/state/products/${second}/id`);
    expect(pointers).toContain(`/body/state/inventory/${sku}/product_id`);
    expect(problem.detail).toMatch(/nothing was changed/);
    expect(await exportOf(A)).toBe(before);

    const shape = await importInto(A, JSON.stringify({ ...JSON.parse(before), format: 'something-else' }));
    expect(shape.status).toBe(400);
    expect((await shape.json()).errors[0].pointer).toBe('/body/format');

    // Larger than the 256 MB an import may be: refused from its declared length, before it is read.
    const huge = await sb.app.request(`/__sandbox/state?tenant_id=${A}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) },
      body: '{}',
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await exportOf(A)).toBe(before);
  });
});

describe('scenario files', () => {
  it('a broken scenario is refused at start with its file, pointer and reason', async () => {
    const scenarios = join(dir, 'scenarios');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(scenarios, { recursive: true });
    await copyFile(new URL('../../scenarios/default.yaml', import.meta.url), join(scenarios, 'default.yaml'));
    await writeFile(join(scenarios, 'typo.yaml'), 'name: typo\ndescription: a plan that does not exist\nrate_limits:\n  plan: platinum\n');
    const error = await createSandbox({ scenariosDir: scenarios }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toMatchObject({ file: join(scenarios, 'typo.yaml'), pointer: '/rate_limits/plan' });
    expect((error as Error).message).toMatch(/typo.yaml is invalid at \/rate_limits\/plan: must be one of: basic, growth, enterprise/);

    await writeFile(join(scenarios, 'typo.yaml'), 'name: typo\ndescription: a fault rule that adds nothing\nfaults:\n  rules:\n    - id: nothing\n');
    await expect(createSandbox({ scenariosDir: scenarios })).rejects.toMatchObject({ pointer: '/faults/rules/0' });
    await writeFile(join(scenarios, 'typo.yaml'), 'name: other\ndescription: file and name disagree\n');
    await expect(createSandbox({ scenariosDir: scenarios })).rejects.toMatchObject({ pointer: '/name' });
  });
});

describe('a reset under concurrent traffic', () => {
  it('never leaves a mix of the old and the new world', async () => {
    const tenant = A;
    await sb.control('POST', '/__sandbox/reset', { tenant_id: tenant, scenario: 'order-lifecycle' });
    const lifecycle = JSON.parse(await exportOf(tenant)).state;
    await sb.control('POST', '/__sandbox/reset', { tenant_id: tenant });
    const defaults = JSON.parse(await exportOf(tenant)).state;
    const skus = Object.keys(defaults.inventory).slice(0, 50);

    // Readers check that every answer comes from one world; writers change stock and orders; the
    // control plane flips the tenant between the two worlds meanwhile.
    let running = true;
    const seen = { lifecycle: 0, default: 0, writes: 0 };
    const problems: string[] = [];
    // app.request never touches a socket, so each loop yields a turn or it would starve the timers.
    const turn = () => new Promise((r) => setImmediate(r));
    const reader = async () => {
      while (running) {
        await turn();
        const res = await sb.call('GET', '/api/v2/orders?limit=100');
        if (res.status !== 200) {
          problems.push(`read ${res.status}`);
          continue;
        }
        const { data, pagination } = res.body;
        const world = pagination.total === 80 ? lifecycle : pagination.total === 120 ? defaults : null;
        if (!world) problems.push(`a page with ${pagination.total} orders: neither world`);
        else if (data.some((o: { id: string }) => !world.orders[o.id])) problems.push('a page mixing both worlds');
        else seen[world === lifecycle ? 'lifecycle' : 'default']++;
      }
    };
    const writer = async (n: number) => {
      while (running) {
        await turn();
        const sku = skus[(n * 7 + seen.writes) % skus.length]!;
        const res = await sb.call('PATCH', `/api/v2/inventory/${sku}`, { body: { quantity: 3 + n, location: 'loc_berlin' } });
        // In the lifecycle world the default SKUs may not exist: 404 is an answer, a 500 is not.
        if (res.status !== 200 && res.status !== 404) problems.push(`write ${res.status} ${JSON.stringify(res.body)}`);
        seen.writes++;
      }
    };
    const flipper = async () => {
      try {
        for (let i = 0; i < 30; i++) {
          const res = await sb.control('POST', '/__sandbox/reset', { tenant_id: tenant, scenario: i % 2 ? 'default' : 'order-lifecycle' });
          if (res.status !== 200) problems.push(`reset ${res.status}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        running = false; // bounded: the loops stop with the flipper, whatever happened
      }
    };
    await Promise.all([flipper(), ...Array.from({ length: 4 }, reader), ...Array.from({ length: 4 }, (_, n) => writer(n))]);
    expect(problems).toEqual([]);
    expect(seen.lifecycle).toBeGreaterThan(0);
    expect(seen.default).toBeGreaterThan(0);
    expect(seen.writes).toBeGreaterThan(10);

    // Work the old world started (a 10 000-line stock sync, run in chunks) does not leak into the new one.
    await sb.control('POST', '/__sandbox/reset', { tenant_id: tenant });
    const fresh = await exportOf(tenant);
    const items = Array.from({ length: 10_000 }, (_, i) => ({ sku: skus[i % skus.length]!, quantity: 1 + (i % 90), location: 'loc_berlin' }));
    const job = await sb.call('POST', '/api/v2/inventory/sync', { body: { items } });
    expect(job.status).toBe(202);
    const oldJob = sb.store.tenant(tenant)!.state.jobs[job.body.job_id]!;
    await sb.control('POST', '/__sandbox/reset', { tenant_id: tenant });
    // A job works one chunk (2 000 lines) per event-loop turn: after more turns than its five
    // chunks need, a job that went on would have finished. It stopped instead, and left no trace.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(oldJob.progress.processed).toBeLessThan(items.length);
    expect(stateOf(await exportOf(tenant))).toBe(stateOf(fresh));
  });
});
