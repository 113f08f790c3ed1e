// Handlers are typed from the spec. npm test runs tsc over this file, and each expect-error
// directive below must meet a type error: a reply the spec does not document fails to compile.
import { expect, it } from 'vitest';
import type { components } from '../../src/contract/generated/marketplace.ts';
import type { Handlers, MarketplaceOperationId, OperationHandler, OperationInput } from '../../src/server/handler.ts';

type Product = components['schemas']['Product'];
declare const product: Product;

// The documented answer compiles.
export const documented: OperationHandler<'createProduct'> = () => ({ status: 201, body: product });

// @ts-expect-error 200 is not a documented status of createProduct (it answers 201)
export const wrongStatus: OperationHandler<'createProduct'> = () => ({ status: 200, body: product });

// @ts-expect-error a 201 of createProduct carries a Product, not a job
export const wrongBody: OperationHandler<'createProduct'> = () => ({ status: 201, body: { job_id: 'job_1', state: 'queued', status_url: '/x' } });

export const registry: Handlers<MarketplaceOperationId> = {
  // The key fixes the handler's type: getProduct's path has product_id, createProduct's body is a ProductCreate.
  getProduct: ({ path }) => ({ status: 200, body: { ...product, id: path.product_id } }),
  createProduct: ({ body }) => ({ status: 201, body: { ...product, sku: body.sku } }),
  // @ts-expect-error deleteProduct answers 204 without a body
  deleteProduct: () => ({ status: 204, body: product }),
};

// Typed inputs: the token endpoint's form body, an operation without parameters.
export const tokenGrant = (input: OperationInput<'createToken'>): 'client_credentials' | 'refresh_token' | 'authorization_code' => input.body.grant_type;
// @ts-expect-error listCategories declares no path parameters
export const noPath = (input: OperationInput<'listCategories'>): string => input.path.category_id;

it('type-level checks live in this file and run under tsc (npm run typecheck)', () => {
  expect(typeof documented).toBe('function');
});
