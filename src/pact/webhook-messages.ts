// Producing the message a consumer's message pact expects, the way a partner would get it: the
// verification subscribes a local receiver to the event type (POST /api/v2/webhooks), makes the
// sandbox do the real thing that emits it (a customer cancel, a price change, a sync job …) and
// takes the signed delivery that arrives. So the content is built by the sandbox's own event
// builders on its real emission path, signature checked, exactly as it goes over the wire.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '../contract/generated/marketplace.ts';
import { findOrder, firstStock, isOrderTarget, locationOf, openUnconfirmedOrder, orderInStatus, product, setPrice, sku as skuFor } from './provider-states.ts';
import { SandboxSessionError, type SandboxSession } from './sandbox-session.ts';

type Schemas = components['schemas'];

export interface ProducedMessage {
  content: unknown;
  /** The delivery's content type and event type, as the pact's message metadata. */
  metadata: Record<string, string>;
}

export interface ExpectedMessage {
  description: string;
  content: unknown;
  metadata: Record<string, unknown>;
}

interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
}

/** The event type a message is about: its content's `type`, an event-type metadata entry, or one named in its description. */
export function eventTypeOf(expected: ExpectedMessage): string | null {
  const content = expected.content as { type?: unknown } | null;
  if (content && typeof content.type === 'string') return content.type;
  for (const [key, value] of Object.entries(expected.metadata)) {
    if (/^(x-)?event[-_]?type$/i.test(key) && typeof value === 'string') return value;
  }
  return /\b((?:order|price|job|inventory|product|shipment|return)\.[a-z_]+)\b/.exec(expected.description)?.[1] ?? null;
}

/** A local HTTP receiver for the sandbox's webhook deliveries. */
export class WebhookCapture {
  private waiting: { path: string; type: string; resolve(d: Delivery): void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  /** `host` must be reachable from the sandbox (127.0.0.1 when it runs on this machine). */
  static async start(host = '127.0.0.1'): Promise<WebhookCapture> {
    let capture: WebhookCapture | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(204).end();
        capture?.deliver(req.url ?? '/', { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
    capture = new WebhookCapture(server, `http://${host}:${(server.address() as AddressInfo).port}`);
    return capture;
  }

  private deliver(path: string, delivery: Delivery): void {
    const type = String(delivery.headers['x-event-type'] ?? '');
    const index = this.waiting.findIndex((w) => w.path === path && w.type === type);
    if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(delivery);
  }

  /** Subscribes the tenant to `type`, runs `action`, and returns the first verified delivery of that type. */
  async capture(session: SandboxSession, type: string, action: () => Promise<void>, timeoutMs = 5000): Promise<ProducedMessage> {
    const path = `/${randomBytes(6).toString('hex')}`;
    const subscription = await session.expectJson<Schemas['WebhookSubscriptionCreated']>(201, 'POST', '/api/v2/webhooks', { url: this.baseUrl + path, events: [type], description: 'pact verification' });
    const arrived = new Promise<Delivery>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SandboxSessionError(`no ${type} webhook arrived within ${timeoutMs} ms of the action that should emit it`)), timeoutMs);
      this.waiting.push({ path, type, resolve: (d) => (clearTimeout(timer), resolve(d)) });
    });
    arrived.catch(() => {}); // the action may fail first; its error wins
    await action();
    const delivery = await arrived;
    checkSignature(subscription.secret, delivery);
    const contentType = String(delivery.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
    return { content: JSON.parse(delivery.body), metadata: { 'content-type': contentType, 'x-event-type': type } };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")). */
function checkSignature(secret: string, delivery: Delivery): void {
  const id = String(delivery.headers['webhook-id'] ?? '');
  const timestamp = String(delivery.headers['webhook-timestamp'] ?? '');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  const signatures = String(delivery.headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  if (!signatures.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) {
    throw new SandboxSessionError(`the ${delivery.headers['x-event-type']} delivery is not signed with the subscription's secret (Standard Webhooks)`);
  }
}

/** The `data` of the message the pact expects: what it names (an order id, a status, a SKU …) steers the action. */
type ExpectedData = Record<string, unknown>;
type Trigger = (session: SandboxSession, data: ExpectedData) => Promise<void>;

const MARKETPLACE_MOVES = new Set(['open', 'cancelled', 'lost']);

/** Moves an order the way the event implies: the marketplace's own moves through the control API, the rest as the partner. */
async function moveOrder(s: SandboxSession, orderId: string, to: string): Promise<void> {
  if (MARKETPLACE_MOVES.has(to)) {
    await s.expect(200, 'POST', `/__sandbox/orders/${orderId}/move`, { tenant_id: s.tenantId, to, reason: 'The customer withdrew the order' });
    return;
  }
  if (!isOrderTarget(to)) throw new SandboxSessionError(`the verification cannot move an order to ${to} for a message`);
  await orderInStatus(s, orderId, to);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

async function orderOfState(s: SandboxSession, data: ExpectedData): Promise<string> {
  return text(s.provided.order_id) ?? openUnconfirmedOrder(s, text(data.id) ?? 'ord_example');
}

async function productOfState(s: SandboxSession, data: ExpectedData, member: string): Promise<Schemas['Product']> {
  const id = text(s.provided.product_id) ?? (await product(s, String(data[member] ?? 'prod_example')));
  return s.expectJson<Schemas['Product']>(200, 'GET', `/api/v2/products/${id}`);
}

const TRIGGERS: Record<string, Trigger> = {
  'order.created': async (s) => {
    await s.expect(201, 'POST', '/__sandbox/orders/generate', { tenant_id: s.tenantId, count: 1 });
  },
  'order.status_changed': async (s, data) => {
    const id = await orderOfState(s, data);
    const order = await findOrder(s, id);
    if (isOrderTarget(data.previous_status) && order?.status !== data.previous_status) await orderInStatus(s, id, data.previous_status);
    await moveOrder(s, id, text(data.status) ?? 'cancelled');
  },
  'order.cancelled': async (s, data) => moveOrder(s, await orderOfState(s, data), 'cancelled'),
  'order.confirmed': async (s, data) => {
    await s.expect(200, 'PATCH', `/api/v2/orders/${await orderOfState(s, data)}/status`, { confirmed: true });
  },
  'price.updated': async (s, data) => {
    const current = await productOfState(s, data, 'product_id');
    const price = typeof data.price === 'number' && data.price !== current.price ? data.price : Math.round(current.price * 110) / 100;
    await setPrice(s, current.id, price, current.currency);
  },
  'job.completed': async (s) => {
    const { item, location } = await firstStock(s);
    await s.expect(202, 'POST', '/api/v2/inventory/sync', { items: [{ sku: item.sku, quantity: item.quantity + 1, location }] });
  },
  'inventory.updated': async (s, data) => stock(s, data, (item) => item.quantity + 1),
  'inventory.low_stock': async (s, data) => stock(s, data, (item) => item.reserved + Math.max(1, item.low_stock_threshold)),
  'inventory.out_of_stock': async (s, data) => stock(s, data, (item) => Math.min(item.quantity, item.reserved)),
  'product.updated': async (s, data) => {
    const current = await productOfState(s, data, 'id');
    await s.expect(200, 'POST', '/api/v2/availability', { items: [{ id: current.id, status: 'active', in_stock: (current.availability.in_stock + 1) % 10000 }] });
  },
};

/** Sets the SKU's stock so that its total becomes `quantity(item)`, at one location. */
async function stock(s: SandboxSession, data: ExpectedData, quantity: (item: Schemas['InventoryItem']) => number): Promise<void> {
  const code = text(s.provided.sku) ?? (await skuFor(s, String(data.sku ?? 'sku-example')));
  const item = await s.expectJson<Schemas['InventoryItem']>(200, 'GET', `/api/v2/inventory/${encodeURIComponent(code)}`);
  const location = await locationOf(s, item);
  const atLocation = item.locations.find((l) => l.location_id === location)?.quantity ?? 0;
  const others = item.quantity - atLocation;
  await s.expect(200, 'PATCH', `/api/v2/inventory/${encodeURIComponent(code)}`, { quantity: Math.max(0, quantity(item) - others), location });
}

/** Event types the verification can produce, for docs and error messages. */
export const PRODUCIBLE_EVENTS = Object.keys(TRIGGERS);

export async function produceMessage(session: SandboxSession, capture: WebhookCapture, expected: ExpectedMessage): Promise<ProducedMessage> {
  const type = eventTypeOf(expected);
  if (!type) throw new SandboxSessionError(`cannot tell which event "${expected.description}" is: give its content a "type" member (e.g. "order.created")`);
  const trigger = TRIGGERS[type];
  if (!trigger) throw new SandboxSessionError(`the verification cannot make the sandbox emit ${type} (it can: ${PRODUCIBLE_EVENTS.join(', ')})`);
  const content = expected.content as { data?: unknown } | null;
  const data: ExpectedData = content?.data && typeof content.data === 'object' && !Array.isArray(content.data) ? (content.data as ExpectedData) : {};
  return capture.capture(session, type, () => trigger(session, data));
}
