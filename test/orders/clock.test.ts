// The sandbox clock and the marketplace moves it drives, through the control API: advancing opens
// paid orders and cancels unpaid ones; realtime clocks do the same on their own as time passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../src/events/bus.ts';
import { expectProblem, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { waitUntil } from '../support/webhook-receiver.ts';

const START = '2026-01-15T09:00:00.000Z';
const DAY = 86_400;

describe('manual clock', () => {
  let sb: TestSandbox;
  const events: SandboxEvent[] = [];
  beforeAll(async () => {
    sb = await startSandbox({ clock: { mode: 'manual', factor: 1 } });
    sb.events.subscribe((e) => events.push(e));
  });
  afterAll(() => sb.close());

  it('reads the default tenant\'s clock, or another tenant\'s, standing still in manual mode', async () => {
    const clock = await sb.control('GET', '/__sandbox/clock');
    expect(clock.status).toBe(200);
    expect(clock.body).toMatchObject({ tenant_id: 'ten_nordwind', now: START, mode: 'manual', factor: 1 });
    expect(clock.body.upcoming_moves).toBeGreaterThan(0);
    expect(Date.parse(clock.body.next_move_at)).toBeGreaterThan(Date.parse(START));
    expect((await sb.control('GET', '/__sandbox/clock?tenant_id=ten_suedhafen')).body.tenant_id).toBe('ten_suedhafen');
    expectProblem(await sb.control('GET', '/__sandbox/clock?tenant_id=ten_nobody'), 404, 'not_found');
    // A tenant's own key reads its own clock only (partnerCredential): test/access/partner-self-service.test.ts.
    expect((await sb.call('GET', '/__sandbox/clock', { key: KEY_B })).body.tenant_id).toBe('ten_suedhafen');
    expectProblem(await sb.call('GET', '/__sandbox/clock?tenant_id=ten_nordwind', { key: KEY_B }), 404, 'not_found');
    expectProblem(await sb.call('GET', '/__sandbox/clock', { key: 'mk_test_nosuchkey' }), 401);
  });

  it('advancing drives blocked → open: cash on delivery within 10 minutes, prepaid after the payment delay', async () => {
    await sb.control('PUT', '/__sandbox/orders/rules', { prepaid_payment_delay_seconds: 900, unpaid_prepaid_share: 0, customer_cancel_share: 0 });
    const cod = (await sb.control('POST', '/__sandbox/orders/generate', { count: 3, payment_mix: { prepaid: 0, cash_on_delivery: 1 } })).body.orders;
    const prepaid = (await sb.control('POST', '/__sandbox/orders/generate', { count: 2, payment_mix: { prepaid: 1, cash_on_delivery: 0 } })).body.orders;
    const ids = [...cod, ...prepaid].map((o: { id: string }) => o.id);
    const status = async (id: string) => (await sb.call('GET', `/api/v2/orders/${id}`)).body.status;
    expect(await Promise.all(ids.map(status))).toEqual(['blocked', 'blocked', 'blocked', 'blocked', 'blocked']);

    events.length = 0;
    const tenMinutes = await sb.control('POST', '/__sandbox/clock/advance', { seconds: 600 });
    expect(tenMinutes.status).toBe(200);
    expect(tenMinutes.body).toMatchObject({ tenant_id: 'ten_nordwind', from: START, now: '2026-01-15T09:10:00.000Z' });
    expect(await Promise.all(ids.map(status))).toEqual(['open', 'open', 'open', 'blocked', 'blocked']);

    // Moves happen in time order, each at its own time, and their events say so.
    const times = tenMinutes.body.moves.map((m: { at: string }) => m.at);
    expect(times).toEqual([...times].sort());
    const opened = events.filter((e) => e.event === 'order.status_changed' && ids.includes((e.data as { id: string }).id));
    expect(opened.map((e) => e.timestamp)).toEqual(
      tenMinutes.body.moves.filter((m: { order_id: string }) => ids.includes(m.order_id)).map((m: { at: string }) => m.at),
    );

    const later = await sb.control('POST', '/__sandbox/clock/advance', { until: '2026-01-15T09:15:00.000Z' });
    expect(later.body.moves.filter((m: { order_id: string }) => ids.includes(m.order_id))).toEqual(
      // Moves due at the same instant go in order id order, so runs are repeatable.
      prepaid
        .map((o: { id: string }) => ({ order_id: o.id, from_status: 'blocked', to_status: 'open', at: '2026-01-15T09:15:00.000Z', reason: 'payment_received' }))
        .sort((a: { order_id: string }, b: { order_id: string }) => a.order_id.localeCompare(b.order_id)),
    );
    const paid = (await sb.call('GET', `/api/v2/orders/${prepaid[0].id}`)).body;
    expect(paid).toMatchObject({ status: 'open', confirmed: false, paid_at: '2026-01-15T09:15:00.000Z' });
  });

  it('cancels unpaid prepaid orders after the configured days, releasing their stock', async () => {
    await sb.control('PUT', '/__sandbox/orders/rules', { unpaid_prepaid_share: 1, unpaid_prepaid_cancel_after_days: 2 });
    const [order] = (await sb.control('POST', '/__sandbox/orders/generate', { count: 1, payment_mix: { prepaid: 1, cash_on_delivery: 0 } })).body.orders;
    const tenant = sb.store.tenant('ten_nordwind')!;
    const lines = tenant.state.orders[order.id]!.items;
    const reserved = lines.map((l) => tenant.state.inventory[l.sku]!.reserved);

    await sb.control('POST', '/__sandbox/clock/advance', { seconds: DAY });
    expect((await sb.call('GET', `/api/v2/orders/${order.id}`)).body.status).toBe('blocked');
    const cancelled = await sb.control('POST', '/__sandbox/clock/advance', { seconds: DAY + 60 });
    expect(cancelled.body.moves).toContainEqual(expect.objectContaining({ order_id: order.id, to_status: 'cancelled', reason: 'payment_timeout' }));
    const after = (await sb.call('GET', `/api/v2/orders/${order.id}`)).body;
    expect(after).toMatchObject({ status: 'cancelled', confirmed: false, cancellation_reason: 'Payment was not received in time' });
    expect(after.history.map((h: { status: string }) => h.status)).toEqual(['blocked', 'cancelled']);
    lines.forEach((l, i) => expect(tenant.state.inventory[l.sku]!.reserved).toBe(reserved[i]! - l.quantity));
    const unconfirmed = await sb.call('GET', '/api/v2/orders/unconfirmed?limit=100');
    expect(unconfirmed.body.data.some((o: { id: string }) => o.id === order.id)).toBe(true);
  });

  it('never goes back, and wants exactly one of seconds and until', async () => {
    const problem = expectProblem(await sb.control('POST', '/__sandbox/clock/advance', { until: START }), 409, 'clock_cannot_go_back');
    expect(problem.errors[0].pointer).toBe('/body/until');
    expectProblem(await sb.control('POST', '/__sandbox/clock/advance', {}), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/clock/advance', { seconds: 10, until: '2027-01-01T00:00:00Z' }), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/clock/advance', { seconds: -5 }), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/clock/advance', { until: 'tomorrow' }), 400, 'validation_failed');
  });

  it('makes a move on demand, refusing what the machine does not allow', async () => {
    const orders = Object.values(sb.store.tenant('ten_nordwind')!.state.orders);
    const delivered = orders.find((o) => o.status === 'delivered')!;
    const refused = expectProblem(await sb.control('POST', `/__sandbox/orders/${delivered.id}/move`, { to: 'cancelled' }), 409, 'invalid_transition');
    expect(refused.allowed_next_statuses).toEqual([]);
    const partnerCarried = orders.find((o) => o.status === 'shipped' && o.fulfilment === 'partner')!;
    expectProblem(await sb.control('POST', `/__sandbox/orders/${partnerCarried.id}/move`, { to: 'lost' }), 409, 'not_marketplace_carried');
    const ownCarrier = orders.find((o) => o.status === 'shipped' && o.fulfilment === 'marketplace');
    if (ownCarrier) {
      const lost = await sb.control('POST', `/__sandbox/orders/${ownCarrier.id}/move`, { to: 'lost' });
      expect(lost.body).toMatchObject({ from_status: 'shipped', to_status: 'lost', reason: 'scenario' });
    }
    expectProblem(await sb.control('POST', '/__sandbox/orders/ord_unknown1/move', { to: 'open' }), 404, 'not_found');
    expectProblem(await sb.control('POST', `/__sandbox/orders/${delivered.id}/move`, { to: 'delivered' }), 400, 'validation_failed');
  });

  it('generates realistic orders from the catalogue, and says so when asked for nonsense', async () => {
    const res = await sb.control('POST', '/__sandbox/orders/generate', { count: 4, items_per_order: 2, seed: 77 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenant_id: 'ten_nordwind', requested: 4, seed: 77 });
    for (const summary of res.body.orders) {
      const order = (await sb.call('GET', `/api/v2/orders/${summary.id}`)).body;
      expect(order).toMatchObject({ status: 'blocked', confirmed: false, currency: 'EUR' });
      expect(order.items).toHaveLength(2);
      expect(order.order_number).toMatch(/^MS-2026-\d{6}$/);
      for (const item of order.items) {
        const product = (await sb.call('GET', `/api/v2/products/${item.product_id}`)).body;
        expect(product.status).toBe('live');
      }
    }
    expectProblem(await sb.control('POST', '/__sandbox/orders/generate', { count: 0 }), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/orders/generate', { count: 1, payment_mix: { prepaid: 0, cash_on_delivery: 0 } }), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/orders/generate', { count: 1, items_per_order: { min: 3, max: 2 } }), 400, 'validation_failed');
    expectProblem(await sb.control('POST', '/__sandbox/orders/generate', { count: 1, tenant_id: 'ten_nobody' }), 404, 'not_found');
  });

  it('reads and changes the order rules of one tenant only', async () => {
    const changed = await sb.control('PUT', '/__sandbox/orders/rules', { tenant_id: 'ten_suedhafen', lost_share: 0.5 });
    expect(changed.body).toMatchObject({ tenant_id: 'ten_suedhafen', lost_share: 0.5, prepaid_payment_delay_seconds: 1800 });
    expect((await sb.control('GET', '/__sandbox/orders/rules')).body.lost_share).not.toBe(0.5);
    expectProblem(await sb.control('PUT', '/__sandbox/orders/rules', { lost_share: 2 }), 400, 'validation_failed');
  });
});

describe('realtime clock', () => {
  it('runs due moves by itself as time passes, off the request path', async () => {
    // One sandbox hour per wall second: a cash-on-delivery order opens within 10 sandbox minutes (≈ 0.2 s).
    const sb = await startSandbox({ clock: { mode: 'realtime', factor: 3600 }, clockTickMs: 50 });
    try {
      const [order] = (await sb.control('POST', '/__sandbox/orders/generate', { count: 1, payment_mix: { prepaid: 0, cash_on_delivery: 1 } })).body.orders;
      expect(sb.store.tenant('ten_nordwind')!.state.orders[order.id]!.status).toBe('blocked');
      await waitUntil(() => sb.store.tenant('ten_nordwind')!.state.orders[order.id]!.status === 'open', 5000);
      const clock = (await sb.control('GET', '/__sandbox/clock')).body;
      expect(clock.mode).toBe('realtime');
      expect(Date.parse(clock.now)).toBeGreaterThan(Date.parse(START));

      // Switching to manual stops time where it is.
      const manual = (await sb.control('PUT', '/__sandbox/clock', { mode: 'manual' })).body;
      await new Promise((r) => setTimeout(r, 100));
      expect((await sb.control('GET', '/__sandbox/clock')).body.now).toBe(manual.now);
    } finally {
      await sb.close();
    }
  });
});
