// Each partner sees only its own world; the control API creates, lists and resets tenants.
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, expectProblem, KEY_A, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let productOfA: string;
let orderOfA: string;

beforeAll(async () => {
  sb = await startSandbox();
  const a = sb.store.listTenants()[0]!.state;
  const product = Object.values(a.products).find((p) => p.variants.length === 0)!;
  const created = await sb.call('POST', '/api/v2/products', {
    key: KEY_A,
    body: { sku: 'only-in-a', title: 'Only tenant A has this', brand_id: product.brand_id, category_id: product.category_id, ean: '4006381333931', price: 9.99, parameters: product.parameters },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  productOfA = created.body.id;
  const third = await sb.call('POST', '/__sandbox/tenants', { key: ADMIN, body: { name: 'bystander' } });
  expect(third.status).toBe(201);
  orderOfA = Object.values(a.orders).find((o) => o.status === 'open')!.id;
  // Tenant A changes its order; B must not see the change (B's world has its own copy).
  const changed = await sb.call('PATCH', `/api/v2/orders/${orderOfA}/status`, { key: KEY_A, body: { status: 'shipping', confirmed: true } });
  expect(changed.status).toBe(200);
});

describe('tenant isolation', () => {
  it('tenant B cannot read tenant A\'s product', async () => {
    expectProblem(await sb.call('GET', `/api/v2/products/${productOfA}`, { key: KEY_B }), 404, 'not_found');
    const list = await sb.call('GET', '/api/v2/products?q=only tenant a', { key: KEY_B });
    expect(list.body.pagination.total).toBe(0);
    const own = await sb.call('GET', '/api/v2/products?q=only tenant a', { key: KEY_A });
    expect(own.body.pagination.total).toBe(1);
  });

  it('tenant B cannot change or delete tenant A\'s product', async () => {
    expectProblem(await sb.call('PATCH', `/api/v2/products/${productOfA}`, { key: KEY_B, body: { title: 'hijacked' } }), 404);
    expectProblem(await sb.call('PUT', `/api/v2/products/${productOfA}/price`, { key: KEY_B, body: { price: 1 } }), 404);
    expectProblem(await sb.call('DELETE', `/api/v2/products/${productOfA}`, { key: KEY_B }), 404);
    const still = await sb.call('GET', `/api/v2/products/${productOfA}`, { key: KEY_A });
    expect(still.body).toMatchObject({ title: 'Only tenant A has this', price: 9.99, deleted_at: null });
  });

  it('tenant B\'s orders are its own: A\'s change is invisible to B, and B\'s change leaves A alone', async () => {
    const seenByB = await sb.call('GET', `/api/v2/orders/${orderOfA}`, { key: KEY_B });
    expect(seenByB.body.status).toBe('open'); // same fixture id, B's own untouched copy
    await sb.call('POST', `/api/v2/orders/${orderOfA}/cancel`, { key: KEY_B, body: { reason: 'B cancels its own copy' } });
    const seenByA = await sb.call('GET', `/api/v2/orders/${orderOfA}`, { key: KEY_A });
    expect(seenByA.body.status).toBe('shipping');
  });
});

describe('the Authorization header', () => {
  it('takes the Bearer scheme in any case and with extra spaces, and refuses anything else with invalid_request', async () => {
    for (const authorization of [`Bearer ${KEY_A}`, `bearer ${KEY_A}`, `BEARER   ${KEY_A}  `]) {
      expect((await sb.call('GET', '/api/v2/labels', { headers: { authorization } })).status).toBe(200);
    }
    for (const authorization of [`Bearer ${KEY_A} extra`, `Token ${KEY_A}`, 'Bearer ', `Bearer\t${KEY_A}x`]) {
      const res = await sb.call('GET', '/api/v2/labels', { headers: { authorization } });
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/error="(invalid_request|invalid_token)"/);
    }
  });
});

describe('control API: tenants', () => {
  it('refuses callers without the admin token, including partner keys', async () => {
    expectProblem(await sb.call('GET', '/__sandbox/tenants', { key: null }), 401, 'admin_token_required');
    expectProblem(await sb.call('GET', '/__sandbox/tenants', { key: KEY_A }), 401, 'admin_token_required');
  });

  it('creates a fresh tenant seeded from the default fixture, with a working key', async () => {
    const created = await sb.control('POST', '/__sandbox/tenants', { name: 'CI run 42' });
    expect(created.status).toBe(201);
    expect(created.body.api_key).toMatch(/^mk_test_/);
    const products = await sb.call('GET', '/api/v2/products?limit=1', { key: created.body.api_key });
    expect(products.body.pagination.total).toBe(240);
    const listed = await sb.control('GET', '/__sandbox/tenants');
    expect(listed.body.data.map((t: any) => t.tenant_id)).toContain(created.body.tenant_id);
  });

  it('resets one tenant to its fixture and leaves the others alone', async () => {
    const reset = await sb.control('POST', '/__sandbox/reset', { tenant_id: 'ten_nordwind' });
    expect(reset.status).toBe(200);
    expect(reset.body.duration_ms).toBeGreaterThanOrEqual(0); // how fast: `npm run bench reset`
    expectProblem(await sb.call('GET', `/api/v2/products/${productOfA}`, { key: KEY_A }), 404);
    expect((await sb.call('GET', `/api/v2/orders/${orderOfA}`, { key: KEY_A })).body.status).toBe('open');
    expect((await sb.call('GET', `/api/v2/orders/${orderOfA}`, { key: KEY_B })).body.status).toBe('cancelled');
  });

  it('says which tenant does not exist', async () => {
    const r = await sb.control('POST', '/__sandbox/reset', { tenant_id: 'ten_nobody' });
    expect(expectProblem(r, 404, 'not_found').detail).toContain('ten_nobody');
  });

  it('answers the health check without a token', async () => {
    const r = await sb.call('GET', '/__sandbox/health', { key: null });
    expect(r.body).toMatchObject({ status: 'ok', tenants: expect.any(Number) });
  });
});
