// /graphql through the whole pipeline (strict mode): queries and mutations run the REST
// operations they name, with the same rules, events, scopes, rate limits, journal and tenants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb?.close();
});

const gql = (query: string, variables?: Record<string, unknown>, key?: string) => sb.call('POST', '/graphql', { body: { query, variables }, key });

describe('queries', () => {
  it('a page of products with brand and stock equals what REST answers, in three passes over the store', async () => {
    const res = await gql('query Page { products(first: 100) { total_count nodes { id sku brand { id name } inventory { sku available } } page_info { has_next_page end_cursor } } }');
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const rest = await sb.call('GET', '/api/v2/products?limit=100');
    const page = res.body.data.products;
    expect(page.total_count).toBe(rest.body.pagination.total);
    expect(page.nodes.map((p: { id: string }) => p.id)).toEqual(rest.body.data.map((p: { id: string }) => p.id));
    const first = rest.body.data[0];
    const brand = await sb.call('GET', `/api/v2/brands/${first.brand_id}`);
    expect(page.nodes[0].brand).toEqual({ id: brand.body.id, name: brand.body.name });
    const stock = await sb.call('GET', `/api/v2/inventory/${first.sku}`);
    expect(page.nodes[0].inventory).toContainEqual({ sku: first.sku, available: stock.body.available });
    expect(res.body.extensions?.store_passes).toBe(3);
  });

  it('pages with first/after without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await gql('query($after: String) { products(first: 7, after: $after) { nodes { id } page_info { end_cursor has_next_page } } }', { after });
      seen.push(...res.body.data.products.nodes.map((p: { id: string }) => p.id));
      after = res.body.data.products.page_info.end_cursor;
    }
    const rest = await sb.call('GET', '/api/v2/products?limit=21');
    expect(seen).toEqual(rest.body.data.map((p: { id: string }) => p.id));
    const bad = await gql('{ products(after: "nope") { nodes { id } } }');
    expect(bad.body.errors[0].extensions).toMatchObject({ code: 'validation_failed', errors: [{ argument: 'after' }] });
  });

  it('filters mirror REST: status of orders, with items, shipments and payment', async () => {
    const res = await gql('{ orders(first: 5, status: [open]) { nodes { id status items { sku product { id } } shipments { id } payment { order_id } } } }');
    expect(res.body.errors).toBeUndefined();
    const rest = await sb.call('GET', '/api/v2/orders?status=open&limit=5');
    expect(res.body.data.orders.nodes.map((o: { id: string }) => o.id)).toEqual(rest.body.data.map((o: { id: string }) => o.id));
    for (const order of res.body.data.orders.nodes) {
      expect(order.status).toBe('open');
      expect(order.payment.order_id).toBe(order.id);
    }
  });

  it('an unknown id is null; GET runs queries but not mutations', async () => {
    const res = await sb.call('GET', `/graphql?query=${encodeURIComponent('{ product(id: "prod_nothere") { id } }')}`);
    expect(res.body.data).toEqual({ product: null });
    expect(res.body.errors).toBeUndefined();
    const mutation = await sb.call('GET', `/graphql?query=${encodeURIComponent('mutation { cancel_order(id: "ord_x", input: {reason: "x"}) { id } }')}`);
    expect(mutation.body.errors[0].extensions.code).toBe('method_not_allowed');
  });

  it('another tenant sees nothing of this one', async () => {
    const sku = 'hph-100001';
    const created = await gql('mutation($input: ProductCreateInput!) { create_product(input: $input) { id sku } }', {
      input: {
        sku, title: 'Streck Studio Headphones, black', short_description: 'Closed over-ear headphones.', brand_id: 'brand_3pjgu174', category_id: 'cat_07twnttu', ean: '4260123450014', price: 149.99, currency: 'EUR',
        parameters: { colour: 'black', connectivity: 'bluetooth', battery_life_hours: '40', form_factor: 'over_ear', noise_cancelling: 'yes' },
      },
    });
    expect(created.body.errors, JSON.stringify(created.body.errors)).toBeUndefined();
    const id = created.body.data.create_product.id;
    expect((await gql(`{ product(id: "${id}") { sku } }`)).body.data.product).toEqual({ sku });
    const theirs = await gql(`{ product(id: "${id}") { id } }`, undefined, KEY_B);
    expect(theirs.body.data.product).toBeNull();
  });
});

describe('mutations', () => {
  it('a price change above the threshold answers its force token as a type, and the token applies it', async () => {
    const product = (await gql('{ products(first: 1) { nodes { id price } } }')).body.data.products.nodes[0];
    const price = Math.round(product.price * 300) / 100;
    const ask = await gql(`mutation { update_price(product_id: "${product.id}", input: {price: ${price}}) { __typename ... on PriceConfirmationRequired { code force_token } } }`);
    const refused = ask.body.data.update_price;
    expect(refused).toMatchObject({ __typename: 'PriceConfirmationRequired', code: 'price_change_requires_confirmation' });
    const events: string[] = [];
    const stop = sb.events.subscribe((e) => events.push(e.event));
    const done = await gql(`mutation { update_price(product_id: "${product.id}", input: {price: ${price}, force_token: "${refused.force_token}"}) { __typename ... on PriceResult { price previous_price } } }`);
    stop();
    expect(done.body.data.update_price).toEqual({ __typename: 'PriceResult', price, previous_price: product.price });
    expect(events).toContain('price.updated');
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.price).toBe(price);
  });

  it('a validation error points at the argument path', async () => {
    const product = (await gql('{ products(first: 1) { nodes { id } } }')).body.data.products.nodes[0];
    const res = await gql(`mutation { update_product(id: "${product.id}", input: {title: ""}) { id } }`);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/body/title', argument: 'input.title' }] });
  });

  it('an order moves through update_order_status with the REST rules (an illegal move is the REST code)', async () => {
    const order = (await gql('{ orders(first: 1, status: [open]) { nodes { id } } }')).body.data.orders.nodes[0];
    const illegal = await gql(`mutation { update_order_status(id: "${order.id}", input: {status: delivered}) { id } }`);
    const rest = await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { status: 'delivered' } });
    expect(illegal.body.errors[0].extensions.code).toBe(rest.body.code);
  });
});

describe('the same gates', () => {
  it('a credential without a scope gets a field error with the REST code, the other fields still answer', async () => {
    const key = (await sb.control('POST', '/__sandbox/tenants/ten_nordwind/api-keys', { scopes: ['orders'] })).body.api_key;
    const res = await gql('{ orders(first: 1) { total_count } products(first: 1) { total_count } }', undefined, key);
    expect(res.status).toBe(200);
    expect(res.body.data.orders.total_count).toBeGreaterThan(0);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: ['products'], extensions: { code: 'insufficient_scope', required_scopes: ['products'] } });
  });

  describe('fault rules', () => {
    const faults = (rules: unknown[]) => sb.control('PUT', '/__sandbox/faults?tenant_id=ten_nordwind', { rules });
    afterAll(async () => {
      await sb.control('DELETE', '/__sandbox/faults?tenant_id=ten_nordwind');
    });

    it('a rule for a REST operation fails the fields that run it, with its code; the rest of the answer stands and the journal names the rule', async () => {
      expect((await faults([{ id: 'brands-down', operation_ids: ['getBrand'], error: { rate: 1, status: 503, retry_after_seconds: 7 } }])).status).toBe(200);
      const res = await gql('query BrandOutage { products(first: 2) { nodes { id brand { name } } } labels { id } }');
      expect(res.status).toBe(200);
      expect(res.body.data.products.nodes).toHaveLength(2);
      expect(res.body.data.products.nodes.map((p: { brand: unknown }) => p.brand)).toEqual([null, null]);
      expect(res.body.data.labels.length).toBeGreaterThan(0);
      expect(res.body.errors).toHaveLength(2);
      expect(res.body.errors[0]).toMatchObject({ path: ['products', 'nodes', 0, 'brand'], extensions: { code: 'service_unavailable', status: 503, retry_after: 7, injected_fault: { rule_id: 'brands-down', kind: 'error' } } });
      const journal = await sb.control('GET', '/__sandbox/requests?tenant_id=ten_nordwind&operation_id=queryGraphql&limit=1');
      expect(journal.body.data[0].graphql_operation).toBe('BrandOutage');
      expect(journal.body.data[0].faults.map((f: { rule_id: string }) => f.rule_id)).toEqual(['brands-down', 'brands-down']);
    });

    it('a rule by REST path hits the field with that path only', async () => {
      const [first, second] = (await gql('{ products(first: 2) { nodes { id } } }')).body.data.products.nodes;
      await faults([{ id: 'one-product', paths: [`/api/v2/products/${first.id}`], every_nth: { n: 1, status: 500 } }]);
      const res = await gql(`{ a: product(id: "${first.id}") { id } b: product(id: "${second.id}") { id } products(first: 1) { total_count } }`);
      expect(res.body.data).toMatchObject({ a: null, b: { id: second.id } });
      expect(res.body.data.products.total_count).toBeGreaterThan(0);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0]).toMatchObject({ path: ['a'], extensions: { code: 'internal_error', status: 500, injected_fault: { rule_id: 'one-product', kind: 'every_nth' } } });
    });

    it('a rule that matches the /graphql request fails the request once, as REST would, and no field again', async () => {
      await faults([{ id: 'all-down', error: { rate: 1, status: 502 } }]);
      const res = await gql('{ labels { id } }');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'bad_gateway', injected_fault: { rule_id: 'all-down' } });
      await faults([{ id: 'slow-graphql', operation_ids: ['queryGraphql'], latency: { fixed_ms: 150 } }]);
      const started = performance.now();
      const slow = await gql('{ a: labels { id } b: labels { id } }');
      expect(slow.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      const journal = await sb.control('GET', '/__sandbox/requests?tenant_id=ten_nordwind&operation_id=queryGraphql&limit=1');
      // Once, for the request: the fields did not apply it again.
      expect(journal.body.data[0].faults.map((f: { rule_id: string }) => f.rule_id)).toEqual(['slow-graphql']);
    });
  });

  it('journals one entry per request with the operation name', async () => {
    await gql('query NamedForTheJournal { labels { id } }');
    const journal = await sb.control('GET', '/__sandbox/requests?tenant_id=ten_nordwind&operation_id=queryGraphql&limit=1');
    expect(journal.body.data[0]).toMatchObject({ operation_id: 'queryGraphql', graphql_operation: 'NamedForTheJournal' });
  });

  it('a depth or cost beyond the limit is refused before anything runs', async () => {
    const deep = await gql('{ products(first: 1) { nodes { variants { inventory { product { variants { inventory { product { variants { inventory { product { id } } } } } } } } } } } }');
    expect(deep.body.errors[0].extensions.code).toBe('query_too_deep');
    const costly = await gql('{ products(first: 100) { nodes { price_history(first: 100) { nodes { price } } } } }');
    expect(costly.body.errors[0].extensions).toMatchObject({ code: 'query_too_complex', max_cost: 5000 });
  });

  it('the cost follows the variables: the same cached document is refused with a large first and runs with a small one', async () => {
    const query = 'query Histories($n: Int!) { products(first: $n) { nodes { price_history(first: $n) { nodes { price } } } } }';
    const costly = await gql(query, { n: 100 });
    expect(costly.body.errors[0].extensions).toMatchObject({ code: 'query_too_complex', cost: expect.any(Number), max_cost: 5000 });
    expect(costly.body.data).toBeUndefined();
    const cheap = await gql(query, { n: 2 });
    expect(cheap.body.errors).toBeUndefined();
    expect(cheap.body.data.products.nodes).toHaveLength(2);
    const wrongType = await gql(query, { n: 'many' });
    expect(wrongType.body.errors[0].message).toMatch(/\$n/);
  });

  it('syntax errors and unknown fields are coded; a bad variables parameter is a 400 problem', async () => {
    expect((await gql('{ ')).body.errors[0].extensions.code).toBe('graphql_syntax_error');
    expect((await gql('{ nothing }')).body.errors[0].extensions.code).toBe('graphql_validation_failed');
    const bad = await sb.call('GET', `/graphql?query=${encodeURIComponent('{ labels { id } }')}&variables=notjson`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/query/variables');
  });
});

describe('rate limits', () => {
  let limited: TestSandbox;
  beforeAll(async () => {
    limited = await startSandbox({ rateLimits: true });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('each root field counts against the group of the REST operation it runs', async () => {
    const before = (await limited.control('GET', '/__sandbox/tenants/ten_nordwind/rate-limits')).body.usage;
    const res = await limited.call('POST', '/graphql', { body: { query: '{ a: products(first: 1) { total_count } b: products(first: 1) { total_count } labels { id } }' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).not.toBeNull();
    const after = (await limited.control('GET', '/__sandbox/tenants/ten_nordwind/rate-limits')).body.usage;
    expect(after.daily_used - before.daily_used).toBe(3); // three root fields; the request itself is not counted again
  });
});

describe('subscriptions', () => {
  it('a subscription over SSE receives the event a REST write causes, and stops when the client leaves', async () => {
    const product = (await gql('{ products(first: 1) { nodes { id price } } }')).body.data.products.nodes[0];
    const res = await sb.app.request('/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { events(types: ["price.*"]) { event data cursor } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const price = Math.round(product.price * 105) / 100;
    const write = await sb.call('PUT', `/api/v2/products/${product.id}/price`, { body: { price } });
    expect(write.status).toBe(200);
    let text = '';
    const deadline = Date.now() + 2000;
    while (!text.includes('event: next') && Date.now() < deadline) text += decoder.decode((await reader.read()).value, { stream: true });
    const data = JSON.parse(/event: next\ndata: (.*)\n/.exec(text)![1]!);
    expect(data.data.events).toMatchObject({ event: 'price.updated', data: { product_id: product.id, price } });
    expect(data.data.events.cursor).toMatch(/^evc1\./);
    await reader.cancel();
  });

  it('a missing scope or an unknown type is an error before the stream starts', async () => {
    const key = (await sb.control('POST', '/__sandbox/tenants/ten_nordwind/api-keys', { scopes: ['orders'] })).body.api_key;
    const noScope = await gql('subscription { events { event } }', undefined, key);
    expect(noScope.body.errors[0].extensions.code).toBe('insufficient_scope');
    const typo = await gql('subscription { events(types: ["ordr.*"]) { event } }');
    expect(typo.body.errors[0].extensions).toMatchObject({ code: 'validation_failed', errors: [{ argument: 'types.0' }] });
  });
});
