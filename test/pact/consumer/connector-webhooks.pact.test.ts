// Consumer contract of the reference partner connector with the marketplace's webhooks: one
// asynchronous message per event type the connector consumes. The example content is not written
// by hand: each event is produced by the sandbox itself (the real action on an in-process sandbox,
// captured from its event bus, so built by the real event builders), then pinned to stable ids and
// times so the pact file does not change from run to run. Matchers say what may vary.
//
// Each message goes through the connector's real receive path: signed with Standard Webhooks,
// verified by WebhookReceiver, handled by PartnerConnector.handleEvent.
import { rmSync } from 'node:fs';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, MarketplaceClient, PartnerConnector, WebhookReceiver, type MarketplaceEvent } from '../../../examples/partner-connector/src/index.ts';
import { buildEvent, type SandboxEvent } from '../../../src/events/builders.ts';
import { startSandbox, type TestSandbox } from '../../support/sandbox.ts';
import { CONSUMER, EXAMPLE, PACT_DIR, pactFile, WEBHOOK_PROVIDER } from '../support/contract-names.ts';

const { like, eachLike, regex, integer, number, string } = MatchersV3;
/** An ISO 8601 UTC timestamp (the verifier's own date-time patterns do not take optional fractions). */
const timestamp = (example: string) => regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', example);
const SECRET = `whsec_${Buffer.from('reference-connector-test-secret!').toString('base64')}`;

const pact = new PactV4({ consumer: CONSUMER, provider: WEBHOOK_PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

let sb: TestSandbox;
let tenantId: string;
const captured: SandboxEvent<any>[] = [];

/** Performs `action` on the sandbox and returns the first event of `type` it emitted. */
async function eventOf(type: string, action: () => Promise<unknown>): Promise<SandboxEvent<any>> {
  captured.length = 0;
  await action();
  for (let i = 0; i < 200 && !captured.some((e) => e.event === type); i++) await new Promise((r) => setTimeout(r, 5));
  const event = captured.find((e) => e.event === type);
  if (!event) throw new Error(`the sandbox emitted no ${type} (got ${captured.map((e) => e.event).join(', ') || 'nothing'})`);
  // Stable example values: the event id is random and the clock stands still at the fixture date.
  return buildEvent(event.event, event.tenant_id, event.data, new Date(event.timestamp), 'evt_0a1b2c3d4e5f6a7b');
}

const ok = (status: number, body: unknown) => expect(status, JSON.stringify(body)).toBeLessThan(300);

beforeAll(async () => {
  rmSync(pactFile(WEBHOOK_PROVIDER), { force: true });
  sb = await startSandbox();
  tenantId = sb.store.listTenants()[0]!.id;
  sb.events.subscribe((event) => {
    if (event.tenant_id === tenantId) captured.push(event);
  });
  // A clock that stands still at a fixed time makes every timestamp in the examples the same on every run.
  const clock = await sb.control('PUT', '/__sandbox/clock', { tenant_id: tenantId, mode: 'manual' });
  ok(clock.status, clock.body);
  const advanced = await sb.control('POST', '/__sandbox/clock/advance', { tenant_id: tenantId, until: '2026-01-15T10:00:00.000Z' });
  ok(advanced.status, advanced.body);
});

afterAll(async () => {
  await sb?.close();
});

// --- what the connector relies on in each event, as matchers over the real example -------------

const envelope = (event: SandboxEvent, data: unknown) => ({
  event: event.event,
  event_id: regex('^evt_[A-Za-z0-9]+$', event.event_id),
  timestamp: timestamp(event.timestamp),
  tenant_id: regex('^ten_[A-Za-z0-9_]+$', event.tenant_id),
  data,
});

const orderData = (order: any, extra: Record<string, unknown> = {}) => ({
  id: regex('^ord_[A-Za-z0-9]+$', order.id),
  order_number: string(order.order_number),
  status: order.status,
  confirmed: order.confirmed,
  items: eachLike({ sku: string(order.items[0].sku), quantity: integer(order.items[0].quantity), product_id: regex('^prod_[A-Za-z0-9]+$', order.items[0].product_id) }),
  updated_at: timestamp(order.updated_at),
  ...extra,
});

// --- the connector's receive path -----------------------------------------------------------------

interface Delivery {
  outcome: unknown;
  requests: string[];
}

/** Signs the content as the marketplace does, then verifies and handles it like the connector's HTTP endpoint would. */
async function deliverToConnector(content: unknown): Promise<Delivery> {
  const body = JSON.stringify(content);
  const id = (content as MarketplaceEvent).event_id;
  const now = new Date();
  const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign(id, now, body) };
  const { event } = new WebhookReceiver(SECRET).receive(body, headers);

  // The connector reads the order behind an order event; this stands in for the API.
  const requests: string[] = [];
  const fetchStub = (async (url: string, init?: RequestInit) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}${init?.body ? ` ${init.body}` : ''}`);
    const order = (event as { data: { id: string } }).data;
    const answer = init?.method === 'PATCH' ? { ...order, ...JSON.parse(String(init.body)) } : order;
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const client = new MarketplaceClient({ baseUrl: 'http://marketplace.invalid', credentials: new ApiKey(EXAMPLE.apiKey), fetch: fetchStub });
  const connector = new PartnerConnector(client, { warehouse: { canFulfil: () => ({ ok: true }) }, sleep: async () => {} });
  const outcome = await connector.handleEvent(event);
  if (event.event === 'job.completed') return { outcome: await connector.waitForJob(event.data.id), requests };
  return { outcome, requests };
}

const metadata = (type: string) => ({ 'content-type': 'application/json', 'x-event-type': type });

describe('webhook events the connector consumes', () => {
  it('order.created: a new order waiting for payment is left alone until it opens', async () => {
    const event = await eventOf('order.created', async () => {
      const res = await sb.control('POST', '/__sandbox/orders/generate', { tenant_id: tenantId, count: 1, seed: 7 });
      ok(res.status, res.body);
    });
    await pact
      .addAsynchronousInteraction()
      .given('the marketplace creates an order')
      .expectsToReceive('an order.created event', (m) =>
        m.withJSONContent(envelope(event, orderData(event.data, { status: 'blocked', confirmed: false }))).withMetadata(metadata('order.created')),
      )
      .executeTest(async (m) => {
        const { outcome, requests } = await deliverToConnector(m.contents.content);
        expect(requests).toEqual([`GET /api/v2/orders/${event.data.id}`]);
        expect(outcome).toMatchObject({ action: 'waiting', status: 'blocked' });
      });
  });

  it('order.status_changed: a customer cancel during shipping is acknowledged', async () => {
    const order = Object.values(sb.store.tenant(tenantId)!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!;
    const accepted = await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { status: 'shipping', confirmed: true } });
    ok(accepted.status, accepted.body);
    const event = await eventOf('order.status_changed', async () => {
      const res = await sb.control('POST', `/__sandbox/orders/${order.id}/move`, { tenant_id: tenantId, to: 'cancelled', reason: 'Customer withdrew the order' });
      ok(res.status, res.body);
    });
    await pact
      .addAsynchronousInteraction()
      .given(`order ${EXAMPLE.order} is shipping`)
      .expectsToReceive('an order.status_changed event for a customer cancel', (m) =>
        m
          .withJSONContent(envelope(event, orderData(event.data, { status: 'cancelled', confirmed: false, previous_status: 'shipping' })))
          .withMetadata(metadata('order.status_changed')),
      )
      .executeTest(async (m) => {
        const { outcome, requests } = await deliverToConnector(m.contents.content);
        expect(requests).toEqual([`GET /api/v2/orders/${event.data.id}`, `PATCH /api/v2/orders/${event.data.id}/status {"confirmed":true}`]);
        expect(outcome).toMatchObject({ action: 'acknowledged', status: 'cancelled' });
      });
  });

  it('order.cancelled: the cancellation is acknowledged', async () => {
    const order = Object.values(sb.store.tenant(tenantId)!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!;
    const event = await eventOf('order.cancelled', async () => {
      const res = await sb.control('POST', `/__sandbox/orders/${order.id}/move`, { tenant_id: tenantId, to: 'cancelled', reason: 'Customer withdrew the order' });
      ok(res.status, res.body);
    });
    await pact
      .addAsynchronousInteraction()
      .given(`an unconfirmed open order ${EXAMPLE.order} exists`)
      .expectsToReceive('an order.cancelled event', (m) =>
        m.withJSONContent(envelope(event, orderData(event.data, { status: 'cancelled', confirmed: false }))).withMetadata(metadata('order.cancelled')),
      )
      .executeTest(async (m) => {
        const { outcome, requests } = await deliverToConnector(m.contents.content);
        expect(requests.at(-1)).toBe(`PATCH /api/v2/orders/${event.data.id}/status {"confirmed":true}`);
        expect(outcome).toMatchObject({ action: 'acknowledged' });
      });
  });

  it('price.updated: the new price is taken note of, nothing is called', async () => {
    const product = Object.values(sb.store.tenant(tenantId)!.state.products).find((p) => p.status === 'live' && p.variants.length === 0 && !p.deleted_at)!;
    const event = await eventOf('price.updated', async () => {
      const res = await sb.call('PUT', `/api/v2/products/${product.id}/price`, { body: { price: Math.round(product.price * 110) / 100, currency: product.currency } });
      ok(res.status, res.body);
    });
    const d = event.data;
    await pact
      .addAsynchronousInteraction()
      .given(`product ${EXAMPLE.product} has price 100.00 EUR`)
      .expectsToReceive('a price.updated event', (m) =>
        m
          .withJSONContent(
            envelope(event, {
              item_id: regex('^(prod|var)_[A-Za-z0-9]+$', d.item_id),
              product_id: regex('^prod_[A-Za-z0-9]+$', d.product_id),
              price: number(d.price),
              currency: string(d.currency),
              previous_price: number(d.previous_price),
              updated_at: timestamp(d.updated_at),
            }),
          )
          .withMetadata(metadata('price.updated')),
      )
      .executeTest(async (m) => {
        const { outcome, requests } = await deliverToConnector(m.contents.content);
        expect(requests).toEqual([]);
        expect(outcome).toBeNull();
      });
  });

  it('job.completed: a waiting inventory sync finishes without another poll', async () => {
    const item = Object.values(sb.store.tenant(tenantId)!.state.inventory)[0]!;
    const event = await eventOf('job.completed', async () => {
      const res = await sb.call('POST', '/api/v2/inventory/sync', { body: { items: [{ sku: item.sku, quantity: 40, location: EXAMPLE.location }] } });
      ok(res.status, res.body);
    });
    const job = { ...event.data, id: EXAMPLE.job }; // job ids are random: pin the example
    await pact
      .addAsynchronousInteraction()
      .given(`SKU ${EXAMPLE.sku} exists at location ${EXAMPLE.location}`)
      .expectsToReceive('a job.completed event for an inventory sync', (m) =>
        m
          .withJSONContent(
            envelope(event, {
              id: regex('^job_[A-Za-z0-9]+$', job.id),
              type: 'inventory_sync',
              state: 'completed',
              progress: like(job.progress),
              errors: [],
              completed_at: timestamp(job.completed_at),
            }),
          )
          .withMetadata(metadata('job.completed')),
      )
      .executeTest(async (m) => {
        const { outcome, requests } = await deliverToConnector(m.contents.content);
        expect(requests).toEqual([]); // the event finished the wait: no GET /jobs/{id}
        expect(outcome).toMatchObject({ id: EXAMPLE.job, state: 'completed' });
      });
  });
});

