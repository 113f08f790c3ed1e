// A --spec document's resources start with items made from their schemas (the same under the same
// --seed), lists answer in the document's own page shapes (page & per_page, offset & limit, a
// cursor), and a missing item answers the document's documented 404. Every server here runs
// --strict, so an answer that broke the document would be a 500.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';

const shop = fileURLToPath(new URL('../specs/paged-shop.openapi.yaml', import.meta.url));
const petstore = fileURLToPath(new URL('../fixtures/specs/oai/v3.0-petstore-expanded.yaml', import.meta.url));
const started: ServeProcess[] = [];
afterAll(async () => {
  for (const sb of started) await stopProcess(sb.child);
  killStarted();
});

async function serve(args: string[]) {
  const sb = await serveProcess(['--memory', '--strict', ...args]);
  started.push(sb);
  return async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${sb.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text ? JSON.parse(text) : undefined };
  };
}

type Customer = { id: string; name: string; email: string; city?: string; vip?: boolean; created_at: string };

describe('seed items made from the schema', () => {
  it('gives each resource 10 realistic items, the same under the same --seed and others under another', async () => {
    const [a, b, c] = await Promise.all([serve(['--seed', '3', '--spec', shop]), serve(['--seed', '3', '--spec', shop]), serve(['--seed', '4', '--spec', shop])]);
    const page = await a('GET', '/customers?per_page=50');
    expect(page.status).toBe(200);
    expect(page.body.meta).toEqual({ total: 10, page: 1, per_page: 50 });
    const customers = page.body.customers as Customer[];
    expect(customers).toHaveLength(10);
    expect(page.text).not.toMatch(/"string"|-9007199254740991/);
    for (const customer of customers) {
      expect(customer.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(customer.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
      expect(customer.name).toMatch(/^\p{Lu}\p{L}+.* \p{Lu}/u); // a person's name
      expect(Number.isNaN(Date.parse(customer.created_at))).toBe(false);
    }
    expect(new Set(customers.map((x) => x.id)).size).toBe(10);
    expect((await b('GET', '/customers?per_page=50')).body.customers).toEqual(customers);
    expect((await c('GET', '/customers?per_page=50')).body.customers).not.toEqual(customers);

    const orders = (await a('GET', '/orders?limit=10')).body.data as { orderNumber: string; currency: string; status: string; total_price: number }[];
    expect(orders).toHaveLength(10);
    for (const order of orders) {
      expect(order.orderNumber).toMatch(/^ORD-[0-9]{6}$/);
      expect(['open', 'paid', 'shipped']).toContain(order.status);
      expect(order.total_price).toBeGreaterThanOrEqual(0);
    }
  });

  it('takes --seed-items, with the document\'s examples first, and refuses it without --spec', async () => {
    const none = await serve(['--seed-items', '0', '--spec', shop]);
    expect((await none('GET', '/customers')).body).toEqual({ customers: [], meta: { total: 0, page: 1, per_page: 4 }, links: { next: null } });
    const three = await serve(['--seed-items', '3', '--spec', petstore]);
    const pets = (await three('GET', '/v2/pets')).body as { id: number; name: string }[];
    expect(pets.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(pets.every((p) => typeof p.name === 'string' && p.name !== 'string')).toBe(true);
    expect((await three('GET', '/v2/pets?limit=2')).body).toEqual(pets.slice(0, 2));

    const refused = await serveProcess(['--memory', '--seed-items', '3']).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(refused).toContain('--seed-items sets how many items the resources of a --spec document start with');
  });
});

describe('lists in the document\'s page shape', () => {
  it('pages by page and per_page, by offset and limit, and by cursor, each item once', async () => {
    const call = await serve(['--seed', '5', '--spec', shop]);
    const seen: string[] = [];
    let next: string | null = '/customers?per_page=4';
    let pages = 0;
    while (next) {
      const page = await call('GET', next);
      expect(page.status).toBe(200);
      expect(page.body.meta).toMatchObject({ total: 10, per_page: 4, page: pages + 1 });
      seen.push(...(page.body.customers as Customer[]).map((x) => x.id));
      next = page.body.links.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(10);

    const last = await call('GET', '/orders?offset=9');
    expect(last.body).toMatchObject({ offset: 9, limit: 3, total: 10 });
    expect(last.body.data).toHaveLength(1);

    const events: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = await call('GET', `/events?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      events.push(...(page.body.results as { id: number }[]).map((e) => e.id));
      if (!page.body.has_more) break;
      cursor = page.body.next_cursor;
    }
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const bogus = await call('GET', '/events?cursor=nonsense');
    expect(bogus.status).toBe(400);
    expect(bogus.body.errors[0].pointer).toBe('/query/cursor');
  });

  it('filters by equality on a query parameter that names a property', async () => {
    const call = await serve(['--seed-items', '0', '--spec', shop]);
    for (const city of ['Kiel', 'Bonn', 'Kiel']) expect((await call('POST', '/customers', { name: 'Ada Lovelace', email: 'ada@example.com', city })).status).toBe(201);
    const kiel = await call('GET', '/customers?city=Kiel');
    expect(kiel.body.meta.total).toBe(2);
    expect((kiel.body.customers as Customer[]).every((x) => x.city === 'Kiel')).toBe(true);
  });
});

describe('answers that fit the document', () => {
  it('fills what a created item lacks, merges a merge patch, and answers the documented 404 body', async () => {
    const call = await serve(['--seed-items', '0', '--spec', shop]);
    const created = await call('POST', '/customers', { name: 'Ada Lovelace', email: 'ada@example.com', vip: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', vip: true });
    expect(Number.isNaN(Date.parse(created.body.created_at))).toBe(false); // required by Customer, made up

    const patched = await call('PATCH', `/customers/${created.body.id}`, { vip: null, city: 'Kiel' }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created.body, city: 'Kiel', vip: undefined });
    expect('vip' in patched.body).toBe(false);

    const order = await call('POST', '/orders', { total_price: 19.99, currency: 'EUR' });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ total_price: 19.99, currency: 'EUR' });
    expect(order.body.orderNumber).toMatch(/^ORD-[0-9]{6}$/);
    expect((await call('GET', `/orders/${order.body.orderNumber}`)).body).toEqual(order.body);

    expect((await call('DELETE', `/customers/${created.body.id}`)).status).toBe(204);
    const gone = await call('GET', `/customers/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.type).toContain('application/json');
    expect(gone.body.error).toBe('not_found');
    expect(gone.body.message).toContain(`There is no customers item id "${created.body.id}" here`);
  });
});

describe('the banner of a stateful document', () => {
  it('names the resources it keeps, and prints no test keys where the document asks for none', async () => {
    const sb = await serveProcess(['--memory', '--spec', shop]);
    started.push(sb);
    expect(sb.output()).toContain('resources     customers (/customers), orders (/orders), events (/events), kept in the store (--explain: ids and operations)');
    expect(sb.output()).toContain('credentials   none: the document asks for none');
    expect(sb.output()).not.toContain('test keys');
    expect(sb.output()).not.toContain('OAuth clients');
  });
});

describe('the control API on a stateful document', () => {
  it('snapshots and restores its items, and injects faults on its operations', async () => {
    const sb = await serveProcess(['--memory', '--strict', '--seed-items', '0', '--spec', shop]);
    started.push(sb);
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${sb.url}/__sandbox${path}`, {
        method,
        headers: { authorization: 'Bearer sandbox-admin-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const post = (body: unknown) => fetch(`${sb.url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const names = async () => ((await (await fetch(`${sb.url}/customers?per_page=50`)).json()).customers as Customer[]).map((c) => c.name);

    expect((await post({ name: 'Ada Lovelace', email: 'ada@example.com' })).status).toBe(201);
    expect((await admin('POST', '/snapshots', { name: 'one-customer' })).status).toBe(201);
    expect((await post({ name: 'Grace Hopper', email: 'grace@example.com' })).status).toBe(201);
    expect(await names()).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect((await admin('POST', '/snapshots/one-customer/restore')).status).toBe(200);
    expect(await names()).toEqual(['Ada Lovelace']);

    const faults = await admin('PUT', '/faults', { rules: [{ operation_ids: ['getCustomer'], error: { rate: 1, status: 503 } }] });
    expect(faults.status).toBe(200);
    const struck = await fetch(`${sb.url}/customers/00000000-0000-4000-8000-000000000000`);
    expect(struck.status).toBe(503);
    // The document says nothing of a 503: the sandbox's own problem, even under --strict.
    expect(struck.headers.get('content-type')).toContain('application/problem+json');
    expect((await struck.json()).code).toBe('service_unavailable');
    expect((await admin('DELETE', '/faults')).status).toBe(204);
    expect((await fetch(`${sb.url}/customers/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect(sb.output()).not.toContain('response contract violation');
  });
});
