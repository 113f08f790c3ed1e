// The reference partner connector (examples/partner-connector) against a real sandbox on
// 127.0.0.1: the whole integration a partner builds, run end to end, with nothing mocked. The
// sandbox runs in strict mode with its rate limiter on, on a fresh tenant whose clock stands still
// (the marketplace makes no move of its own while the test runs).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKey,
  MarketplaceApiError,
  MarketplaceClient,
  OAuthClientCredentials,
  PartnerConnector,
  WebhookReceiver,
  WebhookSignatureError,
  type MarketplaceEvent,
  type Order,
} from '../../examples/partner-connector/src/index.ts';
import { ControlClient } from '../../src/control/client.ts';
import { startInProcessSandbox, type RunningSandbox } from '../../src/pact/in-process-sandbox.ts';

let running: RunningSandbox;
let tenantId: string;
let apiKey: string;
/** The body of a typed-client call that must succeed (the connector's client, `api`). */
async function answered<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call;
  expect(response.ok, `${response.status} ${response.url}`).toBe(true);
  return data!;
}

const requests: string[] = [];

/** A control-API call that must succeed. */
function control(method: string, path: string, body?: unknown): Promise<any> {
  return new ControlClient({ url: running.url, adminToken: running.adminToken }).call(method, path, body);
}

/** fetch, recording each request as "METHOD /path" so tests can count calls. */
const recordingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
  requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
  return fetch(input, init);
}) as typeof fetch;

const clientFor = (backoff = {}) =>
  new MarketplaceClient({ baseUrl: running.url, credentials: new ApiKey(apiKey), fetch: recordingFetch, backoff: { sleep: async () => {}, ...backoff } });

/** The ERP cannot ship orders whose order number ends in an odd digit. */
const warehouse = {
  canFulfil: (order: Order) => (/[13579]$/.test(order.order_number) ? { ok: false as const, reason: 'Out of stock in every warehouse.' } : { ok: true as const }),
};
const connectorFor = (client = clientFor()) => new PartnerConnector(client, { warehouse, jobPollIntervalMs: 20, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });

beforeAll(async () => {
  running = await startInProcessSandbox();
  ({ tenant_id: tenantId, api_key: apiKey } = await control('POST', '/__sandbox/tenants', { name: 'reference connector e2e' }));
  await control('PUT', '/__sandbox/clock', { tenant_id: tenantId, mode: 'manual' });
});

afterAll(async () => {
  await running?.close();
});

describe('the reference connector against the sandbox', () => {
  let accepted: string[] = [];

  it('polls the unconfirmed orders: accepts what it can ship, cancels the rest, waits for unpaid ones', async () => {
    const outcomes = await connectorFor().processUnconfirmedOrders();
    accepted = outcomes.filter((o) => o.action === 'accepted').map((o) => o.order_id);
    expect(accepted.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.action === 'cancelled').length).toBeGreaterThan(0);
    expect(outcomes.every((o) => (o.action === 'accepted' ? o.status === 'shipping' : true))).toBe(true);
    // Only orders still waiting for payment stay unconfirmed.
    const left = await clientFor().listUnconfirmedOrders({ limit: 100 });
    expect(left.data.every((o) => o.status === 'blocked')).toBe(true);
  });

  it('ships an accepted order with tracking, then reports its delivery', async () => {
    const connector = connectorFor();
    const shipped = await connector.shipOrder(accepted[0]!, { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' });
    expect(shipped).toMatchObject({ status: 'shipped', carrier: 'DHL', tracking_number: 'JJD000390007788123' });
    const shippedAt = shipped.history.find((h) => h.status === 'shipped')!.at;
    const delivered = await connector.markDelivered(accepted[0]!, new Date(shippedAt));
    expect(delivered.status).toBe('delivered');
  });

  it('is told which moves are allowed when it asks for one the status machine refuses', async () => {
    const error = await connectorFor().markDelivered(accepted[1]!, new Date()).catch((e) => e);
    expect(error).toBeInstanceOf(MarketplaceApiError);
    expect(error).toMatchObject({ status: 409, code: 'invalid_transition' });
    expect(error.problem.allowed_next_statuses).toContain('shipped');
  });

  it('acknowledges a customer cancel it learns about by webhook, after verifying the signature', async () => {
    const events: MarketplaceEvent[] = [];
    let receiver: WebhookReceiver | null = null;
    const connector = connectorFor();
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          const { event, firstDelivery } = receiver!.receive(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
          if (firstDelivery) {
            await connector.handleEvent(event);
            events.push(event);
          }
          res.writeHead(204).end();
        } catch (error) {
          res.writeHead(error instanceof WebhookSignatureError ? 400 : 500).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const hook = await answered(clientFor().api.POST('/api/v2/webhooks', {
        body: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/marketplace`, events: ['order.status_changed'] },
      }));
      receiver = new WebhookReceiver(hook.secret);
      await control('POST', `/__sandbox/orders/${accepted[2]}/move`, { tenant_id: tenantId, to: 'cancelled', reason: 'Customer withdrew the order' });
      for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(events.map((e) => e.event)).toEqual(['order.status_changed']);
      expect(await clientFor().getOrder(accepted[2]!)).toMatchObject({ status: 'cancelled', confirmed: true });
    } finally {
      server.close();
    }
    // A tampered delivery never reaches the connector.
    const tampered = () => receiver!.receive('{"id":"evt_x","type":"order.created"}', { 'webhook-id': 'evt_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' });
    expect(tampered).toThrow(WebhookSignatureError);
  });

  it('updates availability of 1200 items in two batch calls', async () => {
    const ids: string[] = [];
    for (let page = 1; ids.length < 200; page++) ids.push(...(await answered(clientFor().api.GET('/api/v2/products', { params: { query: { page, limit: 100 } } }))).data.map((p) => p.id));
    const items = Array.from({ length: 1200 }, (_, i) => ({ id: ids[i % ids.length]!, status: 'active' as const, in_stock: 5 + (i % 7) }));
    requests.length = 0;
    const result = await connectorFor().pushAvailability(items);
    expect(requests.filter((r) => r === 'POST /api/v2/availability')).toHaveLength(2);
    expect(result.results).toHaveLength(1200);
    expect(result.summary.errors).toBe(0);
  });

  it('confirms a large price change with the force token it is given', async () => {
    const product = (await answered(clientFor().api.GET('/api/v2/products', { params: { query: { limit: 50 } } }))).data.find((p) => p.status === 'live' && p.variants.length === 0)!;
    const doubled = Math.round(product.price * 200) / 100;
    requests.length = 0;
    const result = await connectorFor().setPrice({ productId: product.id }, doubled, product.currency);
    expect(result).toMatchObject({ price: doubled, previous_price: product.price, confirmed_with_force_token: true });
    expect(requests).toEqual([`PUT /api/v2/products/${product.id}/price`, `PUT /api/v2/products/${product.id}/price`]);
  });

  it('syncs inventory through a job and polls it until it completes', async () => {
    const skus = (await answered(clientFor().api.GET('/api/v2/inventory', { params: { query: { limit: 3 } } }))).data.map((i) => i.sku);
    const job = await connectorFor().syncInventory(skus.map((sku, i) => ({ sku, quantity: 10 + i, location: 'loc_berlin' })));
    expect(job).toMatchObject({ state: 'completed', progress: { total: 3, succeeded: 3, failed: 0 } });
    expect((await answered(clientFor().api.GET('/api/v2/inventory/{sku}', { params: { path: { sku: skus[0]! } } }))).locations).toContainEqual({ location_id: 'loc_berlin', quantity: 10 });
  });

  it('authenticates with OAuth client credentials and refreshes the token when it expires', async () => {
    const client = await control('POST', `/__sandbox/tenants/${tenantId}/oauth-clients`, { name: 'connector e2e' });
    let now = Date.now();
    const refreshTokens: string[] = [];
    const credentials = new OAuthClientCredentials({
      baseUrl: running.url,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      now: () => now,
      onToken: (t) => refreshTokens.push(t.refreshToken),
    });
    const api = new MarketplaceClient({ baseUrl: running.url, credentials });
    expect((await api.listUnconfirmedOrders({ limit: 1 })).pagination.page).toBe(1);
    now += 3600 * 1000; // the access token has expired on the connector's clock: it refreshes first
    expect((await api.listUnconfirmedOrders({ limit: 1 })).pagination.page).toBe(1);
    expect(refreshTokens).toHaveLength(2);
    expect(refreshTokens[0]).not.toBe(refreshTokens[1]); // rotated
  });

  it('waits exactly as long as Retry-After says on 429, then reports the limit', async () => {
    await control('PUT', `/__sandbox/tenants/${tenantId}/rate-limits`, { groups: { order_reads: 1 } });
    try {
      const waits: number[] = [];
      const client = clientFor({ maxRetries: 1, maxWaitSeconds: 3600, sleep: async (ms: number) => void waits.push(ms) });
      await client.listUnconfirmedOrders({ limit: 1 });
      const error = await client.listUnconfirmedOrders({ limit: 1 }).catch((e) => e);
      expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(error.retryAfterSeconds * 1000 - 1000);
    } finally {
      await control('PUT', `/__sandbox/tenants/${tenantId}/rate-limits`, {});
    }
  });
});
