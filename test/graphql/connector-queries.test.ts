// The reference connector's GraphQL queries (examples/partner-connector/src/graphql-queries.ts)
// against a served sandbox: each answers without errors, and the price change takes its token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_PAGE, ORDERS_TO_CONFIRM, SET_PRICE, graphql } from '../../examples/partner-connector/src/graphql-queries.ts';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { KEY_A } from '../support/sandbox.ts';

let served: Served;
beforeAll(async () => {
  served = await serveSandbox({ rateLimits: false });
});
afterAll(async () => {
  await served?.close();
});

describe("the reference connector's GraphQL queries", () => {
  it('pages the catalogue with brand, category and stock', async () => {
    type Page = { products: { total_count: number; nodes: { brand: { name: string } }[]; page_info: { end_cursor: string } } };
    const first = await graphql<Page>(served.url, KEY_A, CATALOGUE_PAGE);
    expect(first.errors).toBeUndefined();
    expect(first.data!.products.nodes).toHaveLength(50);
    const second = await graphql<Page>(served.url, KEY_A, CATALOGUE_PAGE, { after: first.data!.products.page_info.end_cursor });
    expect(second.errors).toBeUndefined();
    expect(second.data!.products.nodes[0]).not.toEqual(first.data!.products.nodes[0]);
  });

  it('reads the orders to confirm with their lines', async () => {
    const answer = await graphql<{ unconfirmed_orders: { nodes: { items: unknown[] }[] } }>(served.url, KEY_A, ORDERS_TO_CONFIRM);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.unconfirmed_orders.nodes.length).toBeGreaterThan(0);
  });

  it('confirms a large price change with the token it answers', async () => {
    const page = await graphql<{ products: { nodes: { id: string; price: number }[] } }>(served.url, KEY_A, '{ products(first: 1) { nodes { id price } } }');
    const { id, price } = page.data!.products.nodes[0]!;
    const asked = await graphql<{ update_price: { __typename: string; force_token: string } }>(served.url, KEY_A, SET_PRICE, { product: id, price: price * 2 });
    expect(asked.data!.update_price.__typename).toBe('PriceConfirmationRequired');
    const done = await graphql<{ update_price: { __typename: string; price: number } }>(served.url, KEY_A, SET_PRICE, { product: id, price: price * 2, token: asked.data!.update_price.force_token });
    expect(done.data!.update_price).toEqual({ __typename: 'PriceResult', price: price * 2, previous_price: price });
  });
});
