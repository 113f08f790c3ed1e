// Consumer contract of the reference partner connector with the Marketplace Seller API: one
// interaction per behaviour the connector relies on, success and error paths, each driven by the
// connector's real code against the Pact mock server. Writes pacts/<consumer>-<provider>.json.
//
// Provider states follow the sandbox's documented convention (README, "Contract testing with
// Pact"); ids in them are examples, and the real ids come back by provider-state injection.
import { rmSync } from 'node:fs';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, MarketplaceApiError, MarketplaceClient, OAuthClientCredentials, PartnerConnector } from '../../../examples/partner-connector/src/index.ts';
import { CONSUMER, EXAMPLE, HTTP_PROVIDER, PACT_DIR, pactFile } from '../support/contract-names.ts';

const { like, eachLike, regex, integer, number, boolean, string, fromProviderState } = MatchersV3;

const pact = new PactV4({ consumer: CONSUMER, provider: HTTP_PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

/** An ISO 8601 UTC timestamp (the verifier's own date-time patterns do not take optional fractions). */
const timestamp = (example: string) => regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', example);
const AUTH = { authorization: regex('^Bearer \\S+$', `Bearer ${EXAMPLE.apiKey}`) };
const JSON_REQUEST = AUTH; // jsonBody() adds the Content-Type
const PROBLEM = { 'Content-Type': regex('^application/problem\\+json', 'application/problem+json') };
const JSON_RESPONSE = { 'Content-Type': regex('^application/json', 'application/json') };

const orderPath = (suffix = '') => fromProviderState(`/api/v2/orders/\${order_id}${suffix}`, `/api/v2/orders/${EXAMPLE.order}${suffix}`);
const pricePath = () => fromProviderState('/api/v2/products/${product_id}/price', `/api/v2/products/${EXAMPLE.product}/price`);

/** The parts of an order the connector reads (items decide whether the warehouse can ship it). */
const order = (status: unknown, extra: Record<string, unknown> = {}) => ({
  id: regex('^ord_[A-Za-z0-9]+$', EXAMPLE.order),
  order_number: string('2026-000042'),
  status,
  confirmed: boolean(false),
  items: eachLike({ sku: string(EXAMPLE.sku), quantity: integer(1), product_id: regex('^prod_[A-Za-z0-9]+$', EXAMPLE.product) }),
  updated_at: timestamp('2026-01-15T09:00:00.000Z'),
  ...extra,
});

const formBody = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
/**
 * A form body's fields compared one by one, in any order. Without this, pact-js's body() puts a
 * content-type matcher on `$` that cascades into every field value and never matches.
 */
const eachFieldEqual = (fields: string[]) => ({ body: fields.map((field) => ({ path: `$.${field}`, rules: [{ 'pact:matcher:type': 'equality', value: '' }] })) });

const apiClient = (url: string, key: string = EXAMPLE.apiKey, backoff = {}) =>
  new MarketplaceClient({ baseUrl: url, credentials: new ApiKey(key), backoff: { sleep: async () => {}, ...backoff } });
const connectorFor = (client: MarketplaceClient, options: Partial<ConstructorParameters<typeof PartnerConnector>[1]> = {}) =>
  new PartnerConnector(client, { warehouse: { canFulfil: () => ({ ok: true }) }, sleep: async () => {}, ...options });

beforeAll(() => {
  // Interactions are merged into an existing file: start from nothing so removed ones do not linger.
  rmSync(pactFile(HTTP_PROVIDER), { force: true });
});

describe('authentication', () => {
  it('gets an access token with client credentials', async () => {
    await pact
      .addInteraction()
      .given(`an OAuth client ${EXAMPLE.clientId} with secret ${EXAMPLE.clientSecret} exists`)
      .uponReceiving('a client credentials token request')
      .withRequest('POST', '/oauth/token', (b) =>
        b
          .body('application/x-www-form-urlencoded', formBody({ grant_type: 'client_credentials', client_id: EXAMPLE.clientId, client_secret: EXAMPLE.clientSecret }))
          .matchingRules(eachFieldEqual(['grant_type', 'client_id', 'client_secret'])),
      )
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          access_token: string('mat_9f2k7x4m1q8w3e6r5t0y'),
          token_type: 'Bearer',
          expires_in: integer(3600),
          refresh_token: string('mrt_2b8n5c1v7x4z9a3s6d'),
          scope: string('products prices availability inventory orders'),
        }),
      )
      .executeTest(async (mock) => {
        const credentials = new OAuthClientCredentials({ baseUrl: mock.url, clientId: EXAMPLE.clientId, clientSecret: EXAMPLE.clientSecret });
        expect(await credentials.authorization()).toBe('Bearer mat_9f2k7x4m1q8w3e6r5t0y');
        expect(credentials.grantedScope).toContain('orders');
      });
  });

  it('refreshes an expired access token with its refresh token', async () => {
    await pact
      .addInteraction()
      .given(`an OAuth client ${EXAMPLE.clientId} with secret ${EXAMPLE.clientSecret} exists`)
      .given(`OAuth client ${EXAMPLE.clientId} holds refresh token ${EXAMPLE.refreshToken}`)
      .uponReceiving('a refresh token request')
      .withRequest('POST', '/oauth/token', (b) =>
        b
          .body(
            'application/x-www-form-urlencoded',
            formBody({ grant_type: 'refresh_token', refresh_token: EXAMPLE.refreshToken, client_id: EXAMPLE.clientId, client_secret: EXAMPLE.clientSecret }),
          )
          .matchingRules(eachFieldEqual(['grant_type', 'refresh_token', 'client_id', 'client_secret'])),
      )
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          access_token: string('mat_rotated_access'),
          token_type: 'Bearer',
          expires_in: integer(3600),
          refresh_token: string('mrt_rotated_refresh'),
          scope: string('products prices availability inventory orders'),
        }),
      )
      .executeTest(async (mock) => {
        const rotated: string[] = [];
        const credentials = new OAuthClientCredentials({
          baseUrl: mock.url,
          clientId: EXAMPLE.clientId,
          clientSecret: EXAMPLE.clientSecret,
          // Kept from the last run; its access token has expired.
          restoredToken: { accessToken: 'mat_expired', refreshToken: EXAMPLE.refreshToken, expiresAt: new Date(Date.now() - 1000) },
          onToken: (token) => rotated.push(token.refreshToken),
        });
        expect(await credentials.authorization()).toBe('Bearer mat_rotated_access');
        expect(rotated).toEqual(['mrt_rotated_refresh']); // the rotated refresh token is kept for next time
      });
  });

  it('reports a revoked API key as 401 unauthorized', async () => {
    await pact
      .addInteraction()
      .given(`the API key ${EXAMPLE.revokedKey} is not valid`)
      .uponReceiving('a request with a revoked API key')
      .withRequest('GET', '/api/v2/orders/unconfirmed', (b) => b.headers({ authorization: `Bearer ${EXAMPLE.revokedKey}` }).query({ page: '1', limit: '50' }))
      .willRespondWith(401, (b) =>
        b.headers(PROBLEM).jsonBody({ status: 401, code: 'unauthorized', detail: string('The API key is unknown or revoked.') }),
      )
      .executeTest(async (mock) => {
        const error = await connectorFor(apiClient(mock.url, EXAMPLE.revokedKey)).processUnconfirmedOrders().catch((e) => e);
        expect(error).toBeInstanceOf(MarketplaceApiError);
        expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
      });
  });
});

describe('orders', () => {
  it('lists unconfirmed orders', async () => {
    await pact
      .addInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .uponReceiving('a request for the first page of unconfirmed orders')
      .withRequest('GET', '/api/v2/orders/unconfirmed', (b) => b.headers(AUTH).query({ page: '1', limit: '50' }))
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          data: eachLike(order(string('open'))),
          pagination: like({ page: 1, limit: 50, total: 1, total_pages: 1 }),
        }),
      )
      .executeTest(async (mock) => {
        const page = await apiClient(mock.url).listUnconfirmedOrders({ page: 1, limit: 50 });
        expect(page.data[0]).toMatchObject({ id: EXAMPLE.order, confirmed: false });
      });
  });

  it('reads one order', async () => {
    await pact
      .addInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .uponReceiving('a request for an order')
      .withRequest('GET', orderPath(), (b) => b.headers(AUTH))
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('open')))
      .executeTest(async (mock) => {
        expect(await apiClient(mock.url).getOrder(EXAMPLE.order)).toMatchObject({ id: EXAMPLE.order, status: 'open' });
      });
  });

  it('accepts an open order: confirmed and moved to shipping in one call', async () => {
    await pact
      .addInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .uponReceiving('a request to confirm an order and move it to shipping')
      .withRequest('PATCH', orderPath('/status'), (b) => b.headers(JSON_REQUEST).jsonBody({ status: 'shipping', confirmed: true }))
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('shipping', { confirmed: true })))
      .executeTest(async (mock) => {
        const outcome = await connectorFor(apiClient(mock.url)).handleOrder({ id: EXAMPLE.order, status: 'open', confirmed: false, items: [] } as never);
        expect(outcome).toEqual({ order_id: EXAMPLE.order, action: 'accepted', status: 'shipping' });
      });
  });

  it('reports a shipped order with carrier, tracking number and tracking URL', async () => {
    const tracking = { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' };
    await pact
      .addInteraction()
      .given(`order ${EXAMPLE.order} is shipping`)
      .uponReceiving('a request to mark an order as shipped with tracking')
      .withRequest('PATCH', orderPath('/status'), (b) => b.headers(JSON_REQUEST).jsonBody({ status: 'shipped', ...tracking }))
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('shipped', { ...tracking, confirmed: true })))
      .executeTest(async (mock) => {
        const shipped = await connectorFor(apiClient(mock.url)).shipOrder(EXAMPLE.order, tracking);
        expect(shipped).toMatchObject({ status: 'shipped', tracking_number: tracking.tracking_number });
      });
  });

  it('reports a delivered order with its delivery time', async () => {
    await pact
      .addInteraction()
      .given(`order ${EXAMPLE.order} is shipped`)
      .uponReceiving('a request to mark an order as delivered')
      .withRequest('PATCH', orderPath('/status'), (b) =>
        b.headers(JSON_REQUEST).jsonBody({ status: 'delivered', delivered_at: fromProviderState('${shipped_at}', '2026-01-15T09:00:00.000Z') }),
      )
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('delivered', { delivered_at: timestamp('2026-01-15T09:00:00.000Z') })))
      .executeTest(async (mock) => {
        const delivered = await connectorFor(apiClient(mock.url)).markDelivered(EXAMPLE.order, new Date('2026-01-15T09:00:00.000Z'));
        expect(delivered.status).toBe('delivered');
      });
  });

  it('is told which moves are allowed when it asks for an invalid transition (409 invalid_transition)', async () => {
    await pact
      .addInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .uponReceiving('a request to deliver an order that was never shipped')
      .withRequest('PATCH', orderPath('/status'), (b) => b.headers(JSON_REQUEST).jsonBody({ status: 'delivered', delivered_at: '2026-01-15T09:00:00.000Z' }))
      .willRespondWith(409, (b) =>
        b.headers(PROBLEM).jsonBody({
          status: 409,
          code: 'invalid_transition',
          detail: string('An order cannot move from open to delivered.'),
          current_status: 'open',
          requested_status: 'delivered',
          allowed_next_statuses: eachLike('shipping'),
        }),
      )
      .executeTest(async (mock) => {
        const error = await connectorFor(apiClient(mock.url)).markDelivered(EXAMPLE.order, new Date('2026-01-15T09:00:00.000Z')).catch((e) => e);
        expect(error).toMatchObject({ status: 409, code: 'invalid_transition' });
        expect((error as MarketplaceApiError).problem.allowed_next_statuses).toContain('shipping');
      });
  });

  it('cancels an order it cannot ship, with a reason', async () => {
    await pact
      .addInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .uponReceiving('a request to cancel an order with a reason')
      .withRequest('POST', orderPath('/cancel'), (b) => b.headers(JSON_REQUEST).jsonBody({ reason: 'Out of stock in every warehouse.' }))
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('cancelled', { confirmed: boolean(true) })))
      .executeTest(async (mock) => {
        const cancelled = await apiClient(mock.url).cancelOrder(EXAMPLE.order, 'Out of stock in every warehouse.');
        expect(cancelled.status).toBe('cancelled');
      });
  });

  it('acknowledges an order the marketplace cancelled', async () => {
    await pact
      .addInteraction()
      .given(`order ${EXAMPLE.order} is cancelled`)
      .uponReceiving('a request to confirm a cancelled order')
      .withRequest('PATCH', orderPath('/status'), (b) => b.headers(JSON_REQUEST).jsonBody({ confirmed: true }))
      .willRespondWith(200, (b) => b.headers(JSON_RESPONSE).jsonBody(order('cancelled', { confirmed: true })))
      .executeTest(async (mock) => {
        const outcome = await connectorFor(apiClient(mock.url)).handleOrder({ id: EXAMPLE.order, status: 'cancelled', confirmed: false, items: [] } as never);
        expect(outcome).toEqual({ order_id: EXAMPLE.order, action: 'acknowledged', status: 'cancelled' });
      });
  });

  it('gets 404 not_found for an order that does not exist', async () => {
    await pact
      .addInteraction()
      .given(`order ${EXAMPLE.missingOrder} does not exist`)
      .uponReceiving('a request for an order that does not exist')
      .withRequest('GET', `/api/v2/orders/${EXAMPLE.missingOrder}`, (b) => b.headers(AUTH))
      .willRespondWith(404, (b) => b.headers(PROBLEM).jsonBody({ status: 404, code: 'not_found', detail: string(`Order ${EXAMPLE.missingOrder} does not exist.`) }))
      .executeTest(async (mock) => {
        const error = await apiClient(mock.url).getOrder(EXAMPLE.missingOrder).catch((e) => e);
        expect(error).toMatchObject({ status: 404, code: 'not_found' });
      });
  });
});

describe('catalog', () => {
  it('updates availability in one batch', async () => {
    await pact
      .addInteraction()
      .given(`product ${EXAMPLE.product} exists`)
      .uponReceiving('an availability batch')
      .withRequest('POST', '/api/v2/availability', (b) =>
        b.headers(JSON_REQUEST).jsonBody({ items: [{ id: fromProviderState('${product_id}', EXAMPLE.product), status: 'active', in_stock: 12 }] }),
      )
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          results: eachLike({ id: string(EXAMPLE.product), result: regex('^(applied|unchanged)$', 'applied') }),
          summary: { applied: integer(1), unchanged: integer(0), errors: integer(0) },
        }),
      )
      .executeTest(async (mock) => {
        const result = await connectorFor(apiClient(mock.url)).pushAvailability([{ id: EXAMPLE.product, status: 'active', in_stock: 12 }]);
        expect(result.summary.errors).toBe(0);
      });
  });

  it('changes a price within the threshold', async () => {
    await pact
      .addInteraction()
      .given(`product ${EXAMPLE.product} has price 100.00 EUR`)
      .uponReceiving('a price change within the confirmation threshold')
      .withRequest('PUT', pricePath(), (b) => b.headers(JSON_REQUEST).jsonBody({ price: 110, currency: 'EUR' }))
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          item_id: regex('^prod_[A-Za-z0-9]+$', EXAMPLE.product),
          product_id: regex('^prod_[A-Za-z0-9]+$', EXAMPLE.product),
          price: number(110),
          currency: 'EUR',
          previous_price: number(100),
        }),
      )
      .executeTest(async (mock) => {
        const result = await connectorFor(apiClient(mock.url)).setPrice({ productId: EXAMPLE.product }, 110, 'EUR');
        expect(result).toMatchObject({ price: 110, confirmed_with_force_token: false });
      });
  });

  it('is asked to confirm a large price change with a force token (409 price_change_requires_confirmation)', async () => {
    await pact
      .addInteraction()
      .given(`product ${EXAMPLE.product} has price 100.00 EUR`)
      .uponReceiving('a price change over the confirmation threshold')
      .withRequest('PUT', pricePath(), (b) => b.headers(JSON_REQUEST).jsonBody({ price: 150, currency: 'EUR' }))
      .willRespondWith(409, (b) =>
        b.headers(PROBLEM).jsonBody({
          status: 409,
          code: 'price_change_requires_confirmation',
          detail: string('The change exceeds the confirmation threshold; repeat it with the force_token.'),
          force_token: string('pct_3x9k2m7q4w'),
          current_price: number(100),
          requested_price: number(150),
        }),
      )
      .executeTest(async (mock) => {
        const connector = connectorFor(apiClient(mock.url), { confirmLargePriceChanges: false });
        const error = await connector.setPrice({ productId: EXAMPLE.product }, 150, 'EUR').catch((e) => e);
        expect(error).toMatchObject({ status: 409, code: 'price_change_requires_confirmation' });
        expect((error as MarketplaceApiError).problem.force_token).toBe('pct_3x9k2m7q4w');
      });
  });

  it('applies a large price change resubmitted with its force token', async () => {
    await pact
      .addInteraction()
      .given(`product ${EXAMPLE.product} has price 100.00 EUR`)
      .given(`a force token was issued for product ${EXAMPLE.product} at 150.00 EUR`)
      .uponReceiving('a price change resubmitted with its force token')
      .withRequest('PUT', pricePath(), (b) =>
        b.headers(JSON_REQUEST).jsonBody({ price: 150, currency: 'EUR', force_token: fromProviderState('${force_token}', 'pct_3x9k2m7q4w') }),
      )
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({ item_id: regex('^prod_[A-Za-z0-9]+$', EXAMPLE.product), price: number(150), currency: 'EUR', previous_price: number(100) }),
      )
      .executeTest(async (mock) => {
        const result = await apiClient(mock.url).updateProductPrice(EXAMPLE.product, { price: 150, currency: 'EUR', force_token: 'pct_3x9k2m7q4w' });
        expect(result.price).toBe(150);
      });
  });
});

describe('inventory', () => {
  it('starts an inventory sync job', async () => {
    await pact
      .addInteraction()
      .given(`SKU ${EXAMPLE.sku} exists at location ${EXAMPLE.location}`)
      .uponReceiving('an inventory sync')
      .withRequest('POST', '/api/v2/inventory/sync', (b) =>
        b.headers(JSON_REQUEST).jsonBody({ items: [{ sku: fromProviderState('${sku}', EXAMPLE.sku), quantity: 40, location: EXAMPLE.location }] }),
      )
      .willRespondWith(202, (b) =>
        b.headers({ ...JSON_RESPONSE, location: regex('^/api/v2/jobs/job_[A-Za-z0-9]+$', `/api/v2/jobs/${EXAMPLE.job}`) }).jsonBody({
          job_id: regex('^job_[A-Za-z0-9]+$', EXAMPLE.job),
          state: regex('^(queued|running|completed)$', 'queued'),
          status_url: regex('^/api/v2/jobs/job_[A-Za-z0-9]+$', `/api/v2/jobs/${EXAMPLE.job}`),
        }),
      )
      .executeTest(async (mock) => {
        const accepted = await apiClient(mock.url).syncInventory([{ sku: EXAMPLE.sku, quantity: 40, location: EXAMPLE.location }]);
        expect(accepted.job_id).toBe(EXAMPLE.job);
      });
  });

  it('polls a finished inventory sync job', async () => {
    await pact
      .addInteraction()
      .given('an inventory sync job has completed')
      .uponReceiving('a request for a completed job')
      .withRequest('GET', fromProviderState('/api/v2/jobs/${job_id}', `/api/v2/jobs/${EXAMPLE.job}`), (b) => b.headers(AUTH))
      .willRespondWith(200, (b) =>
        b.headers(JSON_RESPONSE).jsonBody({
          id: regex('^job_[A-Za-z0-9]+$', EXAMPLE.job),
          type: 'inventory_sync',
          state: 'completed',
          progress: like({ total: 1, processed: 1, succeeded: 1, failed: 0 }),
          errors: [],
          completed_at: timestamp('2026-01-15T09:00:01.000Z'),
        }),
      )
      .executeTest(async (mock) => {
        const job = await connectorFor(apiClient(mock.url)).waitForJob(EXAMPLE.job);
        expect(job).toMatchObject({ state: 'completed', progress: { failed: 0 } });
      });
  });
});

describe('rate limits', () => {
  it('waits as long as Retry-After says on 429, then gives up with the wait attached', async () => {
    await pact
      .addInteraction()
      .given('tenant is on the basic plan with 0 requests left')
      .uponReceiving('a request over the rate limit')
      .withRequest('GET', '/api/v2/orders/unconfirmed', (b) => b.headers(AUTH).query({ page: '1', limit: '50' }))
      .willRespondWith(429, (b) =>
        b.headers({ ...PROBLEM, 'retry-after': regex('^\\d+$', '30') }).jsonBody({ status: 429, code: 'rate_limit_exceeded', detail: string('Rate limit exceeded.') }),
      )
      .executeTest(async (mock) => {
        const waits: number[] = [];
        const client = apiClient(mock.url, EXAMPLE.apiKey, { maxRetries: 2, maxWaitSeconds: 86_400, sleep: async (ms: number) => void waits.push(ms) });
        const error = await client.listUnconfirmedOrders({ page: 1, limit: 50 }).catch((e) => e);
        expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 30 });
        expect(waits).toEqual([30_000, 30_000]); // exactly Retry-After, twice, then the error
      });
  });
});
