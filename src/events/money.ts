// The money events, told from the changes that cause them: a payment that succeeds or fails, a
// refund (of a cancelled paid order or an accepted return), and the weekly payouts as the sandbox
// clock passes their week's end (initiated) and two days later (completed). The figures are the
// ones the money endpoints derive (src/domain/money.ts), so an event and a GET always agree.
import { ledgerOf, payoutsOf, paymentOf, refundsOf, PAYOUT_BOUNDARIES_MS } from '../domain/money.ts';
import type { Order, Return } from '../domain/types.ts';
import type { EventBus } from './bus.ts';
import type { Tenant } from '../store/store.ts';

/** After an order (or one of its returns) changed: what its payment did. */
export function announcePayment(events: EventBus, tenantId: string, before: { order: Order; returns: Return[] }, after: { order: Order; returns: Return[] }, at: Date): void {
  const was = paymentOf(before.order, refundsOf(before.order, before.returns));
  const now = paymentOf(after.order, refundsOf(after.order, after.returns));
  if (!was.succeeded_at && now.succeeded_at) events.emit(tenantId, 'payment.succeeded', now, at);
  if (was.status !== 'failed' && now.status === 'failed') events.emit(tenantId, 'payment.failed', now, at);
  if (now.refunded_amount > was.refunded_amount) events.emit(tenantId, 'payment.refunded', now, at);
}

/** As the tenant's clock moves from `fromMs` to `toMs`: the payouts initiated and completed on the way. */
export function announcePayouts(events: EventBus, tenant: Tenant, fromMs: number, toMs: number): void {
  // A payout changes only at a week's end or two days after it: most clock steps pass neither.
  if (!PAYOUT_BOUNDARIES_MS.some((offset) => crossesWeekly(fromMs, toMs, offset))) return;
  const { payments, refunds } = ledgerOf(Object.values(tenant.state.orders), Object.values(tenant.state.returns));
  const within = (iso: string | null) => iso !== null && Date.parse(iso) > fromMs && Date.parse(iso) <= toMs;
  const payouts = payoutsOf(payments, refunds, toMs).reverse(); // oldest first
  for (const payout of payouts) if (within(payout.initiated_at)) events.emit(tenant.id, 'payout.initiated', { ...payout, status: 'initiated', completed_at: null }, new Date(payout.initiated_at));
  for (const payout of payouts) if (within(payout.completed_at)) events.emit(tenant.id, 'payout.completed', payout, new Date(payout.completed_at!));
}

const WEEK_MS = 7 * 86_400_000;
/** Whether (fromMs, toMs] holds a moment `offsetMs` after the start of some week (weeks counted as money.ts counts them). */
function crossesWeekly(fromMs: number, toMs: number, offsetMs: number): boolean {
  if (toMs <= fromMs) return false;
  const next = Math.floor((fromMs - offsetMs) / WEEK_MS) * WEEK_MS + offsetMs + WEEK_MS;
  return next <= toMs || toMs - fromMs >= WEEK_MS;
}
