// The request journal as CI uses it: what is recorded, filters, verification that holds and
// verification that fails with near misses, bodies on demand, capacity, and redaction.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { expectProblem, KEY_A, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';

const CLIENT = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;

let sb: TestSandbox;
let productId: string;
let price: number;
let openOrderId: string;
beforeAll(async () => {
  sb = await startSandbox();
  const state = sb.store.tenant('ten_nordwind')!.state;
  const product = Object.values(state.products).find((p) => p.variants.length === 0 && p.status === 'live')!;
  productId = product.id;
  price = product.price;
  openOrderId = Object.values(state.orders).find((o) => o.status === 'open')!.id;
});
beforeEach(async () => {
  await sb.control('DELETE', '/__sandbox/requests');
  await sb.control('PUT', '/__sandbox/requests/settings', { capacity: 1000, keep_bodies: false });
});

const requests = async (query = '') => (await sb.control('GET', `/__sandbox/requests${query}`)).body;
const verify = (body: Record<string, unknown>) => sb.control('POST', '/__sandbox/requests/verify', body);

describe('recording', () => {
  it('records each request of the tenant with its outcome, newest first', async () => {
    await sb.call('GET', '/api/v2/products?limit=2');
    await sb.call('GET', '/api/v2/products/prod_missing');
    await sb.call('PUT', `/api/v2/products/${productId}/price`, { body: { price } }); // unchanged: a practice note
    await sb.call('GET', '/api/v2/labels', { key: KEY_B }); // another tenant's journal

    const listed = await requests();
    expect(listed).toMatchObject({ tenant_id: 'ten_nordwind', capacity: 1000, total: 3 });
    const [update, missing, list] = listed.data;
    expect(list).toMatchObject({
      method: 'GET',
      path: '/api/v2/products',
      query: 'limit=2',
      operation_id: 'listProducts',
      status: 200,
      request_bytes: 0,
      credential: 'api_key',
      rate_limit: { allowed: true, policy: 'product_reads', limit: 1000 },
      faults: [],
    });
    expect(list.response_bytes).toBeGreaterThan(100);
    expect(list.latency_ms).toBeGreaterThan(0);
    expect(Date.parse(list.at)).toBeLessThanOrEqual(Date.now());
    expect(list.sandbox_at).toMatch(/^2026-01-15T/);
    expect(missing).toMatchObject({ operation_id: 'getProduct', status: 404 });
    expect(missing.response_bytes).toBeGreaterThan(50);
    expect(update).toMatchObject({ method: 'PUT', operation_id: 'updateProductPrice', status: 200 });
    // The product is inactive, which the readiness report notes too.
    expect(update.notes).toContain('unchanged_update');
    expect(update.request_bytes).toBeGreaterThan(0);
    expect((await requests('?tenant_id=ten_suedhafen')).data.map((e: any) => e.operation_id)).toEqual(['listLabels']);
  });

  it('filters by operationId, status and time, and limits the answer', async () => {
    await sb.call('GET', '/api/v2/labels');
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5)); // times have ms resolution
    await pause();
    const between = new Date().toISOString();
    await pause();
    await sb.call('GET', '/api/v2/products/prod_missing');
    await sb.call('GET', '/api/v2/labels');
    expect((await requests('?operation_id=listLabels')).total).toBe(2);
    expect((await requests('?status=404')).data.map((e: any) => e.operation_id)).toEqual(['getProduct']);
    expect((await requests(`?since=${encodeURIComponent(between)}`)).total).toBe(2);
    expect((await requests(`?until=${encodeURIComponent(between)}`)).total).toBe(1);
    const limited = await requests('?limit=1');
    expect(limited).toMatchObject({ total: 3 });
    expect(limited.data).toHaveLength(1);
    expectProblem(await sb.control('GET', '/__sandbox/requests?status=abc'), 400, 'validation_failed');
  });

  it('records 401s of known tenants and 429s, not requests nobody can be attributed to', async () => {
    await sb.call('GET', '/api/v2/labels', { key: 'mk_test_unknown' });
    const scoped = (await sb.control('POST', '/__sandbox/tenants/ten_nordwind/api-keys', { scopes: ['orders'] })).body.api_key;
    await sb.call('GET', '/api/v2/labels', { key: scoped });
    const [forbidden] = (await requests()).data;
    expect(forbidden).toMatchObject({ operation_id: 'listLabels', status: 403, rate_limit: null });
    expect((await requests()).total).toBe(1);
  });

  it('DELETE clears; the capacity bounds the buffer, keeping the newest', async () => {
    await sb.control('PUT', '/__sandbox/requests/settings', { capacity: 3 });
    for (let i = 1; i <= 5; i++) await sb.call('GET', `/api/v2/products?limit=${i}`);
    const kept = await requests();
    expect(kept.capacity).toBe(3);
    expect(kept.data.map((e: any) => e.query)).toEqual(['limit=5', 'limit=4', 'limit=3']);
    expect((await sb.control('DELETE', '/__sandbox/requests')).status).toBe(204);
    expect((await requests()).total).toBe(0);
  });
});

describe('verification', () => {
  it('holds when the pattern matched as often as expected', async () => {
    await sb.call('GET', `/api/v2/products/${productId}`);
    await sb.call('GET', `/api/v2/products/${productId}`);
    await sb.call('GET', '/api/v2/labels');
    const exact = await verify({ pattern: { method: 'get', path: '/api/v2/products/*', status: 200 }, count: 2 });
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ tenant_id: 'ten_nordwind', ok: true, matched: 2, expected: { min: 2, max: 2 }, near_misses: [] });
    expect((await verify({ pattern: { operation_id: 'list*', status: '2XX' } })).body).toMatchObject({ ok: true, matched: 1 });
    expect((await verify({ pattern: { operation_id: 'getProduct' }, count: { min: 1, max: 5 } })).body.ok).toBe(true);
  });

  it('fails with near misses that say what differed', async () => {
    await sb.call('PATCH', `/api/v2/orders/${openOrderId}/status`, { body: { status: 'delivered' } }); // illegal: 409
    await sb.call('GET', `/api/v2/orders/${openOrderId}`);
    const result = (await verify({ pattern: { method: 'PATCH', operation_id: 'updateOrderStatus', status: 200 } })).body;
    expect(result.ok).toBe(false);
    expect(result.matched).toBe(0);
    expect(result.reason).toContain('expected at least 1');
    expect(result.near_misses[0]).toMatchObject({
      request: { method: 'PATCH', operation_id: 'updateOrderStatus', status: 409 },
      mismatches: [{ field: 'status', expected: 200, actual: 409 }],
    });
    // The GET differs in two fields, so it comes second.
    expect(result.near_misses[1].request.method).toBe('GET');
    expect(result.near_misses[1].mismatches.map((m: any) => m.field)).toEqual(['method', 'operation_id']);
  });

  it('fails when a request happened more often than allowed', async () => {
    for (let i = 0; i < 3; i++) await sb.call('GET', '/api/v2/labels');
    const result = (await verify({ pattern: { operation_id: 'listLabels' }, count: { max: 2 } })).body;
    expect(result).toMatchObject({ ok: false, matched: 3, expected: { min: 0, max: 2 } });
    expectProblem(await verify({ pattern: {}, count: { min: 3, max: 1 } }), 400, 'validation_failed');
  });

  it('matches request bodies when the tenant keeps them', async () => {
    const pattern = { operation_id: 'updateProductPrice', body_contains: `"price":${price}` };
    await sb.call('PUT', `/api/v2/products/${productId}/price`, { body: { price } });
    const without = (await verify({ pattern })).body;
    expect(without.ok).toBe(false);
    expect(without.near_misses[0].mismatches[0].actual).toContain('keep_bodies');

    await sb.control('PUT', '/__sandbox/requests/settings', { keep_bodies: true });
    await sb.call('PUT', `/api/v2/products/${productId}/price`, { body: { price } });
    expect((await verify({ pattern })).body).toMatchObject({ ok: true, matched: 1 });
  });
});

describe('redaction', () => {
  it('never stores credentials or secrets, even with bodies kept', async () => {
    await sb.control('PUT', '/__sandbox/requests/settings', { keep_bodies: true });
    const issued = await sb.call('POST', '/oauth/token', {
      key: null,
      form: { grant_type: 'client_credentials', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret },
    });
    const basic = `Basic ${Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString('base64')}`;
    await sb.call('POST', '/oauth/token', { key: null, form: { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token }, headers: { authorization: basic } });
    await sb.call('GET', `/api/v2/orders?limit=1&api_key=${KEY_A}`, { key: issued.body.access_token });
    const hook = await sb.call('POST', '/api/v2/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['order.*'] } });
    expect(hook.body.secret).toMatch(/^whsec_/);

    const everything = JSON.stringify(await requests());
    for (const secret of [CLIENT.client_secret, issued.body.access_token, issued.body.refresh_token, KEY_A, basic.slice(6), hook.body.secret]) {
      expect(everything).not.toContain(secret);
    }
    const data = (await requests()).data;
    const tokenCall = data.find((e: any) => e.operation_id === 'createToken' && e.request_headers.authorization);
    expect(tokenCall.request_headers.authorization).toBe('Basic [REDACTED]');
    expect(tokenCall.request_body).toContain('refresh_token=%5BREDACTED%5D');
    const orders = data.find((e: any) => e.operation_id === 'listOrders');
    expect(orders).toMatchObject({ credential: 'oauth_token', request_headers: { authorization: 'Bearer [REDACTED]' } });
    expect(orders.query).toContain('api_key=%5BREDACTED%5D');
  });
});
