// The order status machine over plain data: every move, every required field, idempotent repeats,
// confirmation and the stock effect of each move.
import { describe, expect, it } from 'vitest';
import {
  decideMarketplaceMove,
  decidePartnerUpdate,
  marketplaceMovesFrom,
  partnerMovesFrom,
  stockEffect,
  unconfirmedOrders,
  type PartnerUpdate,
} from '../../src/domain/orders.ts';
import { ORDER_STATUSES, type Order, type OrderStatus } from '../../src/domain/types.ts';

const T0 = '2026-01-15T09:00:00.000Z';
const NOW = '2026-01-16T10:00:00.000Z';

function order(status: OrderStatus, extra: Partial<Order> = {}): Order {
  return {
    id: 'ord_test1',
    order_number: 'MS-2026-000001',
    status,
    confirmed: false,
    payment_method: 'prepaid',
    paid_at: null,
    fulfilment: 'partner',
    customer: { name: 'Erika Muster', email: 'erika@example.com' },
    shipping_address: { name: 'Erika Muster', street: 'Hauptstr. 1', postal_code: '10115', city: 'Berlin', country_code: 'DE' },
    items: [{ id: 'oit_1', product_id: 'prod_1', variant_id: null, sku: 'sku-1', title: 'Thing', quantity: 2, unit_price: 10, total_price: 20 }],
    subtotal: 20,
    shipping_cost: 4.95,
    total: 24.95,
    currency: 'EUR',
    carrier: null,
    tracking_number: null,
    tracking_url: null,
    delivered_at: null,
    first_delivery_attempt: null,
    cancellation_reason: null,
    history: [{ status: 'blocked', at: T0 }, ...(status === 'blocked' ? [] : [{ status, at: T0 }])],
    created_at: T0,
    updated_at: T0,
    ...extra,
  };
}

const TRACKING = { carrier: 'DHL', tracking_number: 'JJD0001', tracking_url: 'https://tracking.example/dhl/JJD0001' };
/** What a partner sends along with a move so that only the move itself is judged. */
const fieldsFor = (to: OrderStatus): PartnerUpdate => (to === 'shipped' ? TRACKING : to === 'delivered' ? { delivered_at: NOW } : {});

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
const MARKETPLACE: Record<OrderStatus, OrderStatus[]> = {
  blocked: ['open', 'cancelled'],
  open: ['cancelled'],
  shipping: ['cancelled'],
  shipped: ['lost'],
  delivered: [],
  returned: [],
  lost: [],
  cancelled: [],
};

describe('partner moves', () => {
  it('the machine is the one of the issue, move for move', () => {
    for (const s of ORDER_STATUSES) {
      expect(partnerMovesFrom(s)).toEqual(PARTNER[s]);
      expect(marketplaceMovesFrom(s)).toEqual(MARKETPLACE[s]);
    }
  });

  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      if (from === to) continue;
      const expected = PARTNER[from].includes(to) ? 'apply' : MARKETPLACE[from].includes(to) ? 'not_for_partner' : 'invalid_transition';
      it(`${from} → ${to}: ${expected}`, () => {
        const verdict = decidePartnerUpdate(order(from), { status: to, ...fieldsFor(to) }, NOW);
        expect(verdict.kind).toBe(expected);
        if (verdict.kind === 'invalid_transition' || verdict.kind === 'not_for_partner') {
          expect(verdict.allowed).toEqual(PARTNER[from]);
          expect(verdict.from).toBe(from);
          expect(verdict.to).toBe(to);
        }
        // Where a next status leads on to the target, the refusal names it (open → shipping → shipped).
        if (verdict.kind === 'invalid_transition') expect(verdict.via).toBe(PARTNER[from].find((next) => PARTNER[next].includes(to)));
        if (verdict.kind === 'apply') {
          expect(verdict.next.status).toBe(to);
          expect(verdict.next.history.at(-1)).toEqual({ status: to, at: NOW });
          expect(verdict.moved).toBe(true);
        }
      });
    }
  }

  it('keeps one history entry per status reached, oldest first', () => {
    let o = order('open');
    for (const [to, extra] of [['shipping', {}], ['shipped', TRACKING], ['delivered', { delivered_at: NOW }]] as const) {
      const v = decidePartnerUpdate(o, { status: to, ...extra }, NOW);
      if (v.kind !== 'apply') throw new Error(v.kind);
      o = v.next;
    }
    expect(o.history.map((h) => h.status)).toEqual(['blocked', 'open', 'shipping', 'shipped', 'delivered']);
    expect(o.tracking_number).toBe('JJD0001');
    expect(o.delivered_at).toBe(NOW);
  });

  it('never mutates the order it is given', () => {
    const before = order('open');
    const copy = structuredClone(before);
    decidePartnerUpdate(before, { status: 'shipping', confirmed: true }, NOW);
    expect(before).toEqual(copy);
  });

  it('records the partner\'s cancellation reason and whether it asked for a refund', () => {
    const v = decidePartnerUpdate(order('open'), { status: 'cancelled', cancellation_reason: 'Out of stock', refund_requested: true }, NOW);
    expect(v.kind === 'apply' && v.next.cancellation_reason).toBe('Out of stock');
    expect(v.kind === 'apply' && v.next.refund_requested).toBe(true);
    const silent = decidePartnerUpdate(order('open'), { status: 'cancelled' }, NOW);
    expect(silent.kind === 'apply' && 'refund_requested' in silent.next).toBe(false);
  });

  it('a delivered cash-on-delivery order is paid at delivery', () => {
    const v = decidePartnerUpdate(order('shipped', { payment_method: 'cash_on_delivery' }), { status: 'delivered', delivered_at: NOW }, NOW);
    expect(v.kind === 'apply' && v.next.paid_at).toBe(NOW);
  });
});

describe('fields each status requires', () => {
  const errorsOf = (o: Order, u: PartnerUpdate) => {
    const v = decidePartnerUpdate(o, u, NOW);
    return v.kind === 'missing_fields' ? v.errors.map((e) => e.pointer) : [];
  };

  for (const field of ['carrier', 'tracking_number', 'tracking_url'] as const) {
    it(`shipped needs ${field} in the same call`, () => {
      const { [field]: _left, ...rest } = TRACKING;
      expect(errorsOf(order('shipping'), { status: 'shipped', ...rest })).toEqual([`/body/${field}`]);
    });
  }

  it('shipped without any tracking names all three fields', () => {
    expect(errorsOf(order('shipping'), { status: 'shipped' })).toEqual(['/body/carrier', '/body/tracking_number', '/body/tracking_url']);
  });

  it('delivered needs delivered_at; first_delivery_attempt is optional', () => {
    expect(errorsOf(order('shipped'), { status: 'delivered' })).toEqual(['/body/delivered_at']);
    expect(decidePartnerUpdate(order('shipped'), { status: 'delivered', delivered_at: NOW }, NOW).kind).toBe('apply');
    const v = decidePartnerUpdate(order('shipped'), { status: 'delivered', delivered_at: NOW, first_delivery_attempt: T0 }, NOW);
    expect(v.kind === 'apply' && v.next.first_delivery_attempt).toBe(T0);
  });

  for (const status of ['open', 'shipping', 'shipped', 'returned', 'cancelled'] as const) {
    it(`delivered_at with status ${status} is refused`, () => {
      const from = status === 'returned' ? order('shipped') : status === 'shipped' ? order('shipping') : order('open');
      const extra = status === 'shipped' ? TRACKING : {};
      expect(errorsOf(from, { status, delivered_at: NOW, ...extra })).toEqual(['/body/delivered_at']);
    });
  }

  it('delivered_at without a status is refused unless the order is delivered (then it corrects the date)', () => {
    expect(errorsOf(order('shipping'), { delivered_at: NOW })).toEqual(['/body/delivered_at']);
    const delivered = order('delivered', { delivered_at: T0 });
    const v = decidePartnerUpdate(delivered, { delivered_at: NOW }, NOW);
    expect(v.kind === 'apply' && v.fieldsChanged && v.next.delivered_at).toBe(NOW);
  });

  it('first_delivery_attempt may not come after delivered_at', () => {
    expect(errorsOf(order('shipped'), { status: 'delivered', delivered_at: T0, first_delivery_attempt: NOW })).toEqual(['/body/first_delivery_attempt']);
  });

  it('an illegal move is reported as such even when fields are missing too', () => {
    expect(decidePartnerUpdate(order('open'), { status: 'delivered' }, NOW).kind).toBe('invalid_transition');
  });
});

describe('idempotent updates and confirmation', () => {
  it('repeating a move that already happened changes nothing', () => {
    const shipped = order('shipped', { ...TRACKING, confirmed: true });
    expect(decidePartnerUpdate(shipped, { status: 'shipped', ...TRACKING }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decidePartnerUpdate(shipped, { confirmed: true }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decidePartnerUpdate(order('cancelled', { confirmed: true }), { status: 'cancelled' }, NOW)).toEqual({ kind: 'unchanged' });
  });

  it('confirming works with or without a status, once', () => {
    const alone = decidePartnerUpdate(order('open'), { confirmed: true }, NOW);
    expect(alone.kind === 'apply' && alone.confirmedNow && !alone.moved && alone.next.confirmed).toBe(true);
    const withMove = decidePartnerUpdate(order('open'), { confirmed: true, status: 'shipping' }, NOW);
    expect(withMove.kind === 'apply' && withMove.confirmedNow && withMove.moved).toBe(true);
    const unconfirm = decidePartnerUpdate(order('open', { confirmed: true }), { confirmed: false }, NOW);
    expect(unconfirm).toEqual({ kind: 'unchanged' }); // a partner cannot take a confirmation back
  });

  it('confirming is refused but for open and cancelled orders (a cancel may confirm in the same call)', () => {
    for (const status of ORDER_STATUSES) {
      const verdict = decidePartnerUpdate(order(status), { confirmed: true }, NOW);
      if (status === 'open' || status === 'cancelled') expect(verdict.kind === 'apply' && verdict.confirmedNow, status).toBe(true);
      else expect(verdict, status).toEqual({ kind: 'not_confirmable', status });
    }
    const cancelAndConfirm = decidePartnerUpdate(order('shipping'), { status: 'cancelled', confirmed: true }, NOW);
    expect(cancelAndConfirm.kind === 'apply' && cancelAndConfirm.next.confirmed).toBe(true);
    // Already confirmed: sending it again is a no-op, whatever the status.
    expect(decidePartnerUpdate(order('shipped', { confirmed: true }), { confirmed: true }, NOW)).toEqual({ kind: 'unchanged' });
  });

  it('a lost parcel keeps its confirmation: the partner could not confirm it again', () => {
    const lost = decideMarketplaceMove(order('shipped', { confirmed: true, fulfilment: 'marketplace' }), 'lost', NOW);
    expect(lost.kind === 'apply' && lost.next.confirmed).toBe(true);
    const cancelled = decideMarketplaceMove(order('open', { confirmed: true }), 'cancelled', NOW);
    expect(cancelled.kind === 'apply' && cancelled.next.confirmed).toBe(false);
  });

  it('a tracking correction is a change of its own (order.updated), not a duplicate', () => {
    const v = decidePartnerUpdate(order('shipped', { ...TRACKING, confirmed: true }), { tracking_number: 'JJD0002' }, NOW);
    expect(v.kind === 'apply' && v.fieldsChanged && !v.moved).toBe(true);
  });

  it('every marketplace move unconfirms the order', () => {
    for (const [from, to] of [['blocked', 'open'], ['blocked', 'cancelled'], ['open', 'cancelled'], ['shipping', 'cancelled']] as const) {
      const v = decideMarketplaceMove(order(from, { confirmed: true }), to, NOW);
      expect(v.kind === 'apply' && v.next.confirmed).toBe(false);
    }
  });

  it('unconfirmed orders come oldest change first', () => {
    const a = order('open', { id: 'ord_a', updated_at: NOW });
    const b = order('cancelled', { id: 'ord_b', updated_at: T0 });
    const c = order('open', { id: 'ord_c', confirmed: true });
    expect(unconfirmedOrders([a, b, c]).map((o) => o.id)).toEqual(['ord_b', 'ord_a']);
  });
});

describe('marketplace moves', () => {
  it('payment opens a prepaid order and stamps paid_at', () => {
    const v = decideMarketplaceMove(order('blocked'), 'open', NOW);
    expect(v.kind === 'apply' && v.next.paid_at).toBe(NOW);
    const cod = decideMarketplaceMove(order('blocked', { payment_method: 'cash_on_delivery' }), 'open', NOW);
    expect(cod.kind === 'apply' && cod.next.paid_at).toBe(null);
  });

  it('lost only happens to parcels of the marketplace\'s own carrier', () => {
    expect(decideMarketplaceMove(order('shipped'), 'lost', NOW).kind).toBe('not_marketplace_carried');
    expect(decideMarketplaceMove(order('shipped', { fulfilment: 'marketplace' }), 'lost', NOW).kind).toBe('apply');
  });

  it('refuses moves the machine does not have, listing the marketplace\'s own', () => {
    const v = decideMarketplaceMove(order('delivered'), 'cancelled', NOW);
    expect(v).toEqual({ kind: 'invalid_transition', from: 'delivered', to: 'cancelled', allowed: [] });
    expect(decideMarketplaceMove(order('open'), 'shipping', NOW)).toMatchObject({ kind: 'invalid_transition', allowed: ['cancelled'] });
  });

  it('a customer cancel carries its reason', () => {
    const v = decideMarketplaceMove(order('shipping'), 'cancelled', NOW, 'Customer withdrew');
    expect(v.kind === 'apply' && v.next.cancellation_reason).toBe('Customer withdrew');
  });
});

describe('stock effects', () => {
  it('cancelling releases, shipping consumes, everything else leaves stock alone', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const holds = from === 'blocked' || from === 'open' || from === 'shipping';
        const expected = from !== to && holds && to === 'cancelled' ? 'release' : from !== to && holds && to === 'shipped' ? 'consume' : null;
        expect(stockEffect(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });
});
