// A thin typed client of the Marketplace Seller API. Every path, parameter, body and answer type
// comes from the OpenAPI contract (marketplace-api.generated.ts, `npm run connector:types`): a
// path the contract does not have, or a body member it does not know, is a compile error here.
//
// What it does on top of fetch: credentials on every request (with one renewal after a 401),
// back-off on 429 as told by Retry-After, and problem details turned into MarketplaceApiError.
import { MarketplaceApiError, readProblem } from './api-error.ts';
import type { Credentials } from './credentials.ts';
import type { components, paths } from './marketplace-api.generated.ts';
import { DEFAULT_BACKOFF, retryAfterSeconds, sendWithBackoff, type BackoffPolicy } from './rate-limit-backoff.ts';

type Schemas = components['schemas'];
export type Order = Schemas['Order'];
export type OrderList = Schemas['OrderList'];
export type OrderStatusUpdate = Schemas['OrderStatusUpdate'];
export type AvailabilityItemUpdate = Schemas['AvailabilityItemUpdate'];
export type AvailabilityResult = Schemas['AvailabilityResult'];
export type PriceChange = Schemas['PriceChange'];
export type PriceResult = Schemas['PriceResult'];
export type InventorySyncItem = Schemas['InventorySyncItem'];
export type JobAccepted = Schemas['JobAccepted'];
export type Job = Schemas['Job'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The operation the contract defines for a path and method (never when it defines none). */
type OperationAt<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of the operation's 2xx answers. */
type SuccessBody<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends 200 | 201 | 202 ? JsonOf<R[S]> : never }[keyof R] : never;
type RequestBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;

interface CallInput<O> {
  path?: PathParams<O>;
  query?: QueryParams<O>;
  body?: RequestBody<O>;
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:4300 for a local sandbox. */
  baseUrl: string;
  credentials: Credentials;
  fetch?: typeof fetch;
  backoff?: Partial<BackoffPolicy>;
  userAgent?: string;
}

export class MarketplaceClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  listUnconfirmedOrders(query: { page?: number; limit?: number } = {}): Promise<OrderList> {
    return this.call('get', '/api/v2/orders/unconfirmed', { query });
  }

  getOrder(orderId: string): Promise<Order> {
    return this.call('get', '/api/v2/orders/{order_id}', { path: { order_id: orderId } });
  }

  updateOrderStatus(orderId: string, change: OrderStatusUpdate): Promise<Order> {
    return this.call('patch', '/api/v2/orders/{order_id}/status', { path: { order_id: orderId }, body: change });
  }

  cancelOrder(orderId: string, reason?: string): Promise<Order> {
    return this.call('post', '/api/v2/orders/{order_id}/cancel', { path: { order_id: orderId }, body: reason ? { reason } : {} });
  }

  /** One batch; the contract allows at most 1000 items (PartnerConnector splits larger updates). */
  updateAvailability(items: AvailabilityItemUpdate[]): Promise<AvailabilityResult> {
    return this.call('post', '/api/v2/availability', { body: { items } });
  }

  updateProductPrice(productId: string, change: PriceChange): Promise<PriceResult> {
    return this.call('put', '/api/v2/products/{product_id}/price', { path: { product_id: productId }, body: change });
  }

  updateVariantPrice(productId: string, variantId: string, change: PriceChange): Promise<PriceResult> {
    return this.call('put', '/api/v2/products/{product_id}/variants/{variant_id}/price', {
      path: { product_id: productId, variant_id: variantId },
      body: change,
    });
  }

  syncInventory(items: InventorySyncItem[]): Promise<JobAccepted> {
    return this.call('post', '/api/v2/inventory/sync', { body: { items } });
  }

  getJob(jobId: string): Promise<Job> {
    return this.call('get', '/api/v2/jobs/{job_id}', { path: { job_id: jobId } });
  }

  /** Any operation of the contract, typed by its path and method. */
  async call<P extends keyof paths, M extends Method>(method: M, template: P, input: CallInput<OperationAt<P, M>> = {}): Promise<SuccessBody<OperationAt<P, M>>> {
    const url = this.baseUrl + expandPath(template as string, (input.path ?? {}) as Record<string, string>) + queryString(input.query as Record<string, unknown>);
    const request = `${method.toUpperCase()} ${template as string}`;
    const payload = input.body === undefined ? undefined : JSON.stringify(input.body);
    const send = async () =>
      this.fetchFn(url, {
        method: method.toUpperCase(),
        headers: {
          authorization: await this.options.credentials.authorization(),
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}),
        },
        body: payload,
      });

    let response = await sendWithBackoff(send, this.backoff, url);
    if (response.status === 401 && (await this.options.credentials.renewAfterUnauthorized())) {
      await response.body?.cancel();
      response = await sendWithBackoff(send, this.backoff, url);
    }
    if (!response.ok) {
      throw new MarketplaceApiError(response.status, await readProblem(response), retryAfterSeconds(response.headers.get('retry-after')), request);
    }
    if (response.status === 204) return undefined as SuccessBody<OperationAt<P, M>>;
    return (await response.json()) as SuccessBody<OperationAt<P, M>>;
  }
}

function expandPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${template} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
