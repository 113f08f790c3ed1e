// `marketplace-sandbox trigger EVENT`: makes the change that emits EVENT, as a partner (its key on
// the partner API) and as the marketplace or a carrier (the same key on the control API, which
// accepts a tenant's own credential for generateOrders, moveOrderAsMarketplace and
// moveShipmentAsCarrier), on the tenant's existing data; then reads the event feed for the ids.
import { ControlClient } from '../control/client.ts';

type Api = ControlClient;
interface Order {
  id: string;
  status: string;
  items: { id: string; sku: string }[];
}
interface Product {
  id: string;
  sku: string;
  price: number;
  status: string;
  variants: unknown[];
}

const TRACKING = { carrier: 'DHL', tracking_number: '00340434161094027318', tracking_url: 'https://www.dhl.de/en/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094027318' };

/** A new order the marketplace has opened (generated, then moved blocked → open). */
async function openOrder(api: Api, generate: Record<string, unknown> = {}): Promise<Order> {
  const generated = await api.call<{ orders: { id: string }[] }>('POST', '/__sandbox/orders/generate', { count: 1, ...generate });
  const id = generated.orders[0]!.id;
  await api.call('POST', `/__sandbox/orders/${id}/move`, { to: 'open', reason: 'Payment received (marketplace-sandbox trigger)' });
  return api.call<Order>('GET', `/api/v2/orders/${id}`);
}

const moveOrder = (api: Api, id: string, body: Record<string, unknown>) => api.call<Order>('PATCH', `/api/v2/orders/${id}/status`, body);

async function shippedOrder(api: Api): Promise<Order> {
  const order = await openOrder(api);
  await moveOrder(api, order.id, { status: 'shipping' });
  return moveOrder(api, order.id, { status: 'shipped', ...TRACKING });
}

async function deliveredOrder(api: Api): Promise<Order> {
  const order = await shippedOrder(api);
  return moveOrder(api, order.id, { status: 'delivered', delivered_at: new Date().toISOString() });
}

async function parcel(api: Api): Promise<string> {
  const order = await openOrder(api);
  await moveOrder(api, order.id, { status: 'shipping' });
  const shipment = await api.call<{ id: string }>('POST', `/api/v2/orders/${order.id}/shipments`, { ...TRACKING, item_ids: order.items.map((i) => i.id) });
  return shipment.id;
}

async function liveProduct(api: Api): Promise<Product> {
  const page = await api.call<{ data: Product[] }>('GET', '/api/v2/products?limit=50');
  const product = page.data.find((p) => p.status === 'live' && p.variants.length === 0 && p.price > 1);
  if (!product) throw new Error('the tenant has no live product without variants to change; reset it (marketplace-sandbox reset) and try again.');
  return product;
}

const moveShipment = (to: string) => async (api: Api) => {
  await api.call('POST', `/__sandbox/shipments/${await parcel(api)}/move`, { to, reason: `Forced by marketplace-sandbox trigger` });
};

export interface Trigger {
  /** One line: what trigger does to make the event. */
  how: string;
  run(api: Api): Promise<unknown>;
}

/** Every event type trigger can make, with how. */
export const TRIGGERS: Record<string, Trigger> = {
  'order.created': { how: 'the marketplace generates an order (POST /__sandbox/orders/generate)', run: (api) => api.call('POST', '/__sandbox/orders/generate', { count: 1 }) },
  'customer.created': { how: 'the marketplace generates an order from a new customer', run: (api) => api.call('POST', '/__sandbox/orders/generate', { count: 1 }) },
  'order.status_changed': { how: 'a generated order is opened by the marketplace', run: (api) => openOrder(api) },
  'order.confirmed': { how: 'an open order is confirmed (PATCH /api/v2/orders/{id}/status confirmed: true)', run: async (api) => moveOrder(api, (await openOrder(api)).id, { confirmed: true }) },
  'order.cancelled': {
    how: 'the marketplace cancels an open order (POST /__sandbox/orders/{id}/move to: cancelled)',
    run: async (api) => api.call('POST', `/__sandbox/orders/${(await openOrder(api)).id}/move`, { to: 'cancelled', reason: 'Cancelled by marketplace-sandbox trigger' }),
  },
  'payment.succeeded': { how: 'the marketplace opens a generated prepaid order (it is paid then)', run: (api) => openOrder(api, { payment_mix: { prepaid: 1, cash_on_delivery: 0 } }) },
  'order.shipped': { how: 'an open order is moved to shipping, then shipped with tracking', run: (api) => shippedOrder(api) },
  'order.delivered': { how: 'a shipped order is reported delivered', run: (api) => deliveredOrder(api) },
  'order.returned': { how: 'a shipped order is reported returned', run: async (api) => moveOrder(api, (await shippedOrder(api)).id, { status: 'returned' }) },
  'shipment.created': { how: 'a parcel is registered for an order in shipping (POST /api/v2/orders/{id}/shipments)', run: parcel },
  'shipment.delayed': { how: 'the carrier delays a new parcel (POST /__sandbox/shipments/{id}/move to: delayed)', run: moveShipment('delayed') },
  'shipment.exception': { how: 'the carrier cannot deliver a new parcel (POST /__sandbox/shipments/{id}/move to: exception)', run: moveShipment('exception') },
  'price.updated': {
    how: 'a live product\'s price goes up 1% (PUT /api/v2/products/{id}/price)',
    run: async (api) => {
      const product = await liveProduct(api);
      return api.call('PUT', `/api/v2/products/${product.id}/price`, { price: Math.round(product.price * 101) / 100 });
    },
  },
  'inventory.updated': {
    how: 'a live product\'s stock at loc_berlin is set one higher (PATCH /api/v2/inventory/{sku})',
    run: async (api) => {
      const product = await liveProduct(api);
      const item = await api.call<{ locations?: { location: string; quantity: number }[] }>('GET', `/api/v2/inventory/${encodeURIComponent(product.sku)}`);
      const here = item.locations?.find((l) => l.location === 'loc_berlin')?.quantity ?? 0;
      return api.call('PATCH', `/api/v2/inventory/${encodeURIComponent(product.sku)}`, { quantity: here + 1, location: 'loc_berlin' });
    },
  },
  'product.updated': {
    how: 'a live product is retitled (PATCH /api/v2/products/{id})',
    run: async (api) => {
      const product = await liveProduct(api);
      return api.call('PATCH', `/api/v2/products/${product.id}`, { title: `${product.sku} (retitled by marketplace-sandbox trigger ${Date.now()})` });
    },
  },
};

/** Event types trigger cannot make, and why. */
export const NOT_TRIGGERABLE: Record<string, string> = {
  'order.updated': 'needs an order whose tracking changes without a status move: change one yourself (PATCH /api/v2/orders/{id}/status with new tracking)',
  'shipment.in_transit': 'comes 6 hours after a parcel is registered, on the sandbox clock: trigger shipment.created, then advance the clock (POST /__sandbox/clock/advance, admin token)',
  'shipment.delivered': 'comes 2 days after a parcel is registered, on the sandbox clock: as shipment.in_transit',
  'return.updated': 'needs a return the partner moves: PATCH /api/v2/returns/{id} on one of the tenant\'s returns',
  'inventory.low_stock': 'depends on a sku\'s threshold: set its stock to the threshold (PATCH /api/v2/inventory/{sku})',
  'inventory.out_of_stock': 'sets a sku to 0, which hides the product from new orders: do it yourself (PATCH /api/v2/inventory/{sku} quantity 0)',
  'product.created': 'creates a product that stays in the catalogue: POST /api/v2/products with your own sku',
  'product.deleted': 'deletes a product for good: DELETE /api/v2/products/{id} on one you can spare',
  'product.activated': 'needs a draft product: create one, then POST /api/v2/products/activate',
  'product.out_of_stock': 'empties a product\'s stock: as inventory.out_of_stock',
  'product.back_in_stock': 'needs a product out of stock first: as inventory.out_of_stock, then raise its stock',
  'job.completed': 'comes when an inventory sync job finishes: POST /api/v2/inventory/sync',
  'job.failed': 'the sandbox fails a job only when its processing breaks off',
  'payment.failed': 'comes when the marketplace cancels an unpaid prepaid order, on its clock',
  'payment.refunded': 'comes when a paid order is cancelled or a return accepted',
  'payout.initiated': 'comes at the end of a sandbox week with settled payments: advance the clock past Monday 00:00 UTC',
  'payout.completed': 'two sandbox days after payout.initiated',
  'payout.failed': 'declared only: the sandbox does not fail payouts yet',
  'webhook.ping': 'is not in the event feed: POST /api/v2/webhooks/{id}/ping sends it to that subscription alone',
};

/** The text of `trigger --list`. */
export function triggerList(): string {
  const width = Math.max(...[...Object.keys(TRIGGERS), ...Object.keys(NOT_TRIGGERABLE)].map((t) => t.length));
  return [
    ...Object.entries(TRIGGERS).map(([type, t]) => `${type.padEnd(width)}  ${t.how}`),
    '',
    'not triggerable:',
    ...Object.entries(NOT_TRIGGERABLE).map(([type, why]) => `${type.padEnd(width)}  ${why}`),
  ].join('\n');
}

interface FeedPage {
  data: { event: string; event_id: string }[];
  pagination: { next_cursor: string; has_more: boolean };
}

/** The cursor at the end of the feed now. */
async function feedEnd(api: Api): Promise<string> {
  let cursor: string | undefined;
  for (;;) {
    const page: FeedPage = await api.call('GET', `/api/v2/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    cursor = page.pagination.next_cursor;
    if (!page.pagination.has_more) return cursor;
  }
}

/** Makes the change and answers the ids of the events of that type it caused (read from the feed). */
export async function trigger(type: string, options: { url: string; key: string }): Promise<string[]> {
  const recipe = TRIGGERS[type];
  if (!recipe) throw new Error(`unknown event`);
  const api = new ControlClient({ url: options.url, adminToken: options.key });
  const from = await feedEnd(api);
  await recipe.run(api);
  const ids: string[] = [];
  let cursor = from;
  for (;;) {
    const page: FeedPage = await api.call('GET', `/api/v2/events?limit=100&type=${encodeURIComponent(type)}&cursor=${cursor}`);
    ids.push(...page.data.map((e) => e.event_id));
    cursor = page.pagination.next_cursor;
    if (!page.pagination.has_more) return ids;
  }
}
