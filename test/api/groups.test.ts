// For every operation group of the partner API: a success path, a validation failure with its
// pointer, a 401 and a 404, as a partner's connector meets them.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Order, Product } from '../../src/domain/types.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let product: Product;
let order: Order;

beforeAll(async () => {
  sb = await startSandbox();
  const state = sb.store.listTenants()[0]!.state;
  product = Object.values(state.products).find((p) => p.variants.length === 0 && p.status === 'live')!;
  order = Object.values(state.orders).find((o) => o.status === 'open')!;
});

interface Group {
  name: string;
  success: { method: string; path: () => string; body?: () => unknown; status: number; check?: (body: any) => void };
  invalid: { method: string; path: () => string; body?: () => unknown; pointer: string };
  missing: { method: string; path: string; body?: unknown };
}

const groups: Group[] = [
  {
    name: 'products',
    success: {
      method: 'GET',
      path: () => `/api/v2/products?category=${product.category_id}&limit=5`,
      status: 200,
      check: (b) => {
        expect(b.data.length).toBeGreaterThan(0);
        expect(b.data.every((p: Product) => p.category_id === product.category_id)).toBe(true);
        expect(b.pagination).toMatchObject({ page: 1, limit: 5 });
      },
    },
    invalid: { method: 'GET', path: () => '/api/v2/products?limit=1000', pointer: '/query/limit' },
    missing: { method: 'GET', path: '/api/v2/products/prod_doesnotexist' },
  },
  {
    name: 'variants',
    success: {
      method: 'GET',
      path: () => `/api/v2/products/${Object.values(sb.store.listTenants()[0]!.state.products).find((p) => p.variants.length)!.id}/variants`,
      status: 200,
      check: (b) => expect(b.data.length).toBeGreaterThan(1),
    },
    invalid: {
      method: 'POST',
      path: () => `/api/v2/products/${product.id}/variants`,
      body: () => ({ sku: 'x', ean: '4006381333931', parameters: {} }),
      pointer: '/body/price',
    },
    missing: { method: 'GET', path: '/api/v2/products/prod_doesnotexist/variants' },
  },
  {
    name: 'prices',
    success: {
      method: 'PUT',
      path: () => `/api/v2/products/${product.id}/price`,
      body: () => ({ price: Number((product.price * 1.1).toFixed(2)) }),
      status: 200,
      check: (b) => {
        expect(b.product_id).toBe(product.id);
        expect(b.price).toBeCloseTo(b.previous_price * 1.1, 1);
      },
    },
    invalid: { method: 'PUT', path: () => `/api/v2/products/${product.id}/price`, body: () => ({ price: -3 }), pointer: '/body/price' },
    missing: { method: 'PUT', path: '/api/v2/products/prod_doesnotexist/price', body: { price: 10 } },
  },
  {
    name: 'availability',
    success: {
      method: 'POST',
      path: () => '/api/v2/availability',
      body: () => ({ items: [{ id: product.id, status: 'active', in_stock: 42 }, { id: 'prod_nope', status: 'active', in_stock: 1 }] }),
      status: 200,
      check: (b) => expect(b.results.map((r: any) => r.result)).toEqual(['applied', 'error']),
    },
    invalid: { method: 'POST', path: () => '/api/v2/availability', body: () => ({ items: [{ id: product.id, status: 'on', in_stock: 1 }] }), pointer: '/body/items/0/status' },
    missing: { method: 'GET', path: '/api/v2/availability' }, // no such route: 405 is checked separately
  },
  {
    name: 'inventory',
    success: {
      method: 'PATCH',
      path: () => `/api/v2/inventory/${product.sku}`,
      body: () => ({ quantity: 17, location: 'loc_berlin' }),
      status: 200,
      check: (b) => expect(b.locations.find((l: any) => l.location_id === 'loc_berlin').quantity).toBe(17),
    },
    invalid: { method: 'PATCH', path: () => `/api/v2/inventory/${product.sku}`, body: () => ({ quantity: 'many', location: 'loc_berlin' }), pointer: '/body/quantity' },
    missing: { method: 'GET', path: '/api/v2/inventory/no-such-sku' },
  },
  {
    name: 'jobs',
    success: {
      method: 'POST',
      path: () => '/api/v2/inventory/sync',
      body: () => ({ items: [{ sku: product.sku, quantity: 5, location: 'loc_hamburg' }] }),
      status: 202,
      check: (b) => expect(b.job_id).toMatch(/^job_/),
    },
    invalid: { method: 'POST', path: () => '/api/v2/inventory/sync', body: () => ({ items: [] }), pointer: '/body/items' },
    missing: { method: 'GET', path: '/api/v2/jobs/job_doesnotexist' },
  },
  {
    name: 'orders',
    success: {
      method: 'GET',
      path: () => '/api/v2/orders?status=open',
      status: 200,
      check: (b) => expect(b.data.every((o: Order) => o.status === 'open')).toBe(true),
    },
    invalid: { method: 'GET', path: () => '/api/v2/orders?status=paid', pointer: '/query/status/0' },
    missing: { method: 'GET', path: '/api/v2/orders/ord_doesnotexist' },
  },
  {
    name: 'order status',
    success: {
      method: 'PATCH',
      path: () => `/api/v2/orders/${order.id}/status`,
      body: () => ({ confirmed: true }),
      status: 200,
      check: (b) => expect(b.confirmed).toBe(true),
    },
    invalid: { method: 'PATCH', path: () => `/api/v2/orders/${order.id}/status`, body: () => ({ status: 'shipped', tracking_number: 'has spaces' }), pointer: '/body/tracking_number' },
    missing: { method: 'PATCH', path: '/api/v2/orders/ord_doesnotexist/status', body: { confirmed: true } },
  },
  {
    name: 'shipments',
    success: { method: 'GET', path: () => `/api/v2/orders/${order.id}/shipments`, status: 200, check: (b) => expect(Array.isArray(b.data)).toBe(true) },
    invalid: {
      method: 'POST',
      path: () => `/api/v2/orders/${order.id}/shipments`,
      body: () => ({ carrier: 'DHL', tracking_number: 'ABC123' }),
      pointer: '/body/tracking_url',
    },
    missing: { method: 'GET', path: '/api/v2/shipments/shp_doesnotexist' },
  },
  {
    name: 'returns',
    success: { method: 'GET', path: () => '/api/v2/returns?status=announced', status: 200, check: (b) => expect(b.data.every((r: any) => r.status === 'announced')).toBe(true) },
    invalid: { method: 'GET', path: () => '/api/v2/returns?status=lost', pointer: '/query/status' },
    missing: { method: 'GET', path: '/api/v2/returns/ret_doesnotexist' },
  },
  {
    name: 'catalog',
    success: {
      method: 'GET',
      path: () => `/api/v2/categories/${product.category_id}`,
      status: 200,
      check: (b) => {
        expect(b.leaf).toBe(true);
        expect(b.parameters.length).toBeGreaterThan(0);
      },
    },
    invalid: { method: 'GET', path: () => '/api/v2/brands?page=0', pointer: '/query/page' },
    missing: { method: 'GET', path: '/api/v2/categories/cat_doesnotexist' },
  },
  {
    name: 'webhooks',
    success: {
      method: 'POST',
      path: () => '/api/v2/webhooks',
      body: () => ({ url: 'http://127.0.0.1:9/hooks', events: ['order.*'] }),
      status: 201,
      check: (b) => expect(b.secret).toMatch(/^whsec_/),
    },
    invalid: { method: 'POST', path: () => '/api/v2/webhooks', body: () => ({ url: 'not a url', events: ['order.*'] }), pointer: '/body/url' },
    missing: { method: 'GET', path: '/api/v2/webhooks/wh_doesnotexist' },
  },
];

describe.each(groups)('$name', (g) => {
  it('succeeds', async () => {
    const r = await sb.call(g.success.method, g.success.path(), { body: g.success.body?.() });
    expect(r.status, JSON.stringify(r.body)).toBe(g.success.status);
    g.success.check?.(r.body);
  });

  it('refuses invalid input with a problem pointing at the field', async () => {
    const r = await sb.call(g.invalid.method, g.invalid.path(), { body: g.invalid.body?.() });
    const problem = expectProblem(r, 400, 'validation_failed');
    expect(problem.errors.map((e: any) => e.pointer)).toContain(g.invalid.pointer);
    expect(problem.detail).toContain(g.invalid.pointer);
  });

  it('refuses a request without a key, and one with an unknown key', async () => {
    const none = await sb.call(g.success.method, g.success.path(), { key: null, body: g.success.body?.() });
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await sb.call(g.success.method, g.success.path(), { key: 'mk_test_not_a_real_key', body: g.success.body?.() });
    expect(expectProblem(wrong, 401, 'unauthorized').detail).not.toContain('mk_test_not_a_real_key');
  });

  it('answers 404 for what does not exist', async () => {
    const r = await sb.call(g.missing.method, g.missing.path, { body: g.missing.body });
    if (g.name === 'availability') {
      // The batch endpoint has no GET: the sandbox says which methods exist.
      expect(expectProblem(r, 405, 'method_not_allowed').allowed_methods).toEqual(['POST']);
      expect(r.headers.get('allow')).toBe('POST');
    } else {
      expectProblem(r, 404, 'not_found');
    }
  });
});

describe('the pipeline itself', () => {
  it('refuses malformed JSON with a pointer to the body', async () => {
    const r = await sb.call('POST', '/api/v2/availability', { raw: '{"items": [' });
    expect(expectProblem(r, 400, 'malformed_json').errors[0].pointer).toBe('/body');
  });

  it('refuses a body in a media type the operation does not take', async () => {
    const r = await sb.call('POST', '/api/v2/availability', { raw: 'items=1', headers: { 'content-type': 'text/plain' } });
    expect(expectProblem(r, 415, 'unsupported_media_type').accepted).toEqual(['application/json']);
  });

  it('refuses unknown body fields by name', async () => {
    const r = await sb.call('PATCH', `/api/v2/inventory/${product.sku}`, { body: { quantity: 1, location: 'loc_berlin', colour: 'red' } });
    expect(expectProblem(r, 400).errors).toContainEqual({ pointer: '/body/colour', message: 'is not a known field' });
  });

  it('answers unknown routes with a problem, not a blank 404', async () => {
    const r = await sb.call('GET', '/api/v1/products');
    expect(expectProblem(r, 404, 'route_not_found').detail).toContain('/api/v2');
  });

  it('routes by the spec: a fixed path beats a path parameter, params arrive decoded once, a trailing slash is no route', async () => {
    const unconfirmed = await sb.call('GET', '/api/v2/orders/unconfirmed');
    expect(unconfirmed.status).toBe(200);
    expect(Array.isArray(unconfirmed.body.data)).toBe(true);
    // Params are decoded exactly once: %2D is "-", %252D a literal "%2D" (which no SKU may hold),
    // and %2F stays inside its one segment.
    expect(expectProblem(await sb.call('GET', '/api/v2/inventory/lamp%2Dnone'), 404, 'not_found').detail).toContain('lamp-none');
    expect(expectProblem(await sb.call('GET', '/api/v2/inventory/lamp%252Dnone'), 400, 'validation_failed').errors[0].pointer).toBe('/path/sku');
    expect(expectProblem(await sb.call('GET', '/api/v2/inventory/a%2Fb'), 400, 'validation_failed').errors[0].pointer).toBe('/path/sku');
    // Long ids reach the handler, they are not refused by the router.
    const long = `prod_${'x'.repeat(500)}`;
    expect(expectProblem(await sb.call('GET', `/api/v2/products/${long}`), 404, 'not_found').resource_id).toBe(long);
    expectProblem(await sb.call('GET', '/api/v2/products/'), 404, 'route_not_found');
    expectProblem(await sb.call('GET', `/api/v2/products/${product.id}/`), 404, 'route_not_found');
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.id).toBe(product.id);
    // Every route of both contracts fits find-my-way: no silent fall-back to hono's slower TrieRouter.
    expect(sb.app.router.name).toBe('SmartRouter + OperationRouter (find-my-way)');
  });

  it('coerces query types and fills in defaults', async () => {
    const r = await sb.call('GET', '/api/v2/products?in_stock=false&price_min=0');
    expect(r.status).toBe(200);
    expect(r.body.pagination).toMatchObject({ page: 1, limit: 20 });
    expect(r.body.data.every((p: Product) => p.availability.in_stock === 0)).toBe(true);
  });
});
