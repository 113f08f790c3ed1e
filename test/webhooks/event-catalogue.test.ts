// The documented event catalogue through the real server: each new event type is caused by the
// state change it names and reaches a subscribed receiver, and every body a receiver gets
// validates against the spec's `webhooks` entry of its type. Shipments move on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAjv } from '../../src/contract/ajv.ts';
import { loadDocument } from '../../src/contract/operations.ts';
import { productStockEvent, sellableStock } from '../../src/domain/product-stock.ts';
import { decideForcedShipmentMove, DEFAULT_SHIPMENT_RULES, nextShipmentMove } from '../../src/domain/shipments.ts';
import type { Product, Shipment } from '../../src/domain/types.ts';
import { DECLARED_NOT_EMITTED, EVENT_TYPES } from '../../src/events/builders.ts';
import { DEFAULT_SPEC } from '../../src/sandbox-files.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

describe('product stock transitions (src/domain/product-stock.ts)', () => {
  it('are out of stock from above 0 to 0 and back in stock from 0 to above 0, and nothing else', () => {
    expect(productStockEvent(3, 0)).toBe('product.out_of_stock');
    expect(productStockEvent(0, 2)).toBe('product.back_in_stock');
    expect(productStockEvent(3, 1)).toBeNull();
    expect(productStockEvent(0, 0)).toBeNull();
  });
  it("count a product's own stock, or its variants' together", () => {
    const availability = (in_stock: number) => ({ status: 'active' as const, in_stock });
    expect(sellableStock({ availability: availability(4), variants: [] })).toBe(4);
    expect(sellableStock({ availability: availability(9), variants: [{ availability: availability(0) }, { availability: availability(2) }] as Product['variants'] })).toBe(2);
  });
});

describe('shipment tracking (src/domain/shipments.ts)', () => {
  const shipment: Shipment = {
    id: 'shp_a', order_id: 'ord_a', carrier: 'DHL', tracking_number: '1', tracking_url: 'https://t.example/1', item_ids: [],
    status: 'created', status_reason: null, in_transit_at: null, delivered_at: null,
    created_at: '2026-01-15T09:00:00.000Z', updated_at: '2026-01-15T09:00:00.000Z',
  };
  it('is in transit 6 h after creation and delivered 2 days after it, counting from the clock start for older parcels', () => {
    expect(nextShipmentMove(shipment, DEFAULT_SHIPMENT_RULES, '2026-01-01T00:00:00.000Z')).toMatchObject({ to: 'in_transit', at: '2026-01-15T15:00:00.000Z' });
    expect(nextShipmentMove({ ...shipment, status: 'in_transit' }, DEFAULT_SHIPMENT_RULES, '2026-01-20T00:00:00.000Z')).toMatchObject({ to: 'delivered', at: '2026-01-22T00:00:00.000Z' });
    expect(nextShipmentMove({ ...shipment, status: 'exception' }, DEFAULT_SHIPMENT_RULES, shipment.created_at)).toBeNull();
  });
  it('takes a delay only before delivery, and an exception never twice', () => {
    expect(decideForcedShipmentMove(shipment, 'delayed', shipment.created_at).kind).toBe('apply');
    expect(decideForcedShipmentMove({ ...shipment, status: 'delivered' }, 'delayed', shipment.created_at).kind).toBe('invalid_transition');
    expect(decideForcedShipmentMove({ ...shipment, status: 'exception' }, 'exception', shipment.created_at).kind).toBe('invalid_transition');
  });
});

describe('the event catalogue through the server', () => {
  let sb: TestSandbox;
  let receiver: Receiver;
  let validate: (body: unknown) => string | null;
  const state = () => sb.store.tenant('ten_nordwind')!.state;
  const received = (type: string) => receiver.received.filter((r) => r.event.event === type);
  const arrives = (type: string, match: (data: any) => boolean = () => true) =>
    receiver.waitFor((all) => all.some((r) => r.event.event === type && match(r.event.data)));

  beforeAll(async () => {
    const doc = (await loadDocument(DEFAULT_SPEC)) as unknown as { webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: object } } } } }>; components: object };
    const ajv = createAjv({ strict: false, allErrors: true });
    ajv.addSchema({ ...doc, $id: 'spec' } as object);
    const byType = new Map(Object.entries(doc.webhooks).map(([type, entry]) => [type, ajv.compile({ $ref: `spec#/webhooks/${type.replace(/~/g, '~0').replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema` })]));
    validate = (body: any) => {
      const check = byType.get(body.event);
      if (!check) return `no webhooks entry for ${body.event}`;
      return check(body) ? null : `${body.event}: ${ajv.errorsText(check.errors)}`;
    };
    sb = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale: 0.001 } });
    receiver = await startReceiver();
    const hook = await sb.call('POST', '/api/v2/webhooks', { body: { url: receiver.url, events: ['*'] } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
  });
  afterAll(async () => {
    await sb?.close();
    await receiver?.close();
  });

  it('has a webhooks entry in the spec for every event type, and subscribes to each by name', async () => {
    const doc = (await loadDocument(DEFAULT_SPEC)) as unknown as { webhooks: Record<string, unknown>; components: { schemas: Record<string, any> } };
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const { Order, OrderStatusChange, EventType } = doc.components.schemas;
    expect(Object.keys(OrderStatusChange.properties)).toEqual([...Object.keys(Order.properties), 'previous_status']);
    expect(EventType.enum).toEqual([...EVENT_TYPES]);
    const named = await sb.call('POST', '/api/v2/webhooks', { body: { url: receiver.url, events: EVENT_TYPES.filter((t) => t !== 'webhook.ping') } });
    expect(named.status, JSON.stringify(named.body)).toBe(201);
    await sb.call('DELETE', `/api/v2/webhooks/${named.body.id}`);
  });

  it('product.out_of_stock when sellable stock reaches 0, product.back_in_stock when it comes back', async () => {
    const product = Object.values(state().products).find((p) => p.variants.length === 0 && p.deleted_at === null && p.availability.in_stock > 0 && state().inventory[p.sku]!.reserved === 0)!;
    for (const l of state().inventory[product.sku]!.locations) {
      expect((await sb.call('PATCH', `/api/v2/inventory/${product.sku}`, { body: { location: l.location_id, quantity: 0 } })).status).toBe(200);
    }
    await arrives('product.out_of_stock', (d) => d.id === product.id);
    expect(received('product.out_of_stock').filter((r) => r.event.data.id === product.id)).toHaveLength(1);
    expect(received('product.out_of_stock').at(-1)!.event.data.availability.in_stock).toBe(0);
    await sb.call('PATCH', `/api/v2/inventory/${product.sku}`, { body: { location: 'loc_berlin', quantity: 5 } });
    await arrives('product.back_in_stock', (d) => d.id === product.id && d.availability.in_stock === 5);
    // The availability batch is a path too.
    const batch = await sb.call('POST', '/api/v2/availability', { body: { items: [{ id: product.id, status: 'active', in_stock: 0 }] } });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    await receiver.waitFor((all) => all.filter((r) => r.event.event === 'product.out_of_stock' && r.event.data.id === product.id).length === 2);
  });

  it('order.shipped, order.delivered and order.returned follow the status moves, next to order.status_changed', async () => {
    const order = Object.values(state().orders).find((o) => o.status === 'shipping')!;
    const shipped = await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, {
      body: { status: 'shipped', carrier: 'DHL', tracking_number: 'JJD0011', tracking_url: 'https://tracking.example/DHL/JJD0011' },
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await arrives('order.shipped', (d) => d.id === order.id && d.status === 'shipped');
    const delivered = await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { status: 'delivered', delivered_at: '2026-01-15T08:00:00.000Z' } });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    await arrives('order.delivered', (d) => d.id === order.id);
    // shipped → returned is the partner's other way out of shipped.
    const other = Object.values(state().orders).find((o) => o.status === 'shipped' && o.id !== order.id)!;
    const returned = await sb.call('PATCH', `/api/v2/orders/${other.id}/status`, { body: { status: 'returned' } });
    expect(returned.status, JSON.stringify(returned.body)).toBe(200);
    await arrives('order.returned', (d) => d.id === other.id && d.status === 'returned');
    expect(received('order.status_changed').filter((r) => r.event.data.id === order.id).map((r) => r.event.data.status)).toEqual(['shipped', 'delivered']);
  });

  it('customer.created for the first order of a customer, before its order.created', async () => {
    const generated = await sb.control('POST', '/__sandbox/orders/generate', { count: 3 });
    expect(generated.status, JSON.stringify(generated.body)).toBe(201);
    const ids = generated.body.orders.map((o: { id: string }) => o.id);
    await receiver.waitFor((all) => ids.every((id: string) => all.some((r) => r.event.event === 'order.created' && r.event.data.id === id)));
    const created = received('customer.created').filter((r) => ids.includes(r.event.data.first_order_id));
    expect(created.length).toBeGreaterThan(0);
    for (const c of created) expect(state().orders[c.event.data.first_order_id]!.customer.email).toBe(c.event.data.email);
  });

  it('shipments go in transit and are delivered on a manual clock only when it is advanced; delays and exceptions are forced', async () => {
    const order = Object.values(state().orders).find((o) => o.status === 'shipped')!;
    const made = await sb.call('POST', `/api/v2/orders/${order.id}/shipments`, { body: { carrier: 'DHL', tracking_number: 'JJD0022', tracking_url: 'https://tracking.example/DHL/JJD0022' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ status: 'created', in_transit_at: null, delivered_at: null });
    const id = made.body.id;
    const advance = (seconds: number) => sb.control('POST', '/__sandbox/clock/advance', { seconds });
    expect((await advance(5 * 3600)).body.shipment_moves.filter((m: { shipment_id: string }) => m.shipment_id === id)).toEqual([]);
    expect((await sb.call('GET', `/api/v2/shipments/${id}`)).body.status).toBe('created');
    const later = await advance(3600);
    expect(later.body.shipment_moves).toContainEqual(expect.objectContaining({ shipment_id: id, from_status: 'created', to_status: 'in_transit' }));
    await arrives('shipment.in_transit', (d) => d.id === id);
    expect((await sb.call('GET', `/api/v2/shipments/${id}`)).body).toMatchObject({ status: 'in_transit', in_transit_at: later.body.shipment_moves.find((m: { shipment_id: string }) => m.shipment_id === id).at });

    const delayed = await sb.control('POST', `/__sandbox/shipments/${id}/move`, { to: 'delayed', reason: 'Storm' });
    expect(delayed.status, JSON.stringify(delayed.body)).toBe(200);
    await arrives('shipment.delayed', (d) => d.id === id && d.status_reason === 'Storm');
    await advance(24 * 3600);
    await arrives('shipment.delivered', (d) => d.id === id);
    const shown = (await sb.call('GET', `/api/v2/shipments/${id}`)).body;
    expect(shown).toMatchObject({ status: 'delivered', status_reason: null });
    expect(state().orders[order.id]!.status).toBe('shipped'); // a delivered parcel does not move its order

    expectProblem(await sb.control('POST', `/__sandbox/shipments/${id}/move`, { to: 'delayed' }), 409, 'invalid_transition');
    expectProblem(await sb.control('POST', '/__sandbox/shipments/shp_nosuch/move', { to: 'exception' }), 404);
    expectProblem(await sb.control('POST', `/__sandbox/shipments/${id}/move`, { to: 'lost' }), 400);
    const other = Object.values(state().shipments).find((s) => s.status === 'in_transit')!;
    expect((await sb.control('POST', `/__sandbox/shipments/${other.id}/move`, { to: 'exception' })).status).toBe(200);
    await arrives('shipment.exception', (d) => d.id === other.id);
  });

  it('delivers every body as its webhooks entry describes it, and none of the declared-only types', async () => {
    expect(receiver.received.length).toBeGreaterThan(10);
    expect(receiver.received.map((r) => validate(JSON.parse(r.body))).filter(Boolean)).toEqual([]);
    const emitted = new Set(receiver.received.map((r) => r.event.event));
    for (const type of ['order.shipped', 'order.delivered', 'order.returned', 'product.out_of_stock', 'product.back_in_stock', 'customer.created', 'shipment.in_transit', 'shipment.delivered', 'shipment.delayed', 'shipment.exception']) {
      expect(emitted.has(type), type).toBe(true);
    }
    expect(DECLARED_NOT_EMITTED.filter((t) => emitted.has(t))).toEqual([]);
  });
});
