// The readiness report against a deliberately bad connector (./bad-connector.ts) on a real
// sandbox over a socket: each rule it breaks fails, and the evidence names its own request ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.ts';
import { startInProcessSandbox, type RunningSandbox } from '../../src/pact/in-process-sandbox.ts';
import { runBadConnector } from './bad-connector.ts';

let running: RunningSandbox;
let report: any;
let journal: { id: string; operation_id: string; status: number | null }[];
const control = (method: string, path: string, body?: unknown): Promise<any> => new ControlClient({ url: running.url, adminToken: running.adminToken }).call(method, path, body);
const rule = (id: string) => report.rules.find((r: { id: string }) => r.id === id);

beforeAll(async () => {
  running = await startInProcessSandbox();
  // A tight order-reads limit, so the poller meets 429s with Retry-After (and ignores them).
  await control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'enterprise', groups: { order_reads: 4 } });
  const products = await control('GET', '/__sandbox/tenants');
  expect(products.data.length).toBeGreaterThan(0);
  const list = await fetch(`${running.url}/api/v2/products?limit=3&status=live`, { headers: { authorization: 'Bearer mk_test_nordwind_7d3f9a2c5e8b41d6' } }).then((r) => r.json());
  await control('DELETE', '/__sandbox/requests?tenant_id=ten_nordwind');
  await runBadConnector({ url: running.url, clientId: 'cli_nordwind_erp', clientSecret: 'cs_test_nordwind_3c7e1a9f5b2d8e46', durationMs: 6500, productIds: list.data.map((p: { id: string }) => p.id) });
  // Three sandbox hours later the orders it never confirmed are overdue.
  await control('POST', '/__sandbox/clock/advance', { tenant_id: 'ten_nordwind', seconds: 3 * 3600 });
  report = await control('GET', '/__sandbox/tenants/ten_nordwind/readiness');
  journal = (await control('GET', '/__sandbox/requests?tenant_id=ten_nordwind&limit=1000')).data;
}, 30_000);

afterAll(async () => {
  await running?.close();
});

/** Every id is a request of the journal, of one of these operations. */
function expectRequests(ids: string[], operations: string[]): void {
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) {
    const entry = journal.find((e) => e.id === id);
    expect(entry, id).toBeDefined();
    expect(operations).toContain(entry!.operation_id);
  }
}

describe('readiness of a bad connector', () => {
  it('fails the report', () => {
    expect(report.verdict).toBe('fail');
    expect(report.summary.fail).toBeGreaterThanOrEqual(5);
    expect(report.requests.total).toBe(journal.length);
  });

  it('polling every second fails polling discipline, naming the polls', () => {
    const r = rule('polling_discipline');
    expect(r.verdict).toBe('fail');
    expect(r.counts.too_soon).toBeGreaterThanOrEqual(4);
    expectRequests(r.evidence, ['listUnconfirmedOrders']);
  });

  it('unchanged single-item availability pushes fail only real changes and batch use', () => {
    const real = rule('only_real_changes');
    expect(real.verdict).toBe('fail');
    expect(real.counts.unchanged).toBe(real.counts.updates);
    expectRequests(real.evidence, ['updateAvailability']);
    const batch = rule('batch_use');
    expect(batch.verdict).toBe('fail');
    expect(batch.counts.runs).toBeGreaterThanOrEqual(1);
    expectRequests(batch.evidence, ['updateAvailability']);
  });

  it('retrying at once after a 429 fails Retry-After, naming the early requests', () => {
    const r = rule('retry_after_and_backoff');
    expect(r.verdict).toBe('fail');
    expect(r.counts.sent_too_early).toBeGreaterThan(0);
    // Both the order reads and the bulk group (availability) ran out; the retries went out regardless.
    expectRequests(r.evidence, ['listUnconfirmedOrders', 'updateAvailability']);
  });

  it('a token per request fails token hygiene, naming the token requests', () => {
    const r = rule('token_hygiene');
    expect(r.verdict).toBe('fail');
    expect(r.counts.early_tokens).toBeGreaterThan(2);
    expectRequests(r.evidence, ['createToken']);
  });

  it('never confirming fails order handling, naming the orders', () => {
    const r = rule('order_handling');
    expect(r.verdict).toBe('fail');
    expect(r.counts.late_confirmations).toBeGreaterThan(0);
    expect(r.evidence.every((id: string) => id.startsWith('ord_'))).toBe(true);
  });

  it('what the connector never did is not exercised, never pass', () => {
    for (const id of ['price_protection', 'webhook_receiver']) expect(rule(id).verdict, id).toBe('not_exercised');
    // It wrote to products, none of them deleted: judged, and passed.
    expect(rule('writes_to_inactive_products').verdict).toBe('pass');
    // Coverage names what it never called.
    expect(rule('coverage').verdict).toBe('fail');
    expect(rule('coverage').checks[0].measured).toContain('updateOrderStatus');
  });
});
