// Latency and fault injection as QA sets it up and a connector meets it: fixed and distributed
// latency, error rates with Retry-After, every-Nth failures, hang-then-drop timeouts (in process
// and on a real socket), targeting by operationId and path globs, determinism under a seed, and
// the marks faults leave in the journal.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, KEY_A, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let productId: string;
beforeAll(async () => {
  sb = await startSandbox();
  productId = Object.keys(sb.store.tenant('ten_nordwind')!.state.products)[0]!;
});
beforeEach(async () => {
  await sb.control('DELETE', '/__sandbox/faults');
  await sb.control('DELETE', '/__sandbox/requests');
});

const setFaults = (body: Record<string, unknown>) => sb.control('PUT', '/__sandbox/faults', body);
const journal = async (operationId?: string) =>
  (await sb.control('GET', `/__sandbox/requests?limit=1000${operationId ? `&operation_id=${operationId}` : ''}`)).body.data.reverse();

describe('the fault rules contract', () => {
  it('PUT replaces the rules (tenant_id defaults to ten_nordwind, ids filled in), GET reads, DELETE clears', async () => {
    const put = await setFaults({ seed: 7, rules: [{ id: 'slow', operation_ids: ['list*'], latency: { fixed_ms: 1 } }, { paths: ['/api/v2/orders/*'], every_nth: { n: 2, status: 502 } }] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      tenant_id: 'ten_nordwind',
      seed: 7,
      rules: [
        { id: 'slow', operation_ids: ['list*'], latency: { fixed_ms: 1 } },
        { id: 'rule_2', paths: ['/api/v2/orders/*'], every_nth: { n: 2, status: 502 } },
      ],
    });
    expect((await sb.control('GET', '/__sandbox/faults?tenant_id=ten_nordwind')).body).toEqual(put.body);
    expect((await sb.control('GET', '/__sandbox/faults?tenant_id=ten_suedhafen')).body.rules).toEqual([]);
    expect((await sb.control('DELETE', '/__sandbox/faults?tenant_id=ten_nordwind')).status).toBe(204);
    expect((await sb.control('GET', '/__sandbox/faults')).body.rules).toEqual([]);
  });

  it('refuses rules that make no sense, with a pointer', async () => {
    const bad = expectProblem(await setFaults({ rules: [{ latency: { p50_ms: 500, p95_ms: 100 } }] }), 400, 'validation_failed');
    expect(bad.errors[0].pointer).toBe('/body/rules/0/latency/p95_ms');
    const empty = expectProblem(await setFaults({ rules: [{ operation_ids: ['getOrder'] }] }), 400, 'validation_failed');
    expect(empty.errors[0].pointer).toBe('/body/rules/0');
    expectProblem(await setFaults({ rules: [{ error: { rate: 1, status: 418 } }] }), 400, 'validation_failed');
  });
});

describe('fault kinds', () => {
  it('fixed latency delays only the targeted operations and is marked in the journal', async () => {
    await setFaults({ rules: [{ id: 'slow-product', operation_ids: ['getProduct'], latency: { fixed_ms: 150 } }] });
    const started = performance.now();
    expect((await sb.call('GET', `/api/v2/products/${productId}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect((await sb.call('GET', '/api/v2/labels')).status).toBe(200);

    const [slow, fast] = await journal();
    expect(slow).toMatchObject({ operation_id: 'getProduct', status: 200, faults: [{ rule_id: 'slow-product', kind: 'latency', latency_ms: 150 }] });
    expect(slow.latency_ms).toBeGreaterThanOrEqual(140);
    expect(fast).toMatchObject({ operation_id: 'listLabels', faults: [] });
  });

  it('p50/p95 latency is drawn from a distribution, the same under the same seed', async () => {
    const rules = [{ operation_ids: ['listLabels'], latency: { p50_ms: 4, p95_ms: 30 } }];
    const draws = async () => {
      await setFaults({ seed: 42, rules });
      await sb.control('DELETE', '/__sandbox/requests');
      for (let i = 0; i < 12; i++) await sb.call('GET', '/api/v2/labels');
      return (await journal()).map((e: any) => e.faults[0].latency_ms);
    };
    const first = await draws();
    expect(await draws()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(3); // a distribution, not a constant
    await setFaults({ seed: 43, rules });
    for (let i = 0; i < 12; i++) await sb.call('GET', '/api/v2/labels');
    expect((await journal()).slice(-12).map((e: any) => e.faults[0].latency_ms)).not.toEqual(first);
  });

  it('an error rate answers the chosen status as a problem, with Retry-After when asked', async () => {
    await setFaults({ rules: [{ id: 'down', paths: ['/api/v2/orders*'], error: { rate: 1, status: 503, retry_after_seconds: 2 } }] });
    const res = await sb.call('GET', '/api/v2/orders?limit=1');
    const problem = expectProblem(res, 503, 'service_unavailable');
    expect(problem.injected_fault).toEqual({ rule_id: 'down', kind: 'error' });
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
    const [entry] = await journal();
    expect(entry).toMatchObject({ status: 503, faults: [{ rule_id: 'down', kind: 'error', status: 503, retry_after_seconds: 2 }] });
  });

  it('a partial error rate fails a seeded, repeatable share of requests', async () => {
    const run = async () => {
      await setFaults({ seed: 1, rules: [{ operation_ids: ['listLabels'], error: { rate: 0.3, status: 500 } }] });
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await sb.call('GET', '/api/v2/labels')).status);
      return statuses;
    };
    const first = await run();
    const failures = first.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(25);
    expect(await run()).toEqual(first);
  });

  it('every_nth fails exactly every Nth matching request', async () => {
    await setFaults({ rules: [{ operation_ids: ['getOrder', 'listOrders'], every_nth: { n: 3, status: 504 } }] });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await sb.call('GET', '/api/v2/orders?limit=1')).status);
    expect(statuses).toEqual([200, 200, 504, 200, 200, 504, 200]);
    const eighth = await sb.call('GET', '/api/v2/orders?limit=1');
    expect(eighth.status).toBe(200);
    const ninth = expectProblem(await sb.call('GET', '/api/v2/orders?limit=1'), 504, 'gateway_timeout');
    expect(ninth.injected_fault.kind).toBe('every_nth');
  });

  it('a timeout holds the request, then drops it: app.request() rejects, nothing is answered', async () => {
    await setFaults({ rules: [{ id: 'hang', operation_ids: ['listLabels'], timeout: { rate: 1, hang_ms: 100 } }] });
    const started = performance.now();
    await expect(sb.call('GET', '/api/v2/labels')).rejects.toThrow(/connection was dropped/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    const [entry] = await journal();
    expect(entry).toMatchObject({ operation_id: 'listLabels', status: null, response_bytes: null, faults: [{ rule_id: 'hang', kind: 'timeout', hang_ms: 100 }] });
    expect((await sb.call('GET', `/api/v2/products/${productId}`)).status).toBe(200);
  });
});

describe('on a real socket', () => {
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    server = serve({ fetch: sb.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a timeout hangs up without an answer, and the sandbox keeps serving', async () => {
    await setFaults({ rules: [{ operation_ids: ['listLabels'], timeout: { rate: 1, hang_ms: 120 } }] });
    const headers = { authorization: `Bearer ${KEY_A}` };
    const started = performance.now();
    const error = await fetch(`${base}/api/v2/labels`, { headers }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(TypeError); // fetch failed: the socket closed with no response
    expect(String((error as Error & { cause?: { code?: string } }).cause?.code)).toMatch(/ECONNRESET|UND_ERR_SOCKET|UND_ERR_CLOSED/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);

    const after = await fetch(`${base}/api/v2/products/${productId}`, { headers });
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).not.toBeNull();
  });

  it('latency is felt over the wire too', async () => {
    await setFaults({ rules: [{ operation_ids: ['listLabels'], latency: { fixed_ms: 80 } }] });
    const started = performance.now();
    const res = await fetch(`${base}/api/v2/labels`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
