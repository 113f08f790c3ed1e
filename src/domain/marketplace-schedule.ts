// The moves the marketplace makes on its own as sandbox time passes, as pure functions of an
// order, the tenant's order rules and a seed:
//   - blocked → open once paid: within 10 minutes for cash on delivery, after the payment delay
//     for prepaid orders;
//   - blocked → cancelled when a prepaid order stays unpaid for `unpaid_prepaid_cancel_after_days`;
//   - blocked | open | shipping → cancelled when the customer withdraws (a seeded share of orders);
//   - shipped → lost for a seeded share of the orders the marketplace's own carrier delivers.
// Every random choice is a roll derived from (seed, order id, purpose), so the same order under the
// same rules always meets the same fate, across restarts and in every test run.
import { enteredCurrentStatusAt } from './orders.ts';
import type { Order, OrderStatus } from './types.ts';

export interface OrderRules {
  /** Cash-on-delivery orders open this many seconds after creation at most (seeded per order). */
  cash_on_delivery_open_within_seconds: number;
  /** Prepaid orders that pay open exactly this long after creation. */
  prepaid_payment_delay_seconds: number;
  /** Share (0..1) of prepaid orders whose payment never arrives. */
  unpaid_prepaid_share: number;
  /** Unpaid prepaid orders are cancelled after this many days. */
  unpaid_prepaid_cancel_after_days: number;
  /** Share (0..1) of orders the customer cancels while blocked, open or shipping. */
  customer_cancel_share: number;
  /** Share (0..1) of shipped, marketplace-carried orders the carrier loses. */
  lost_share: number;
  /** A lost parcel is declared lost this many days after it shipped. */
  lost_after_days: number;
}

export const DEFAULT_ORDER_RULES: Readonly<OrderRules> = {
  cash_on_delivery_open_within_seconds: 600,
  prepaid_payment_delay_seconds: 1800,
  unpaid_prepaid_share: 0.05,
  unpaid_prepaid_cancel_after_days: 7,
  customer_cancel_share: 0.02,
  lost_share: 0.05,
  lost_after_days: 10,
};

export type MoveReason = 'cash_on_delivery_accepted' | 'payment_received' | 'payment_timeout' | 'customer_cancelled' | 'parcel_lost';

export interface PlannedMove {
  order_id: string;
  from: OrderStatus;
  to: OrderStatus;
  at: string; // sandbox time the marketplace makes the move
  reason: MoveReason;
  /** What the order's cancellation_reason says, for cancels. */
  cancellation_reason?: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const CUSTOMER_CANCEL_STAGES = ['blocked', 'open', 'shipping'] as const;
const CUSTOMER_REASONS: Record<(typeof CUSTOMER_CANCEL_STAGES)[number], string> = {
  blocked: 'Customer withdrew the order before paying',
  open: 'Customer withdrew the order',
  shipping: 'Customer withdrew the order while it was being packed',
};

/** A number in [0, 1) fixed by its inputs (FNV-1a, then a murmur finaliser for spread). */
export function roll(seed: number, orderId: string, purpose: string): number {
  let h = 0x811c9dc5 ^ seed;
  const key = `${orderId}:${purpose}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x100000000;
}

/**
 * The next move the marketplace will make on this order, or null when none is coming.
 * `since` is when the tenant's clock started: an order older than that (the fixture's) is treated
 * as if it reached its current status then, so a fresh sandbox does not fire a burst of overdue
 * moves at start.
 */
export function nextMarketplaceMove(order: Order, rules: OrderRules, seed: number, since: string): PlannedMove | null {
  const status = order.status;
  if (status !== 'blocked' && status !== 'open' && status !== 'shipping' && status !== 'shipped') return null;
  const sinceMs = Date.parse(since);
  const enteredMs = Math.max(Date.parse(enteredCurrentStatusAt(order)), sinceMs);
  const candidates: PlannedMove[] = [];
  const plan = (to: OrderStatus, atMs: number, reason: MoveReason, cancellation_reason?: string) =>
    candidates.push({ order_id: order.id, from: status, to, at: new Date(atMs).toISOString(), reason, ...(cancellation_reason ? { cancellation_reason } : {}) });

  if (status === 'blocked') {
    if (order.payment_method === 'cash_on_delivery') {
      const within = rules.cash_on_delivery_open_within_seconds * SECOND;
      const floor = Math.min(30 * SECOND, within);
      plan('open', enteredMs + floor + Math.floor(roll(seed, order.id, 'cod_check') * (within - floor)), 'cash_on_delivery_accepted');
    } else if (roll(seed, order.id, 'unpaid') < rules.unpaid_prepaid_share) {
      plan('cancelled', enteredMs + rules.unpaid_prepaid_cancel_after_days * DAY, 'payment_timeout', 'Payment was not received in time');
    } else {
      plan('open', enteredMs + rules.prepaid_payment_delay_seconds * SECOND, 'payment_received');
    }
  }
  if (status !== 'shipped' && roll(seed, order.id, 'customer_cancel') < rules.customer_cancel_share) {
    const stage = CUSTOMER_CANCEL_STAGES[Math.floor(roll(seed, order.id, 'cancel_stage') * CUSTOMER_CANCEL_STAGES.length)]!;
    if (stage === status) {
      // Blocked orders open within minutes, so a customer who cancels then does so quickly.
      const [min, max] = stage === 'blocked' ? [MINUTE, 10 * MINUTE] : [10 * MINUTE, 12 * HOUR];
      plan('cancelled', enteredMs + min + Math.floor(roll(seed, order.id, 'cancel_after') * (max - min)), 'customer_cancelled', CUSTOMER_REASONS[stage]);
    }
  }
  if (status === 'shipped' && order.fulfilment === 'marketplace' && roll(seed, order.id, 'lost') < rules.lost_share) {
    plan('lost', enteredMs + rules.lost_after_days * DAY, 'parcel_lost');
  }

  let next: PlannedMove | null = null;
  for (const c of candidates) if (!next || c.at < next.at) next = c;
  return next;
}

/** Every order's next move due at or before `until`, oldest first (ties by order id, so runs are repeatable). */
export function dueMarketplaceMoves(orders: Iterable<Order>, rules: OrderRules, seed: number, since: string, until: string): PlannedMove[] {
  const due: PlannedMove[] = [];
  for (const order of orders) {
    const move = nextMarketplaceMove(order, rules, seed, since);
    if (move && move.at <= until) due.push(move);
  }
  return due.sort(byTime);
}

/** The earliest move coming at all, for "next move at" on the clock. */
export function upcomingMarketplaceMoves(orders: Iterable<Order>, rules: OrderRules, seed: number, since: string): { count: number; next: PlannedMove | null } {
  let count = 0;
  let next: PlannedMove | null = null;
  for (const order of orders) {
    const move = nextMarketplaceMove(order, rules, seed, since);
    if (!move) continue;
    count++;
    if (!next || byTime(move, next) < 0) next = move;
  }
  return { count, next };
}

export function byTime(a: PlannedMove, b: PlannedMove): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0;
}
