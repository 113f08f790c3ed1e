// The order status machine and order queries, over plain data.
//   blocked → open | cancelled            (marketplace: payment, customer cancel, payment timeout)
//   open → shipping | shipped | cancelled (partner)
//   shipping → shipped | cancelled        (partner; the customer may also cancel)
//   shipped → delivered | returned        (partner) | lost (marketplace carrier only)
import type { Order, OrderStatus } from './types.ts';

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['delivered', 'returned', 'lost', 'cancelled']);

const PARTNER_MOVES: Record<OrderStatus, OrderStatus[]> = {
  blocked: [],
  open: ['shipping', 'shipped', 'cancelled'],
  shipping: ['shipped', 'cancelled'],
  shipped: ['delivered', 'returned'],
  delivered: [],
  returned: [],
  lost: [],
  cancelled: [],
};

const MARKETPLACE_MOVES: Record<OrderStatus, OrderStatus[]> = {
  blocked: ['open', 'cancelled'],
  open: ['cancelled'],
  shipping: ['cancelled'],
  shipped: ['lost'],
  delivered: [],
  returned: [],
  lost: [],
  cancelled: [],
};

export const partnerMovesFrom = (status: OrderStatus): OrderStatus[] => PARTNER_MOVES[status];
export const marketplaceMovesFrom = (status: OrderStatus): OrderStatus[] => MARKETPLACE_MOVES[status];

export interface OrderFilters {
  status?: OrderStatus[];
  date_from?: string;
  date_to?: string;
}

export function filterOrders(orders: Iterable<Order>, f: OrderFilters): Order[] {
  const from = f.date_from ? Date.parse(f.date_from) : -Infinity;
  const to = f.date_to ? Date.parse(f.date_to) : Infinity;
  const statuses = f.status?.length ? new Set(f.status) : null;
  const out: Order[] = [];
  for (const o of orders) {
    if (statuses && !statuses.has(o.status)) continue;
    const created = Date.parse(o.created_at);
    if (created < from || created > to) continue;
    out.push(o);
  }
  // Newest first: what a polling connector wants to see on page 1.
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export const unconfirmedOrders = (orders: Iterable<Order>): Order[] =>
  [...orders].filter((o) => !o.confirmed).sort((a, b) => a.updated_at.localeCompare(b.updated_at));

export interface PartnerUpdate {
  status?: OrderStatus;
  confirmed?: boolean;
  carrier?: string;
  tracking_number?: string;
  tracking_url?: string;
  delivered_at?: string;
  first_delivery_attempt?: string;
}

export type UpdateVerdict =
  | { kind: 'apply'; next: Order; moved: boolean; confirmedNow: boolean }
  | { kind: 'unchanged' } // idempotent repeat: same answer, recorded as a duplicate update
  | { kind: 'invalid_transition'; from: OrderStatus; to: OrderStatus; allowed: OrderStatus[] }
  | { kind: 'not_for_partner'; from: OrderStatus; to: OrderStatus; allowed: OrderStatus[] }
  | { kind: 'missing_fields'; errors: { pointer: string; message: string }[] };

/** Decides what a partner's PATCH /orders/{id}/status does. Pure: returns the next order, never mutates. */
export function decidePartnerUpdate(order: Order, update: PartnerUpdate, now: string): UpdateVerdict {
  const target = update.status ?? order.status;
  const moving = target !== order.status;

  const fieldErrors: { pointer: string; message: string }[] = [];
  if (update.delivered_at !== undefined && target !== 'delivered') {
    fieldErrors.push({ pointer: '/body/delivered_at', message: 'may only be sent with status delivered' });
  }
  if (update.first_delivery_attempt !== undefined && target !== 'delivered') {
    fieldErrors.push({ pointer: '/body/first_delivery_attempt', message: 'may only be sent with status delivered' });
  }
  if (moving && target === 'shipped') {
    for (const field of ['carrier', 'tracking_number', 'tracking_url'] as const) {
      if (!update[field]) fieldErrors.push({ pointer: `/body/${field}`, message: 'is required when moving an order to shipped' });
    }
  }
  if (moving && target === 'delivered' && !update.delivered_at) {
    fieldErrors.push({ pointer: '/body/delivered_at', message: 'is required when moving an order to delivered' });
  }

  if (moving) {
    const allowed = PARTNER_MOVES[order.status];
    if (!allowed.includes(target)) {
      // The machine knows the move but it is the marketplace's to make (blocked → open, shipped → lost).
      if (MARKETPLACE_MOVES[order.status].includes(target)) return { kind: 'not_for_partner', from: order.status, to: target, allowed };
      return { kind: 'invalid_transition', from: order.status, to: target, allowed };
    }
  }
  if (fieldErrors.length) return { kind: 'missing_fields', errors: fieldErrors };

  const confirmedNow = update.confirmed === true && !order.confirmed;
  const trackingChanges =
    (update.carrier !== undefined && update.carrier !== order.carrier) ||
    (update.tracking_number !== undefined && update.tracking_number !== order.tracking_number) ||
    (update.tracking_url !== undefined && update.tracking_url !== order.tracking_url);
  if (!moving && !confirmedNow && !trackingChanges) return { kind: 'unchanged' };

  const next: Order = { ...order, history: [...order.history], updated_at: now };
  if (update.confirmed !== undefined) next.confirmed = update.confirmed || order.confirmed;
  if (update.carrier !== undefined) next.carrier = update.carrier;
  if (update.tracking_number !== undefined) next.tracking_number = update.tracking_number;
  if (update.tracking_url !== undefined) next.tracking_url = update.tracking_url;
  if (moving) {
    next.status = target;
    next.history.push({ status: target, at: now });
    if (target === 'delivered') {
      next.delivered_at = update.delivered_at!;
      next.first_delivery_attempt = update.first_delivery_attempt ?? null;
    }
    if (target === 'cancelled') next.cancellation_reason = 'cancelled by partner';
  }
  return { kind: 'apply', next, moved: moving, confirmedNow };
}

/** A move the marketplace makes (payment, customer cancel, loss): the partner must confirm it. */
export function applyMarketplaceMove(order: Order, to: OrderStatus, now: string, reason?: string): Order | null {
  if (!MARKETPLACE_MOVES[order.status].includes(to)) return null;
  if (to === 'lost' && order.fulfilment !== 'marketplace') return null;
  const next: Order = { ...order, status: to, confirmed: false, updated_at: now, history: [...order.history, { status: to, at: now }] };
  if (to === 'cancelled') next.cancellation_reason = reason ?? 'cancelled by customer';
  if (to === 'open' && order.payment_method === 'prepaid') next.paid_at = now;
  return next;
}
