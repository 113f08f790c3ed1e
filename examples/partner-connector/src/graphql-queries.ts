// The connector's reads and one write through the marketplace's GraphQL endpoint, for partners who
// prefer one request for related data: a product page with brand and stock (three reads of the
// store instead of 41 REST calls), the orders to confirm with their items, and a price change
// that answers its force token as a type. test/graphql/connector-queries.test.ts runs each.

/** A page of the catalogue with what an ERP shows beside each product. */
export const CATALOGUE_PAGE = `query CataloguePage($after: String) {
  products(first: 50, after: $after) {
    total_count
    nodes { id sku title price currency status brand { name } category { name } inventory { sku available reserved } }
    page_info { has_next_page end_cursor }
  }
}`;

/** The orders waiting for the partner, with their lines and what was ordered. */
export const ORDERS_TO_CONFIRM = `query OrdersToConfirm {
  unconfirmed_orders(first: 20) {
    nodes { id order_number status total currency items { sku quantity product { title } } }
  }
}`;

/** A price change; a large one answers PriceConfirmationRequired with the token to send back. */
export const SET_PRICE = `mutation SetPrice($product: String!, $price: Float!, $token: String) {
  update_price(product_id: $product, input: { price: $price, force_token: $token }) {
    __typename
    ... on PriceResult { price previous_price }
    ... on PriceConfirmationRequired { force_token change_ratio }
  }
}`;

export interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** POST /graphql with the partner's key; GraphQL errors are returned, not thrown, as fields can fail alone. */
export async function graphql<T>(baseUrl: string, apiKey: string, query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  if (res.status !== 200) throw new Error(`POST /graphql answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as GraphqlAnswer<T>;
}
