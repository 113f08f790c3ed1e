// The marketplace's own moves as pure functions of order, rules and seed.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ORDER_RULES,
  dueMarketplaceMoves,
  nextMarketplaceMove,
  roll,
  type OrderRules,
} from '../../src/domain/marketplace-schedule.ts';
import { buildOrders, sellableUnits } from '../../src/domain/order-factory.ts';
import type { Order, OrderStatus } from '../../src/domain/types.ts';
import { generateFixture } from '../../src/fixtures/generate.ts';

const T0 = '2026-01-15T09:00:00.000Z';
const T0_MS = Date.parse(T0);
const SEED = 20260101;
const MINUTE = 60_000;
const DAY = 86_400_000;

function order(id: string, status: OrderStatus, extra: Partial<Order> = {}): Order {
  return {
    id,
    order_number: 'MS-2026-000001',
    status,
    confirmed: false,
    payment_method: 'prepaid',
    paid_at: null,
    fulfilment: 'partner',
    customer: { name: 'A B', email: 'a@example.com' },
    shipping_address: { name: 'A B', street: 'S 1', postal_code: '10115', city: 'Berlin', country_code: 'DE' },
    items: [{ id: 'oit_1', product_id: 'prod_1', variant_id: null, sku: 'sku-1', title: 'T', quantity: 1, unit_price: 10, total_price: 10 }],
    subtotal: 10,
    shipping_cost: 0,
    total: 10,
    currency: 'EUR',
    carrier: null,
    tracking_number: null,
    tracking_url: null,
    delivered_at: null,
    first_delivery_attempt: null,
    cancellation_reason: null,
    history: [{ status, at: T0 }],
    created_at: T0,
    updated_at: T0,
    ...extra,
  };
}

const quiet: OrderRules = { ...DEFAULT_ORDER_RULES, unpaid_prepaid_share: 0, customer_cancel_share: 0, lost_share: 0 };
const ids = Array.from({ length: 200 }, (_, i) => `ord_t${i}`);

describe('nextMarketplaceMove', () => {
  it('opens cash-on-delivery orders within 10 minutes of creation', () => {
    for (const id of ids) {
      const move = nextMarketplaceMove(order(id, 'blocked', { payment_method: 'cash_on_delivery' }), quiet, SEED, T0)!;
      expect(move).toMatchObject({ to: 'open', reason: 'cash_on_delivery_accepted' });
      const after = Date.parse(move.at) - T0_MS;
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(10 * MINUTE);
    }
  });

  it('opens paying prepaid orders exactly after the payment delay', () => {
    const rules = { ...quiet, prepaid_payment_delay_seconds: 120 };
    const move = nextMarketplaceMove(order('ord_p', 'blocked'), rules, SEED, T0)!;
    expect(move).toMatchObject({ to: 'open', reason: 'payment_received', at: new Date(T0_MS + 120_000).toISOString() });
  });

  it('cancels unpaid prepaid orders after the configured days, and only prepaid ones', () => {
    const rules = { ...quiet, unpaid_prepaid_share: 1, unpaid_prepaid_cancel_after_days: 3 };
    const move = nextMarketplaceMove(order('ord_u', 'blocked'), rules, SEED, T0)!;
    expect(move).toMatchObject({ to: 'cancelled', reason: 'payment_timeout', at: new Date(T0_MS + 3 * DAY).toISOString() });
    expect(nextMarketplaceMove(order('ord_u', 'blocked', { payment_method: 'cash_on_delivery' }), rules, SEED, T0)!.to).toBe('open');
  });

  it('lets about the configured share of prepaid orders go unpaid', () => {
    const rules = { ...quiet, unpaid_prepaid_share: 0.25 };
    const unpaid = ids.filter((id) => nextMarketplaceMove(order(id, 'blocked'), rules, SEED, T0)!.reason === 'payment_timeout').length;
    expect(unpaid).toBeGreaterThan(25);
    expect(unpaid).toBeLessThan(75);
  });

  it('customers cancel in one of blocked, open or shipping, and only there', () => {
    const rules = { ...quiet, customer_cancel_share: 1 };
    const stages = new Set<string>();
    for (const id of ids) {
      for (const status of ['open', 'shipping'] as const) {
        const move = nextMarketplaceMove(order(id, status), rules, SEED, T0);
        if (move) {
          expect(move).toMatchObject({ to: 'cancelled', reason: 'customer_cancelled' });
          stages.add(status);
        }
      }
      expect(nextMarketplaceMove(order(id, 'shipped'), rules, SEED, T0)).toBeNull();
    }
    expect(stages).toEqual(new Set(['open', 'shipping']));
  });

  it('loses only marketplace-carried shipped orders, after the configured days', () => {
    const rules = { ...quiet, lost_share: 1, lost_after_days: 8 };
    expect(nextMarketplaceMove(order('ord_l', 'shipped'), rules, SEED, T0)).toBeNull();
    expect(nextMarketplaceMove(order('ord_l', 'shipped', { fulfilment: 'marketplace' }), rules, SEED, T0)).toMatchObject({
      to: 'lost',
      reason: 'parcel_lost',
      at: new Date(T0_MS + 8 * DAY).toISOString(),
    });
  });

  it('plans nothing for final statuses', () => {
    const rules = { ...DEFAULT_ORDER_RULES, customer_cancel_share: 1, lost_share: 1, unpaid_prepaid_share: 1 };
    for (const status of ['delivered', 'returned', 'lost', 'cancelled'] as const) {
      expect(nextMarketplaceMove(order('ord_f', status, { fulfilment: 'marketplace' }), rules, SEED, T0)).toBeNull();
    }
  });

  it('counts orders older than the clock start from the clock start (no burst at start)', () => {
    const old = order('ord_o', 'blocked', { payment_method: 'cash_on_delivery', created_at: '2026-01-10T00:00:00.000Z', history: [{ status: 'blocked', at: '2026-01-10T00:00:00.000Z' }] });
    const move = nextMarketplaceMove(old, quiet, SEED, T0)!;
    expect(Date.parse(move.at)).toBeGreaterThan(T0_MS);
  });

  it('is deterministic per seed and order', () => {
    const rules = { ...DEFAULT_ORDER_RULES, customer_cancel_share: 0.5, unpaid_prepaid_share: 0.5 };
    const plan = (seed: number) => ids.map((id) => JSON.stringify(nextMarketplaceMove(order(id, 'blocked'), rules, seed, T0)));
    expect(plan(SEED)).toEqual(plan(SEED));
    expect(plan(SEED)).not.toEqual(plan(SEED + 1));
    expect(roll(1, 'ord_x', 'a')).toBe(roll(1, 'ord_x', 'a'));
    expect(roll(1, 'ord_x', 'a')).toBeGreaterThanOrEqual(0);
    expect(roll(1, 'ord_x', 'a')).toBeLessThan(1);
  });
});

describe('dueMarketplaceMoves', () => {
  it('lists the moves due up to a time, oldest first', () => {
    const orders = ids.slice(0, 30).map((id, i) => order(id, 'blocked', { payment_method: i % 2 ? 'cash_on_delivery' : 'prepaid' }));
    const due = dueMarketplaceMoves(orders, quiet, SEED, T0, new Date(T0_MS + 5 * MINUTE).toISOString());
    expect(due.length).toBeGreaterThan(0);
    expect(due.every((m) => m.reason === 'cash_on_delivery_accepted')).toBe(true);
    expect(due.map((m) => m.at)).toEqual([...due.map((m) => m.at)].sort());
    const later = dueMarketplaceMoves(orders, quiet, SEED, T0, new Date(T0_MS + DAY).toISOString());
    expect(later).toHaveLength(30);
  });
});

describe('the order factory', () => {
  const state = generateFixture({ seed: 3, products: 40, orders: 10 });

  it('builds blocked, unconfirmed orders for items in stock, never claiming more units than there are', () => {
    const { units, available } = sellableUnits(state);
    const scarce = units.slice(0, 2);
    const stock = new Map(scarce.map((u) => [u.sku, 1]));
    const orders = buildOrders(state, scarce, stock, {
      count: 10,
      paymentMix: { prepaid: 1, cash_on_delivery: 0 },
      itemsPerOrder: { min: 1, max: 2 },
      marketplaceCarriedShare: 0,
      seed: 1,
      now: T0,
    });
    const claimed = orders.flatMap((o) => o.items).reduce((sum, i) => sum + i.quantity, 0);
    expect(claimed).toBeLessThanOrEqual(2);
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) {
      expect(o).toMatchObject({ status: 'blocked', confirmed: false, payment_method: 'prepaid', history: [{ status: 'blocked', at: T0 }] });
      expect(o.total).toBeCloseTo(o.subtotal + o.shipping_cost, 2);
    }
    expect([...stock.values()].every((n) => n >= 0)).toBe(true);
    expect(available.size).toBeGreaterThan(2);
  });

  it('gives the same orders for the same seed', () => {
    const make = () => {
      const { units, available } = sellableUnits(state);
      return buildOrders(state, units, available, { count: 5, paymentMix: { prepaid: 1, cash_on_delivery: 1 }, itemsPerOrder: { min: 1, max: 3 }, marketplaceCarriedShare: 0.15, seed: 9, now: T0 });
    };
    expect(JSON.stringify(make())).toBe(JSON.stringify(make()));
  });
});
