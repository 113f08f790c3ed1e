// The Postman collection's "Happy path" folder: the calls a partner's integration makes first, in
// order, each with a test that says what it expects, against the default data. Its ids are read
// from the default world (src/fixtures/generate.ts), not from the spec's examples, so the folder
// runs green against a sandbox on the default data as it is, or after POST /__sandbox/reset.
// The price change goes through the force-token flow: a change of more than 30 % is refused with
// a token, and the same change with that token is applied.
import type { Order, Product, TenantState } from '../domain/types.ts';

export const HAPPY_PATH_FOLDER = 'Happy path';

/** What the folder works on, picked from a world. */
export interface HappyPathData {
  product: Pick<Product, 'id' | 'sku' | 'price' | 'currency' | 'title'>;
  order: Pick<Order, 'id' | 'order_number'>;
}

/** The part of a tenant's world the folder picks from. */
export type HappyPathWorld = Pick<TenantState, 'products' | 'orders'>;

/** A live product of its own (no variants) and an open order nobody has confirmed yet. */
export function happyPathData(world: HappyPathWorld): HappyPathData {
  const product = Object.values(world.products).find((p) => p.status === 'live' && p.variants.length === 0 && !p.deleted_at);
  const order = Object.values(world.orders).find((o) => o.status === 'open' && !o.confirmed);
  if (!product || !order) throw new Error('The world has no live product without variants or no unconfirmed open order: the happy path needs both.');
  return {
    product: { id: product.id, sku: product.sku, price: product.price, currency: product.currency, title: product.title },
    order: { id: order.id, order_number: order.order_number },
  };
}

export interface PostmanItem {
  name: string;
  request: {
    method: string;
    url: string;
    header: { key: string; value: string }[];
    body?: { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } };
    description?: string;
  };
  event: { listen: 'test'; script: { type: 'text/javascript'; exec: string[] } }[];
}

export interface PostmanVariable {
  key: string;
  value: string;
  type?: 'string';
  description?: string;
}

function request(name: string, method: string, path: string, description: string, test: string[], body?: unknown): PostmanItem {
  return {
    name,
    request: {
      method,
      url: `{{baseUrl}}${path}`,
      header: [{ key: 'Accept', value: 'application/json' }, ...(body === undefined ? [] : [{ key: 'Content-Type', value: 'application/json' }])],
      ...(body === undefined ? {} : { body: { mode: 'raw' as const, raw: typeof body === 'string' ? body : JSON.stringify(body, null, 2), options: { raw: { language: 'json' as const } } } }),
      description,
    },
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: test } }],
  };
}

const expectStatus = (status: number, what: string) => [
  `pm.test(${JSON.stringify(`${status}: ${what}`)}, function () {`,
  `  pm.response.to.have.status(${status});`,
  '});',
];

/** The folder's requests, and the collection variables they read (ids from `data`). */
export function happyPathFolder(data: HappyPathData): { folder: { name: string; description: string; item: PostmanItem[] }; variables: PostmanVariable[] } {
  const { product, order } = data;
  const variables: PostmanVariable[] = [
    { key: 'productId', value: product.id, type: 'string', description: `${product.title}: a live product of the default data, without variants.` },
    { key: 'sku', value: product.sku, type: 'string', description: 'Its SKU.' },
    { key: 'currency', value: product.currency, type: 'string', description: 'Its currency.' },
    { key: 'orderId', value: order.id, type: 'string', description: `Order ${order.order_number}: open and unconfirmed in the default data.` },
    { key: 'newPrice', value: '', type: 'string', description: 'Set by "Get the product": its price × 1.5, a change the marketplace wants confirmed.' },
    { key: 'forceToken', value: '', type: 'string', description: 'Set by "Change the price by 50 %": the token that confirms the change.' },
  ];
  const item = [
    request('List products', 'GET', '/api/v2/products?limit=5', 'The first page of the catalogue.', [
      ...expectStatus(200, 'a page of products'),
      'pm.test("the page has products and pagination", function () {',
      '  const page = pm.response.json();',
      '  pm.expect(page.data).to.be.an("array").that.is.not.empty;',
      '  pm.expect(page.pagination).to.have.property("total");',
      '});',
    ]),
    request('Get the product', 'GET', '/api/v2/products/{{productId}}', 'One product by id; its price is the base of the price change below.', [
      ...expectStatus(200, 'the product'),
      'const product = pm.response.json();',
      'pm.test("it is the product asked for", function () {',
      '  pm.expect(product.id).to.equal(pm.collectionVariables.get("productId"));',
      '});',
      'pm.collectionVariables.set("newPrice", String(Math.round(product.price * 150) / 100));',
    ]),
    request(
      'Change the price by 50 %',
      'PUT',
      '/api/v2/products/{{productId}}/price',
      'A change of more than 30 % is not applied: the answer is 409 price_change_requires_confirmation with a force_token.',
      [
        ...expectStatus(409, 'the change needs confirming'),
        'const problem = pm.response.json();',
        'pm.test("the answer carries a force token", function () {',
        '  pm.expect(problem.code).to.equal("price_change_requires_confirmation");',
        '  pm.expect(problem.force_token).to.be.a("string").that.is.not.empty;',
        '});',
        'pm.collectionVariables.set("forceToken", problem.force_token);',
      ],
      '{\n  "price": {{newPrice}},\n  "currency": "{{currency}}"\n}',
    ),
    request(
      'Confirm the price change with the force token',
      'PUT',
      '/api/v2/products/{{productId}}/price',
      'The same change with the token from the 409 is applied.',
      [
        ...expectStatus(200, 'the new price is applied'),
        'pm.test("the product has the new price", function () {',
        '  pm.expect(pm.response.json().price).to.equal(Number(pm.collectionVariables.get("newPrice")));',
        '});',
      ],
      '{\n  "price": {{newPrice}},\n  "currency": "{{currency}}",\n  "force_token": "{{forceToken}}"\n}',
    ),
    request('Price history of the product', 'GET', '/api/v2/products/{{productId}}/price-history?limit=5', 'Newest first: the change just made leads.', [
      ...expectStatus(200, 'the price history'),
      'pm.test("the newest entry is the new price", function () {',
      '  pm.expect(pm.response.json().data[0].price).to.equal(Number(pm.collectionVariables.get("newPrice")));',
      '});',
    ]),
    request('Stock of its SKU', 'GET', '/api/v2/inventory/{{sku}}', 'Quantity, reserved and available units per location.', [
      ...expectStatus(200, 'the stock'),
      'pm.test("it is the SKU asked for", function () {',
      '  pm.expect(pm.response.json().sku).to.equal(pm.collectionVariables.get("sku"));',
      '});',
    ]),
    request(
      'Put the product on the storefront',
      'POST',
      '/api/v2/availability',
      'Availability goes in batches (up to 1000 items a call); each item has its own result.',
      [
        ...expectStatus(200, 'the batch is processed'),
        'pm.test("the item is applied", function () {',
        '  const result = pm.response.json().results[0];',
        '  pm.expect(result.id).to.equal(pm.collectionVariables.get("productId"));',
        '  pm.expect(result.result).to.be.oneOf(["applied", "unchanged"]);',
        '});',
      ],
      '{\n  "items": [{ "id": "{{productId}}", "status": "active", "in_stock": 7 }]\n}',
    ),
    request('List open orders', 'GET', '/api/v2/orders?status=open&limit=5', 'Orders filtered by status.', [
      ...expectStatus(200, 'a page of orders'),
      'pm.test("every order listed is open", function () {',
      '  pm.response.json().data.forEach(function (o) { pm.expect(o.status).to.equal("open"); });',
      '});',
    ]),
    request('List unconfirmed orders', 'GET', '/api/v2/orders/unconfirmed?limit=5', 'What the partner still has to accept or cancel.', [
      ...expectStatus(200, 'the unconfirmed orders'),
      'pm.test("none of them is confirmed", function () {',
      '  pm.response.json().data.forEach(function (o) { pm.expect(o.confirmed).to.equal(false); });',
      '});',
    ]),
    request('Get the order', 'GET', '/api/v2/orders/{{orderId}}', 'One order with its items, address and status history.', [
      ...expectStatus(200, 'the order'),
      'pm.test("it is open and unconfirmed", function () {',
      '  const order = pm.response.json();',
      '  pm.expect(order.status).to.equal("open");',
      '  pm.expect(order.confirmed).to.equal(false);',
      '});',
    ]),
    request(
      'Accept the order',
      'PATCH',
      '/api/v2/orders/{{orderId}}/status',
      'Confirming an open order and moving it to shipping, in one call.',
      [
        ...expectStatus(200, 'the order is accepted'),
        'pm.test("it is shipping and confirmed", function () {',
        '  const order = pm.response.json();',
        '  pm.expect(order.status).to.equal("shipping");',
        '  pm.expect(order.confirmed).to.equal(true);',
        '});',
      ],
      { status: 'shipping', confirmed: true },
    ),
  ];
  return {
    folder: {
      name: HAPPY_PATH_FOLDER,
      description:
        'Run this folder in order against the default data (a fresh sandbox, or after POST /__sandbox/reset): list and read products, change a price through the force-token flow, check stock, set availability, read orders and accept one. Every request has tests.',
      item,
    },
    variables,
  };
}
