// The order status machine and order queries, over plain data.
//   blocked → open | cancelled            (marketplace: payment, customer cancel, payment timeout)
//   open → shipping | cancelled           (partner; the customer may also cancel)
//   shipping → shipped | cancelled        (partner; the customer may also cancel)
//   shipped → delivered | returned        (partner) | lost (marketplace, own carrier only)
// delivered, returned, lost and cancelled are final. As MALL's integration rules have it, an order
// ships through shipping (open → shipped is refused, naming shipping), and a partner confirms
// only open orders (accepting them) and cancelled ones (acknowledging the cancel).
import type { components } from '../contract/generated/marketplace.ts';
import type { Order, OrderStatus } from './types.ts';

type Schemas = components['schemas'];

const PARTNER_MOVES: Record<OrderStatus, OrderStatus[]> = {
  blocked: [],
  open: ['shipping', 'cancelled'],
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

/** The statuses in which a partner confirms an order. */
export const CONFIRMABLE_STATUSES: readonly OrderStatus[] = ['open', 'cancelled'];

/** The partner move that leads on to `to` when `to` is not a next status itself (open → shipping → shipped). */
const stepTowards = (from: OrderStatus, to: OrderStatus): OrderStatus | undefined => PARTNER_MOVES[from].find((next) => PARTNER_MOVES[next].includes(to));
export const marketplaceMovesFrom = (status: OrderStatus): OrderStatus[] => MARKETPLACE_MOVES[status];

/** Statuses in which the order's units are held back for it (reserved, not yet shipped). */
export const holdsStock = (status: OrderStatus): boolean => status === 'blocked' || status === 'open' || status === 'shipping';

/**
 * What a status change does to the order's reserved units: creating an order reserves them (see
 * the order generator), cancelling gives them back, shipping takes them out of stock.
 */
export function stockEffect(from: OrderStatus, to: OrderStatus): 'release' | 'consume' | null {
  if (from === to || !holdsStock(from)) return null;
  if (to === 'cancelled') return 'release';
  if (to === 'shipped') return 'consume';
  return null;
}

export interface OrderFilters {
  status?: OrderStatus[];
  date_from?: string;
  date_to?: string;
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date_from / date_to bound in ms: a date-time as it is; a date alone (as the marketplace
 * documents it, `2025-10-01`) is the start of that UTC day for `from` and its last millisecond for `to`.
 */
export function dateBound(value: string, side: 'from' | 'to'): number {
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  return DATE_ONLY.test(value) && side === 'to' ? ms + DAY_MS - 1 : ms;
}

export function filterOrders(orders: Iterable<Order>, f: OrderFilters): Order[] {
  const from = f.date_from ? dateBound(f.date_from, 'from') : -Infinity;
  const to = f.date_to ? dateBound(f.date_to, 'to') : Infinity;
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

/** Oldest change first, so a polling connector works through them in the order they happened. */
export const unconfirmedOrders = (orders: Iterable<Order>): Order[] =>
  [...orders].filter((o) => !o.confirmed).sort((a, b) => a.updated_at.localeCompare(b.updated_at));

/** A partner's update: the body of PATCH /orders/{id}/status as the spec has it, plus what POST /cancel adds. */
export type PartnerUpdate = Schemas['OrderStatusUpdate'] & {
  /** Only through POST /orders/{id}/cancel. */
  cancellation_reason?: string;
  /** POST /orders/{id}/cancel with `refund`: whether the partner asked for the customer to be refunded. */
  refund_requested?: boolean;
};

export interface FieldProblem {
  pointer: string;
  message: string;
}

/** What an applied update changed; each kind of change has its own event. */
export interface OrderChange {
  /** The status moved (order.status_changed, plus order.cancelled on a cancel). */
  moved: boolean;
  /** The partner confirmed an unconfirmed order (order.confirmed). */
  confirmedNow: boolean;
  /** Other fields changed without a move: tracking or delivery date corrections (order.updated). */
  fieldsChanged: boolean;
}

export type UpdateVerdict =
  | ({ kind: 'apply'; next: Order } & OrderChange)
  | { kind: 'unchanged' } // idempotent repeat: same answer, recorded as a duplicate update
  | { kind: 'invalid_transition'; from: OrderStatus; to: OrderStatus; allowed: OrderStatus[]; via?: OrderStatus }
  | { kind: 'not_for_partner'; from: OrderStatus; to: OrderStatus; allowed: OrderStatus[] }
  | { kind: 'not_confirmable'; status: OrderStatus }
  | { kind: 'missing_fields'; errors: FieldProblem[] };

const TRACKING_FIELDS = ['carrier', 'tracking_number', 'tracking_url'] as const;
const DELIVERY_FIELDS = ['delivered_at', 'first_delivery_attempt'] as const;

/** The fields a move needs in the same call, and fields that only make sense with one status. */
function fieldProblems(order: Order, update: PartnerUpdate, target: OrderStatus, moving: boolean): FieldProblem[] {
  const errors: FieldProblem[] = [];
  for (const field of DELIVERY_FIELDS) {
    if (update[field] !== undefined && target !== 'delivered') {
      errors.push({ pointer: `/body/${field}`, message: `may only be sent with status delivered (the order would be ${target})` });
    }
  }
  if (moving && target === 'shipped') {
    for (const field of TRACKING_FIELDS) {
      if (!update[field]) errors.push({ pointer: `/body/${field}`, message: 'is required when moving an order to shipped' });
    }
  }
  if (moving && target === 'delivered' && !update.delivered_at) {
    errors.push({ pointer: '/body/delivered_at', message: 'is required when moving an order to delivered' });
  }
  const deliveredAt = update.delivered_at ?? (target === 'delivered' ? order.delivered_at : null);
  if (target === 'delivered' && update.first_delivery_attempt && deliveredAt && Date.parse(update.first_delivery_attempt) > Date.parse(deliveredAt)) {
    errors.push({ pointer: '/body/first_delivery_attempt', message: `must not be later than delivered_at (${deliveredAt})` });
  }
  return errors;
}

/** Decides what a partner's PATCH /orders/{id}/status (or POST /cancel) does. Pure: returns the next order, never mutates. */
export function decidePartnerUpdate(order: Order, update: PartnerUpdate, now: string): UpdateVerdict {
  const target = update.status ?? order.status;
  const moving = target !== order.status;

  if (moving) {
    const allowed = PARTNER_MOVES[order.status];
    if (!allowed.includes(target)) {
      // The machine knows the move but it is the marketplace's to make (blocked → open, shipped → lost).
      if (MARKETPLACE_MOVES[order.status].includes(target)) return { kind: 'not_for_partner', from: order.status, to: target, allowed };
      return { kind: 'invalid_transition', from: order.status, to: target, allowed, via: stepTowards(order.status, target) };
    }
  }
  // Confirming accepts an open order or acknowledges a cancelled one (a cancel may confirm in the same call).
  if (update.confirmed === true && !order.confirmed && !CONFIRMABLE_STATUSES.includes(order.status) && !CONFIRMABLE_STATUSES.includes(target)) {
    return { kind: 'not_confirmable', status: order.status };
  }
  const errors = fieldProblems(order, update, target, moving);
  if (errors.length) return { kind: 'missing_fields', errors };

  const confirmedNow = update.confirmed === true && !order.confirmed;
  const differs = (field: (typeof TRACKING_FIELDS)[number] | (typeof DELIVERY_FIELDS)[number]) =>
    update[field] !== undefined && update[field] !== order[field];
  const fieldsChanged = TRACKING_FIELDS.some(differs) || DELIVERY_FIELDS.some(differs);
  if (!moving && !confirmedNow && !fieldsChanged) return { kind: 'unchanged' };

  const next: Order = { ...order, history: [...order.history], updated_at: now };
  if (confirmedNow) next.confirmed = true;
  for (const field of TRACKING_FIELDS) if (update[field] !== undefined) next[field] = update[field]!;
  if (target === 'delivered') {
    if (update.delivered_at !== undefined) next.delivered_at = update.delivered_at;
    if (update.first_delivery_attempt !== undefined) next.first_delivery_attempt = update.first_delivery_attempt;
  }
  if (moving) {
    next.status = target;
    next.history.push({ status: target, at: now });
    if (target === 'cancelled') {
      next.cancellation_reason = update.cancellation_reason ?? 'Cancelled by the partner';
      if (update.refund_requested !== undefined) next.refund_requested = update.refund_requested;
    }
    // Cash is collected at the door: a delivered cash-on-delivery order is paid.
    if (target === 'delivered' && order.payment_method === 'cash_on_delivery' && !order.paid_at) next.paid_at = next.delivered_at;
  }
  return { kind: 'apply', next, moved: moving, confirmedNow, fieldsChanged: !moving && fieldsChanged };
}

export type MarketplaceMoveVerdict =
  | { kind: 'apply'; next: Order }
  | { kind: 'invalid_transition'; from: OrderStatus; to: OrderStatus; allowed: OrderStatus[] }
  | { kind: 'not_marketplace_carried' };

/**
 * A move the marketplace makes (payment, customer cancel, payment timeout, loss). It always
 * needs the partner's attention again, so the order becomes unconfirmed.
 */
export function decideMarketplaceMove(order: Order, to: OrderStatus, now: string, reason?: string): MarketplaceMoveVerdict {
  const allowed = MARKETPLACE_MOVES[order.status];
  if (!allowed.includes(to)) return { kind: 'invalid_transition', from: order.status, to, allowed };
  if (to === 'lost' && order.fulfilment !== 'marketplace') return { kind: 'not_marketplace_carried' };
  // The partner's attention is asked only where it can confirm: a lost parcel keeps its confirmation.
  const confirmed = CONFIRMABLE_STATUSES.includes(to) ? false : order.confirmed;
  const next: Order = { ...order, status: to, confirmed, updated_at: now, history: [...order.history, { status: to, at: now }] };
  if (to === 'cancelled') next.cancellation_reason = reason ?? 'Cancelled by the customer';
  if (to === 'open' && order.payment_method === 'prepaid' && !order.paid_at) next.paid_at = now;
  return { kind: 'apply', next };
}

/** When the order reached its current status (the last history entry for it), falling back to its creation. */
export function enteredCurrentStatusAt(order: Order): string {
  for (let i = order.history.length - 1; i >= 0; i--) {
    if (order.history[i]!.status === order.status) return order.history[i]!.at;
  }
  return order.created_at;
}
