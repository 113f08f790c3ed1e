// Batched lookups for the links between objects (a product's brand, a SKU's stock): every key a
// level of the query asks for is gathered by DataLoader and read in one pass, so a page of 100
// products with their brand and stock is three passes (the page, the brands, the stock) however
// many products it holds. One set per request: nothing is cached across requests or tenants.
import DataLoader from 'dataloader';
import { restCall, type Caller, type RestApi } from './rest-call.ts';

export interface Loaders {
  brand: DataLoader<string, unknown>;
  category: DataLoader<string, unknown>;
  inventory: DataLoader<string, unknown>;
  product: DataLoader<string, unknown>;
}

export function loadersFor(api: RestApi, caller: Caller): Loaders {
  const loader = (operationId: string, param: string) =>
    new DataLoader<string, unknown>(async (keys) => {
      caller.passes += 1;
      return Promise.all(
        keys.map((key) =>
          restCall(api, caller, operationId, { path: { [param]: key } }, {}, false, true).catch((error: { extensions?: { status?: number } }) => {
            // A link to what is gone (a deleted product, a SKU without stock) reads as null.
            if (error.extensions?.status === 404) return null;
            return error as unknown as Error;
          }),
        ),
      );
    });
  return {
    brand: loader('getBrand', 'brand_id'),
    category: loader('getCategory', 'category_id'),
    inventory: loader('getInventoryItem', 'sku'),
    product: loader('getProduct', 'product_id'),
  };
}
