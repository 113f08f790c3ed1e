// Payments, refunds, receipts and payouts: read-only views the marketplace derives from the
// tenant's orders and returns on its sandbox clock (src/domain/money.ts), so they always agree
// with the orders and need no state of their own.
import { clockNow } from '../clock/clock.ts';
import { paginate } from '../domain/pagination.ts';
import { ledgerOf, paymentOf, payoutsOf, receiptOf, refundsOf } from '../domain/money.ts';
import type { Order, Receipt, TenantState } from '../domain/types.ts';
import type { Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { notFound } from '../server/problem.ts';

/** Every payment and refund of the tenant, newest first. */
const ledger = (state: TenantState) => ledgerOf(Object.values(state.orders), Object.values(state.returns));

const receiptsOf = (orders: Iterable<Order>): Receipt[] =>
  [...orders].flatMap((o) => receiptOf(o) ?? []).sort((a, b) => b.issued_at.localeCompare(a.issued_at));

/** The order whose id a derived id carries (pay_x, rcp_x → ord_x), if the tenant has it. */
const orderBehind = (state: TenantState, id: string): Order | undefined => {
  const orderId = `ord_${id.slice(id.indexOf('_') + 1)}`;
  return Object.hasOwn(state.orders, orderId) ? state.orders[orderId] : undefined;
};

export const moneyHandlers: Handlers<MarketplaceOperationId> = {
  listPayments({ query }, ctx) {
    const { payments } = ledger(requireTenant(ctx).state);
    const shown = payments.filter((p) => (!query.order_id || p.order_id === query.order_id) && (!query.status || p.status === query.status));
    return { status: 200, body: paginate(shown, query.page, query.limit) };
  },

  getPayment({ path }, ctx) {
    const state = requireTenant(ctx).state;
    const order = orderBehind(state, path.payment_id);
    if (!order) throw notFound('Payment', path.payment_id);
    return { status: 200, body: paymentOf(order, refundsOf(order, Object.values(state.returns))) };
  },

  listRefunds({ query }, ctx) {
    const { refunds } = ledger(requireTenant(ctx).state);
    return { status: 200, body: paginate(query.order_id ? refunds.filter((r) => r.order_id === query.order_id) : refunds, query.page, query.limit) };
  },

  getRefund({ path }, ctx) {
    const refund = ledger(requireTenant(ctx).state).refunds.find((r) => r.id === path.refund_id);
    if (!refund) throw notFound('Refund', path.refund_id);
    return { status: 200, body: refund };
  },

  listReceipts({ query }, ctx) {
    const receipts = receiptsOf(Object.values(requireTenant(ctx).state.orders));
    return { status: 200, body: paginate(query.order_id ? receipts.filter((r) => r.order_id === query.order_id) : receipts, query.page, query.limit) };
  },

  getReceipt({ path }, ctx) {
    const order = orderBehind(requireTenant(ctx).state, path.receipt_id);
    const receipt = order ? receiptOf(order) : null;
    if (!receipt) throw notFound('Receipt', path.receipt_id);
    return { status: 200, body: receipt };
  },

  listPayouts({ query }, ctx) {
    const tenant = requireTenant(ctx);
    const { payments, refunds } = ledger(tenant.state);
    const payouts = payoutsOf(payments, refunds, clockNow(tenant.clock).getTime());
    return { status: 200, body: paginate(query.status ? payouts.filter((p) => p.status === query.status) : payouts, query.page, query.limit) };
  },

  getPayout({ path }, ctx) {
    const tenant = requireTenant(ctx);
    const { payments, refunds } = ledger(tenant.state);
    const payout = payoutsOf(payments, refunds, clockNow(tenant.clock).getTime()).find((p) => p.id === path.payout_id);
    if (!payout) throw notFound('Payout', path.payout_id);
    return { status: 200, body: payout };
  },
};
