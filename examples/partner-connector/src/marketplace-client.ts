// A thin typed client of the Marketplace Seller API, on the sandbox's own typed client
// (`marketplace-sandbox/client`: openapi-fetch over the types generated from the contract): a path
// the contract does not have, or a body member it does not know, is a compile error here.
//
// What it does on top: credentials on every request (with one renewal after a 401), back-off on
// 429 as told by Retry-After, and problem details turned into MarketplaceApiError.
import { createMarketplaceClient, type MarketplaceClient as TypedClient, type Schemas } from 'marketplace-sandbox/client';
import { MarketplaceApiError, readProblem } from './api-error.ts';
import type { Credentials } from './credentials.ts';
import { DEFAULT_BACKOFF, retryAfterSeconds, sendWithBackoff, type BackoffPolicy } from './rate-limit-backoff.ts';

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

export interface ClientOptions {
  /** e.g. http://127.0.0.1:4300 for a local sandbox. */
  baseUrl: string;
  credentials: Credentials;
  fetch?: typeof fetch;
  backoff?: Partial<BackoffPolicy>;
  userAgent?: string;
}

export class MarketplaceClient {
  /** The typed client every call goes through; `api.GET('/api/v2/…', …)` for any other operation. */
  readonly api: TypedClient;
  private readonly fetchFn: typeof fetch;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: ClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.api = createMarketplaceClient({ baseUrl: options.baseUrl.replace(/\/$/, ''), fetch: (request) => this.send(request) });
  }

  listUnconfirmedOrders(query: { page?: number; limit?: number } = {}): Promise<OrderList> {
    return this.answer('GET /api/v2/orders/unconfirmed', this.api.GET('/api/v2/orders/unconfirmed', { params: { query } }));
  }

  getOrder(orderId: string): Promise<Order> {
    return this.answer('GET /api/v2/orders/{order_id}', this.api.GET('/api/v2/orders/{order_id}', { params: { path: { order_id: orderId } } }));
  }

  updateOrderStatus(orderId: string, change: OrderStatusUpdate): Promise<Order> {
    return this.answer('PATCH /api/v2/orders/{order_id}/status', this.api.PATCH('/api/v2/orders/{order_id}/status', { params: { path: { order_id: orderId } }, body: change }));
  }

  cancelOrder(orderId: string, reason?: string): Promise<Order> {
    return this.answer('POST /api/v2/orders/{order_id}/cancel', this.api.POST('/api/v2/orders/{order_id}/cancel', { params: { path: { order_id: orderId } }, body: reason ? { reason } : {} }));
  }

  /** One batch; the contract allows at most 1000 items (PartnerConnector splits larger updates). */
  updateAvailability(items: AvailabilityItemUpdate[]): Promise<AvailabilityResult> {
    return this.answer('POST /api/v2/availability', this.api.POST('/api/v2/availability', { body: { items } }));
  }

  updateProductPrice(productId: string, change: PriceChange): Promise<PriceResult> {
    return this.answer('PUT /api/v2/products/{product_id}/price', this.api.PUT('/api/v2/products/{product_id}/price', { params: { path: { product_id: productId } }, body: change }));
  }

  updateVariantPrice(productId: string, variantId: string, change: PriceChange): Promise<PriceResult> {
    return this.answer(
      'PUT /api/v2/products/{product_id}/variants/{variant_id}/price',
      this.api.PUT('/api/v2/products/{product_id}/variants/{variant_id}/price', { params: { path: { product_id: productId, variant_id: variantId } }, body: change }),
    );
  }

  syncInventory(items: InventorySyncItem[]): Promise<JobAccepted> {
    return this.answer('POST /api/v2/inventory/sync', this.api.POST('/api/v2/inventory/sync', { body: { items } }));
  }

  getJob(jobId: string): Promise<Job> {
    return this.answer('GET /api/v2/jobs/{job_id}', this.api.GET('/api/v2/jobs/{job_id}', { params: { path: { job_id: jobId } } }));
  }

  /** The success body, or the marketplace's problem as a MarketplaceApiError. */
  private async answer<T>(request: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, response } = await call;
    if (!response.ok) throw new MarketplaceApiError(response.status, await readProblem(this.failed.get(response) ?? response), retryAfterSeconds(response.headers.get('retry-after')), request);
    return data as T;
  }

  /** Unread copies of failed answers: openapi-fetch reads the body itself, readProblem wants the text. */
  private readonly failed = new WeakMap<Response, Response>();

  /** The transport under the typed client: credentials, 429 back-off, one renewal after a 401. */
  private async send(request: Request): Promise<Response> {
    // Read once, so a retry after a 429 or a 401 sends the same bytes.
    const body = request.body === null ? undefined : await request.text();
    const attempt = async () => {
      const headers = new Headers(request.headers);
      headers.set('authorization', await this.options.credentials.authorization());
      headers.set('accept', 'application/json');
      if (this.options.userAgent) headers.set('user-agent', this.options.userAgent);
      return this.fetchFn(request.url, { method: request.method, headers, body });
    };
    let response = await sendWithBackoff(attempt, this.backoff, request.url);
    if (response.status === 401 && (await this.options.credentials.renewAfterUnauthorized())) {
      await response.body?.cancel();
      response = await sendWithBackoff(attempt, this.backoff, request.url);
    }
    if (!response.ok) this.failed.set(response, response.clone());
    return response;
  }
}
