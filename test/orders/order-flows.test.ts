// The order flows a partner connector walks, through the real HTTP pipeline (strict mode):
// driven by signed webhooks to a receiver on 127.0.0.1, or by polling orders/unconfirmed;
// a customer cancel while the parcel is being packed; every illegal move; every required field.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockNow } from '../../src/clock/clock.ts';
import type { Order, OrderStatus } from '../../src/domain/types.ts';
import { apiHandlers } from '../../src/handlers/index.ts';
import { ORDER_STATUSES } from '../../src/domain/types.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

let sb: TestSandbox;
let receiver: Receiver;
let secret: string;

const TRACKING = { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' };

beforeAll(async () => {
  // A manual clock: the test decides when the marketplace acts. Retries scaled down a hundredfold.
  sb = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale: 0.01 } });
  receiver = await startReceiver();
  // No random customer cancels or losses in these flows: the test makes the one it wants.
  expect((await sb.control('PUT', '/__sandbox/orders/rules', { customer_cancel_share: 0, lost_share: 0 })).status).toBe(200);
  const hook = await sb.call('POST', '/api/v2/webhooks', { body: { url: receiver.url, events: ['order.*'], description: 'ERP bridge' } });
  expect(hook.status).toBe(201);
  secret = hook.body.secret;
});

afterAll(async () => {
  await sb.close();
  await receiver.close();
});

const stockOf = (sku: string) => {
  const item = sb.store.tenant('ten_nordwind')!.state.inventory[sku]!;
  return { quantity: item.quantity, reserved: item.reserved, available: item.available };
};

async function generate(count: number, payment_mix = { prepaid: 0, cash_on_delivery: 1 }): Promise<string[]> {
  const res = await sb.control('POST', '/__sandbox/orders/generate', { count, payment_mix });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.orders.map((o: { id: string }) => o.id);
}

const eventsFor = (orderId: string) => receiver.received.filter((r) => r.event.data?.id === orderId);
const patch = (orderId: string, body: unknown) => sb.call('PATCH', `/api/v2/orders/${orderId}/status`, { body });

describe('order flow driven by webhooks', () => {
  it('notified → get detail → confirm → shipping → shipped with tracking → delivered', async () => {
    const [orderId] = await generate(1);
    const created = await receiver.waitFor((r) => r.some((x) => x.event.event === 'order.created' && x.event.data.id === orderId));
    const createdEvent = created.find((x) => x.event.data.id === orderId)!;
    expect(createdEvent.event.data).toMatchObject({ status: 'blocked', confirmed: false });
    const lines: Order['items'] = createdEvent.event.data.items;
    const stockAtCreation = lines.map((l) => stockOf(l.sku));

    // Cash on delivery: the marketplace opens the order within 10 minutes.
    const advanced = await sb.control('POST', '/__sandbox/clock/advance', { seconds: 600 });
    expect(advanced.body.moves).toContainEqual(expect.objectContaining({ order_id: orderId, from_status: 'blocked', to_status: 'open', reason: 'cash_on_delivery_accepted' }));
    await receiver.waitFor(() => eventsFor(orderId!).some((x) => x.event.event === 'order.status_changed' && x.event.data.status === 'open'));

    const detail = await sb.call('GET', `/api/v2/orders/${orderId}`);
    expect(detail.body).toMatchObject({ status: 'open', confirmed: false });

    expect((await patch(orderId!, { confirmed: true })).body).toMatchObject({ status: 'open', confirmed: true });
    expect((await patch(orderId!, { status: 'shipping' })).body.status).toBe('shipping');
    const shipped = await patch(orderId!, { status: 'shipped', ...TRACKING });
    expect(shipped.body).toMatchObject({ status: 'shipped', ...TRACKING });
    const deliveredAt = clockNow(sb.store.tenant('ten_nordwind')!.clock).toISOString();
    const delivered = await patch(orderId!, { status: 'delivered', delivered_at: deliveredAt });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({ status: 'delivered', delivered_at: deliveredAt, paid_at: deliveredAt });
    expect(delivered.body.history.map((h: { status: string }) => h.status)).toEqual(['blocked', 'open', 'shipping', 'shipped', 'delivered']);

    // Every step reached the receiver, in the order it happened, signed.
    await receiver.waitFor(() => eventsFor(orderId!).some((x) => x.event.event === 'order.delivered'));
    const steps = eventsFor(orderId!).map((x) => `${x.event.event}:${x.event.data.status}`);
    expect(steps).toEqual([
      'order.created:blocked',
      'order.status_changed:open',
      'order.confirmed:open',
      'order.status_changed:shipping',
      'order.status_changed:shipped',
      'order.shipped:shipped',
      'order.status_changed:delivered',
      'order.delivered:delivered',
    ]);
    const verifier = new Webhook(secret);
    for (const r of eventsFor(orderId!)) {
      expect(verifier.verify(r.body, r.headers as Record<string, string>)).toEqual(r.event);
      expect(r.headers['x-event-type']).toBe(r.event.event);
      expect(r.headers['x-event-id']).toBe(r.event.event_id);
    }
    expect(eventsFor(orderId!)[1]!.event.data.previous_status).toBe('blocked');

    // Shipping took the units out of stock; what was reserved for the order is no longer.
    lines.forEach((line, i) => {
      const now = stockOf(line.sku);
      expect(now.quantity).toBe(stockAtCreation[i]!.quantity - line.quantity);
      expect(now.reserved).toBe(stockAtCreation[i]!.reserved - line.quantity);
    });
  });
});

describe('order flow by polling orders/unconfirmed', () => {
  it('finds new orders, confirms them, and they leave the list', async () => {
    const ids = await generate(2);
    await sb.control('POST', '/__sandbox/clock/advance', { seconds: 600 });

    const listed = await sb.call('GET', '/api/v2/orders/unconfirmed?limit=100');
    expect(listed.status).toBe(200);
    const mine = listed.body.data.filter((o: Order) => ids.includes(o.id));
    expect(mine.map((o: Order) => o.status)).toEqual(['open', 'open']);

    for (const order of mine) {
      const detail = await sb.call('GET', `/api/v2/orders/${order.id}`);
      expect((await patch(order.id, { confirmed: true, status: 'shipping' })).body).toMatchObject({ confirmed: true, status: 'shipping' });
      expect(detail.body.items.length).toBeGreaterThan(0);
    }
    const after = await sb.call('GET', '/api/v2/orders/unconfirmed?limit=100');
    expect(after.body.data.filter((o: Order) => ids.includes(o.id))).toEqual([]);

    await patch(ids[0]!, { status: 'shipped', ...TRACKING });
    const done = await patch(ids[0]!, { status: 'delivered', delivered_at: '2026-01-15T12:00:00.000Z', first_delivery_attempt: '2026-01-15T11:00:00.000Z' });
    expect(done.body).toMatchObject({ status: 'delivered', first_delivery_attempt: '2026-01-15T11:00:00.000Z' });
  });

  it('a customer cancel while shipping comes back as unconfirmed, must be confirmed, and frees the stock', async () => {
    const [orderId] = await generate(1);
    await sb.control('POST', '/__sandbox/clock/advance', { seconds: 600 });
    await patch(orderId!, { confirmed: true, status: 'shipping' });
    const lines = sb.store.tenant('ten_nordwind')!.state.orders[orderId!]!.items;
    const before = lines.map((l) => stockOf(l.sku));

    const move = await sb.control('POST', `/__sandbox/orders/${orderId}/move`, { to: 'cancelled', reason: 'Customer withdrew the order while it was being packed' });
    expect(move.status, JSON.stringify(move.body)).toBe(200);
    expect(move.body).toMatchObject({ order_id: orderId, from_status: 'shipping', to_status: 'cancelled' });

    const unconfirmed = await sb.call('GET', '/api/v2/orders/unconfirmed?limit=100');
    expect(unconfirmed.body.data.find((o: Order) => o.id === orderId)).toMatchObject({
      status: 'cancelled',
      confirmed: false,
      cancellation_reason: 'Customer withdrew the order while it was being packed',
    });
    await receiver.waitFor(() => eventsFor(orderId!).some((x) => x.event.event === 'order.cancelled'));

    // The connector can no longer ship it, and acknowledges the cancel.
    const ship = expectProblem(await patch(orderId!, { status: 'shipped', ...TRACKING }), 409, 'invalid_transition');
    expect(ship.allowed_next_statuses).toEqual([]);
    expect((await patch(orderId!, { confirmed: true })).body).toMatchObject({ status: 'cancelled', confirmed: true });
    const after = await sb.call('GET', '/api/v2/orders/unconfirmed?limit=100');
    expect(after.body.data.some((o: Order) => o.id === orderId)).toBe(false);

    lines.forEach((line, i) => expect(stockOf(line.sku).reserved).toBe(before[i]!.reserved - line.quantity));
  });
});

describe('illegal moves', () => {
  const PARTNER: Record<OrderStatus, OrderStatus[]> = {
    blocked: [],
    open: ['shipping', 'cancelled'],
    shipping: ['shipped', 'cancelled'],
    shipped: ['delivered', 'returned'],
    delivered: [],
    returned: [],
    lost: [],
    cancelled: [],
  };
  const MARKETPLACE_ONLY: Record<OrderStatus, OrderStatus[]> = {
    blocked: ['open', 'cancelled'],
    open: [],
    shipping: [],
    shipped: ['lost'],
    delivered: [],
    returned: [],
    lost: [],
    cancelled: [],
  };
  const fieldsFor = (to: OrderStatus) => (to === 'shipped' ? TRACKING : to === 'delivered' ? { delivered_at: '2026-01-15T12:00:00.000Z' } : {});
  // The clock advances above paid every fixture order; a new one waits for its payment.
  let blockedId: string;
  beforeAll(async () => {
    [blockedId] = (await generate(1)) as [string];
  });
  const orderIn = (status: OrderStatus): Order =>
    status === 'blocked'
      ? sb.store.tenant('ten_nordwind')!.state.orders[blockedId]!
      : Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === status && o.created_at < '2026-01-15T09:00:00.000Z')!;

  for (const from of ORDER_STATUSES) {
    it(`from ${from}: every move a partner may not make is refused with the allowed next statuses`, async () => {
      const order = orderIn(from);
      const snapshot = JSON.stringify(order);
      for (const to of ORDER_STATUSES) {
        if (to === from || PARTNER[from].includes(to)) continue;
        const res = await patch(order.id, { status: to, ...fieldsFor(to) });
        const forPartner = MARKETPLACE_ONLY[from].includes(to);
        const problem = expectProblem(res, forPartner ? 403 : 409, forPartner ? 'transition_not_allowed_for_partner' : 'invalid_transition');
        expect(problem).toMatchObject({ current_status: from, requested_status: to, allowed_next_statuses: PARTNER[from] });
        expect(problem.detail).toContain(to);
        // A move that skips a status names the one to go through (open → shipping → shipped).
        const via = PARTNER[from].find((next) => PARTNER[next].includes(to));
        if (via) expect(problem).toMatchObject({ next_status: via, detail: expect.stringContaining(`move it to ${via} first`) });
      }
      expect(JSON.stringify(sb.store.tenant('ten_nordwind')!.state.orders[order.id])).toBe(snapshot);
    });
  }

  it('confirming is refused for any status but open and cancelled, with the statuses that can be', async () => {
    for (const status of ['blocked', 'shipping', 'shipped', 'delivered', 'returned'] as const) {
      const order = status === 'blocked' ? orderIn('blocked') : Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === status && !o.confirmed);
      if (!order) continue; // the fixture has no unconfirmed order in this status
      const snapshot = JSON.stringify(order);
      const problem = expectProblem(await patch(order.id, { confirmed: true }), 409, 'order_not_confirmable');
      expect(problem).toMatchObject({ current_status: status, confirmable_statuses: ['open', 'cancelled'] });
      expect(JSON.stringify(sb.store.tenant('ten_nordwind')!.state.orders[order.id])).toBe(snapshot);
    }
    expect(expectProblem(await patch(orderIn('blocked').id, { confirmed: true }), 409, 'order_not_confirmable').detail).toContain('once it is paid');
  });

  it('cancel on an order past shipping is a 409, on a blocked order a 403', async () => {
    const orders = Object.values(sb.store.tenant('ten_nordwind')!.state.orders);
    const delivered = orders.find((o) => o.status === 'delivered')!;
    expectProblem(await sb.call('POST', `/api/v2/orders/${delivered.id}/cancel`, { body: { reason: 'too late' } }), 409, 'invalid_transition');
    expectProblem(await sb.call('POST', `/api/v2/orders/${orderIn('blocked').id}/cancel`), 403, 'transition_not_allowed_for_partner');
  });
});

describe('fields each status requires', () => {
  let openId: string;
  let shippingId: string;
  beforeAll(() => {
    const fixtureOrder = (status: OrderStatus) =>
      Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === status && o.created_at < '2026-01-15T09:00:00.000Z')!.id;
    openId = fixtureOrder('open');
    shippingId = fixtureOrder('shipping');
  });
  const pointers = (body: any) => body.errors.map((e: { pointer: string }) => e.pointer);

  for (const field of ['carrier', 'tracking_number', 'tracking_url'] as const) {
    it(`shipped without ${field} is a 400 pointing at it`, async () => {
      const { [field]: _missing, ...rest } = TRACKING;
      const problem = expectProblem(await patch(shippingId, { status: 'shipped', ...rest }), 400, 'validation_failed');
      expect(pointers(problem)).toEqual([`/body/${field}`]);
    });
  }

  it('a tracking number with characters outside [0-9A-Za-z_-] is a 400', async () => {
    const problem = expectProblem(await patch(openId, { status: 'shipped', ...TRACKING, tracking_number: 'JJD 0003/9' }), 400, 'validation_failed');
    expect(pointers(problem)).toEqual(['/body/tracking_number']);
  });

  it('a tracking URL that is not a URL is a 400', async () => {
    const problem = expectProblem(await patch(openId, { status: 'shipped', ...TRACKING, tracking_url: 'dhl tracking page' }), 400, 'validation_failed');
    expect(pointers(problem)).toEqual(['/body/tracking_url']);
  });

  it('delivered_at with another status is a 400', async () => {
    const problem = expectProblem(await patch(openId, { status: 'shipping', delivered_at: '2026-01-15T12:00:00.000Z' }), 400, 'validation_failed');
    expect(pointers(problem)).toEqual(['/body/delivered_at']);
    expect(problem.detail).toContain('delivered');
  });

  it('delivered without delivered_at is a 400; a first attempt after delivery too', async () => {
    const shipped = Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'shipped' && o.created_at < '2026-01-15T09:00:00.000Z')!;
    expect(pointers(expectProblem(await patch(shipped.id, { status: 'delivered' }), 400, 'validation_failed'))).toEqual(['/body/delivered_at']);
    const late = await patch(shipped.id, { status: 'delivered', delivered_at: '2026-01-15T10:00:00.000Z', first_delivery_attempt: '2026-01-15T11:00:00.000Z' });
    expect(pointers(expectProblem(late, 400, 'validation_failed'))).toEqual(['/body/first_delivery_attempt']);
    expect(sb.store.tenant('ten_nordwind')!.state.orders[shipped.id]!.status).toBe('shipped');
  });

  it('an empty update is a 400 (at least one member)', async () => {
    expectProblem(await patch(openId, {}), 400, 'validation_failed');
  });
});

describe('an update that changes nothing', () => {
  it('answers the same, emits nothing, and is noted as a duplicate update', async () => {
    const order = Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'shipping' && o.confirmed)!;
    const seen: string[] = [];
    const stop = sb.events.subscribe((e) => seen.push(e.event));
    const first = await patch(order.id, { status: 'shipping', confirmed: true });
    const second = await patch(order.id, { status: 'shipping', confirmed: true });
    stop();
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(seen).toEqual([]);

    // The note travels on the handler's reply (the pipeline hands it to the request journal).
    const tenant = sb.store.tenant('ten_nordwind')!;
    const reply = await apiHandlers.updateOrderStatus!(
      { operation: sb.api.operations.find((o) => o.operationId === 'updateOrderStatus')!, path: { order_id: order.id }, query: {}, headers: {}, body: { confirmed: true } },
      { store: sb.store, events: sb.events, tenant, now: () => clockNow(tenant.clock), webhooks: sb.webhooks },
    );
    expect(reply.notes).toEqual(['duplicate_update']);
  });
});

describe('request shapes of the marketplace documentation', () => {
  it('date_from and date_to take a date alone: the start and the end of that UTC day', async () => {
    const orders = Object.values(sb.store.tenant('ten_nordwind')!.state.orders);
    const day = orders[0]!.created_at.slice(0, 10);
    const expected = orders.filter((o) => o.created_at.startsWith(day)).map((o) => o.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    const res = await sb.call('GET', `/api/v2/orders?date_from=${day}&date_to=${day}&limit=100`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((o: Order) => o.id).sort()).toEqual(expected);
    // The date-time forms mean the same range.
    const exact = await sb.call('GET', `/api/v2/orders?date_from=${day}T00:00:00.000Z&date_to=${day}T23:59:59.999Z&limit=100`);
    expect(exact.body.data.map((o: Order) => o.id).sort()).toEqual(expected);
    expectProblem(await sb.call('GET', '/api/v2/orders?date_from=2025-13-45'), 400, 'validation_failed');
  });

  it('a cancel with refund records it on the order', async () => {
    const order = Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'open' && o.created_at < '2026-01-15T09:00:00.000Z')!;
    const res = await sb.call('POST', `/api/v2/orders/${order.id}/cancel`, { body: { reason: 'out_of_stock', refund: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation_reason: 'out_of_stock', refund_requested: true });
    expect((await sb.call('GET', `/api/v2/orders/${order.id}`)).body.refund_requested).toBe(true);
    expectProblem(await sb.call('POST', `/api/v2/orders/${order.id}/cancel`, { body: { refund: 'yes' } }), 400, 'validation_failed');
  });
});
