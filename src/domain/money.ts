// The marketplace's money for a partner, derived from the orders and returns as plain data: one
// payment per order, refunds for cancelled paid orders and accepted returns, a receipt (invoice)
// per shipped order, and weekly payouts of what settled. Nothing here is stored: every figure
// follows from the order's history and the sandbox time, so it can never drift from the orders.
//
// The marketplace's rules as the sandbox plays them:
//   - a prepaid order is paid when the marketplace opens it (paid_at); an unpaid one it cancels
//     fails its payment; cash on delivery is paid at delivery, voided when cancelled before;
//   - a cancelled paid order is refunded in full (unless the partner cancelled with refund:
//     false), an accepted return for its refund_amount;
//   - prices are gross with 19 % VAT (the sandbox's marketplace sells in Germany);
//   - payouts cover Monday-to-Monday weeks (UTC) of succeeded payments minus refunds, less 12 %
//     commission and a 0.35 fee per payment; a week's payout is initiated when it ends and
//     completed two days later.
import type { Order, Payment, PaymentStatus, Payout, PayoutLine, Receipt, Refund, Return } from './types.ts';

export const VAT_RATE = 0.19;
export const COMMISSION_RATE = 0.12;
export const PAYMENT_FEE = 0.35;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const PAYOUT_COMPLETES_AFTER_MS = 2 * DAY_MS;
/** 1970-01-05 was a Monday: weeks are counted from there. */
const FIRST_MONDAY_MS = 4 * DAY_MS;
/** Where payouts change within a week (counted from the Unix epoch): at a week's end (Monday 00:00 UTC) and when completed. */
export const PAYOUT_BOUNDARIES_MS = [FIRST_MONDAY_MS, FIRST_MONDAY_MS + PAYOUT_COMPLETES_AFTER_MS];

const money = (value: number): number => Math.round(value * 100) / 100;
const suffix = (id: string): string => id.slice(id.indexOf('_') + 1);
const reachedAt = (order: Order, status: Order['status']): string | undefined => order.history.find((h) => h.status === status)?.at;

/** The refunds of one order (cancellation and accepted returns), oldest first. Only a paid order is refunded. */
export function refundsOf(order: Order, returns: Iterable<Return>): Refund[] {
  if (!order.paid_at) return [];
  const payment_id = `pay_${suffix(order.id)}`;
  const out: Refund[] = [];
  const cancelledAt = order.status === 'cancelled' ? reachedAt(order, 'cancelled') : undefined;
  if (cancelledAt && order.refund_requested !== false) {
    out.push({ id: `rfd_c${suffix(order.id)}`, payment_id, order_id: order.id, return_id: null, reason: 'cancellation', amount: order.total, currency: order.currency, created_at: cancelledAt });
  }
  for (const r of returns) {
    if (r.order_id !== order.id || r.status !== 'accepted') continue;
    out.push({ id: `rfd_${suffix(r.id)}`, payment_id, order_id: order.id, return_id: r.id, reason: 'return', amount: r.refund_amount, currency: r.currency, created_at: r.updated_at });
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Every payment and refund of a tenant's orders, newest first. */
export function ledgerOf(orders: Iterable<Order>, returns: Return[]): { payments: Payment[]; refunds: Refund[] } {
  const payments: Payment[] = [];
  const refunds: Refund[] = [];
  for (const order of orders) {
    const own = refundsOf(order, returns);
    refunds.push(...own);
    payments.push(paymentOf(order, own));
  }
  payments.sort((a, b) => b.created_at.localeCompare(a.created_at));
  refunds.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { payments, refunds };
}

/** The order's payment as it stands. */
export function paymentOf(order: Order, refunds: Refund[]): Payment {
  const base = { id: `pay_${suffix(order.id)}`, order_id: order.id, method: order.payment_method, amount: order.total, currency: order.currency, created_at: order.created_at };
  if (order.paid_at) {
    const refunded = money(refunds.reduce((sum, r) => sum + r.amount, 0));
    const status: PaymentStatus = refunded === 0 ? 'succeeded' : refunded >= order.total ? 'refunded' : 'partially_refunded';
    const updated_at = refunds.at(-1)?.created_at ?? order.paid_at;
    return { ...base, status, refunded_amount: refunded, succeeded_at: order.paid_at, failure_reason: null, updated_at };
  }
  const cancelledAt = order.status === 'cancelled' ? reachedAt(order, 'cancelled') : undefined;
  if (cancelledAt) {
    const prepaid = order.payment_method === 'prepaid';
    return {
      ...base,
      status: prepaid ? 'failed' : 'voided',
      refunded_amount: 0,
      succeeded_at: null,
      failure_reason: prepaid ? (order.cancellation_reason ?? 'The order was cancelled before it was paid.') : null,
      updated_at: cancelledAt,
    };
  }
  return { ...base, status: 'pending', refunded_amount: 0, succeeded_at: null, failure_reason: null, updated_at: order.created_at };
}

/** The receipt (invoice) of an order, issued when it ships; none before. Prices are gross. */
export function receiptOf(order: Order): Receipt | null {
  const issued_at = reachedAt(order, 'shipped');
  if (!issued_at) return null;
  const split = (gross: number) => {
    const net_amount = money(gross / (1 + VAT_RATE));
    return { net_amount, vat_amount: money(gross - net_amount), gross_amount: money(gross) };
  };
  const lines = order.items.map((item) => ({ sku: item.sku, title: item.title, quantity: item.quantity, unit_price: item.unit_price, vat_rate: VAT_RATE, ...split(item.total_price) }));
  const shipping = split(order.shipping_cost);
  const net_total = money(lines.reduce((sum, l) => sum + l.net_amount, 0) + shipping.net_amount);
  const vat_total = money(lines.reduce((sum, l) => sum + l.vat_amount, 0) + shipping.vat_amount);
  return {
    id: `rcp_${suffix(order.id)}`,
    number: `RE-${order.order_number.replace(/^[A-Z]+-/, '')}`,
    order_id: order.id,
    lines,
    shipping,
    net_total,
    vat_total,
    gross_total: money(net_total + vat_total),
    currency: order.currency,
    issued_at,
  };
}

/** Monday 00:00 UTC of the week holding `ms`. */
const weekStart = (ms: number): number => FIRST_MONDAY_MS + Math.floor((ms - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS;

/**
 * The payouts of every week that has ended by `nowMs` and settled anything: payments that
 * succeeded in it, less the refunds made in it, commission and fees. Newest first.
 */
export function payoutsOf(payments: Payment[], refunds: Refund[], nowMs: number): Payout[] {
  const weeks = new Map<number, PayoutLine[]>();
  const add = (atIso: string, line: PayoutLine) => {
    const start = weekStart(Date.parse(atIso));
    if (start + WEEK_MS > nowMs) return; // the week has not ended: not paid out yet
    let lines = weeks.get(start);
    if (!lines) weeks.set(start, (lines = []));
    lines.push(line);
  };
  for (const p of payments) {
    if (!p.succeeded_at) continue;
    const commission = money(p.amount * COMMISSION_RATE);
    add(p.succeeded_at, { type: 'payment', source_id: p.id, order_id: p.order_id, amount: p.amount, commission, fee: PAYMENT_FEE, net: money(p.amount - commission - PAYMENT_FEE) });
  }
  for (const r of refunds) {
    // The commission on refunded money is given back; the fee is not.
    const commission = -money(r.amount * COMMISSION_RATE);
    add(r.created_at, { type: 'refund', source_id: r.id, order_id: r.order_id, amount: -r.amount, commission, fee: 0, net: money(-r.amount - commission) });
  }
  const payouts: Payout[] = [];
  for (const [start, lines] of weeks) {
    lines.sort((a, b) => a.source_id.localeCompare(b.source_id));
    const end = start + WEEK_MS;
    const sum = (pick: (l: PayoutLine) => number) => money(lines.reduce((total, l) => total + pick(l), 0));
    const completedMs = end + PAYOUT_COMPLETES_AFTER_MS;
    payouts.push({
      id: `po_${new Date(start).toISOString().slice(0, 10).replace(/-/g, '')}`,
      status: completedMs <= nowMs ? 'completed' : 'initiated',
      period_start: new Date(start).toISOString(),
      period_end: new Date(end).toISOString(),
      currency: 'EUR',
      gross: sum((l) => (l.type === 'payment' ? l.amount : 0)),
      refunds: sum((l) => (l.type === 'refund' ? -l.amount : 0)),
      commission: sum((l) => l.commission),
      fees: sum((l) => l.fee),
      net: sum((l) => l.net),
      lines,
      initiated_at: new Date(end).toISOString(),
      completed_at: completedMs <= nowMs ? new Date(completedMs).toISOString() : null,
    });
  }
  return payouts.sort((a, b) => b.period_start.localeCompare(a.period_start));
}
