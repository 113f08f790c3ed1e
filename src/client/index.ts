// `marketplace-sandbox/client`: a typed client of the partner API for partners' own code, on
// openapi-fetch over the types generated from specs/marketplace.openapi.yaml
// (src/contract/generated/marketplace.ts). A path, parameter or body member the contract does not
// have is a compile error; every answer is `{ data, error, response }`, typed by its status.
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from '../contract/generated/marketplace.ts';

export type { components, operations, paths };
/** The contract's schemas by name: `Schemas['Product']`, `Schemas['Order']`, `Schemas['Problem']`, … */
export type Schemas = components['schemas'];
/** openapi-fetch's client over the partner API: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `use`. */
export type MarketplaceClient = Client<paths>;

export interface MarketplaceClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API is: the sandbox's origin, e.g. http://127.0.0.1:4300 (the paths start with /api/v2). */
  baseUrl: string;
  /** A test key (`mk_test_…`) or an OAuth access token, sent as `Authorization: Bearer …` unless a request sets its own. */
  apiKey?: string;
}

export function createMarketplaceClient({ apiKey, ...options }: MarketplaceClientOptions): MarketplaceClient {
  const client = createClient<paths>(options);
  if (apiKey) client.use(bearer(apiKey));
  return client;
}

function bearer(token: string): Middleware {
  const value = `Bearer ${token}`;
  return {
    onRequest({ request }) {
      if (!request.headers.has('authorization')) request.headers.set('authorization', value);
      return request;
    },
  };
}
