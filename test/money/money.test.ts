// Money as a partner's finance system reads it: a payment per order that follows the order (pending,
// collected when the marketplace opens a prepaid order, refunded on a cancel or an accepted
// return), a receipt with VAT when the order ships, and weekly payouts on the sandbox clock.
import { beforeAll, describe, expect, it } from 'vitest';
import { clockNow } from '../../src/clock/clock.ts';
import { COMMISSION_RATE, PAYMENT_FEE, VAT_RATE } from '../../src/domain/money.ts';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
const TENANT = 'ten_nordwind';
const seen: { event: string; data: any }[] = [];
const eventsFor = (type: string, id: string) => seen.filter((e) => e.event === type && (e.data.order_id === id || e.data.id === id));
const TRACKING = { carrier: 'DHL', tracking_number: 'JJD0099', tracking_url: 'https://tracking.example/dhl/JJD0099' };
const cents = (n: number) => Math.round(n * 100);

beforeAll(async () => {
  sb = await startSandbox();
  sb.events.subscribe((e) => seen.push({ event: e.event, data: JSON.parse(JSON.stringify(e.data)) }));
  // No surprises from the marketplace: every prepaid order is paid, no customer cancels.
  expect((await sb.control('PUT', '/__sandbox/orders/rules', { tenant_id: TENANT, unpaid_prepaid_share: 0, customer_cancel_share: 0, lost_share: 0 })).status).toBe(200);
});

const now = () => clockNow(sb.store.tenant(TENANT)!.clock).getTime();
const advance = async (seconds: number) => expect((await sb.control('POST', '/__sandbox/clock/advance', { tenant_id: TENANT, seconds })).status).toBe(200);
async function paidPrepaidOrder(): Promise<string> {
  const res = await sb.control('POST', '/__sandbox/orders/generate', { tenant_id: TENANT, count: 1, payment_mix: { prepaid: 1, cash_on_delivery: 0 } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id: string = res.body.orders[0].id;
  expect((await sb.call('GET', `/api/v2/payments/pay_${id.slice(4)}`)).body).toMatchObject({ status: 'pending', succeeded_at: null, method: 'prepaid' });
  await advance(1801); // the marketplace collects the payment and opens the order
  return id;
}
const payment = async (orderId: string) => (await sb.call('GET', `/api/v2/payments/pay_${orderId.slice(4)}`)).body;

describe('payments', () => {
  it('every order has exactly one payment, as the order stands', async () => {
    const orders = Object.values(sb.store.tenant(TENANT)!.state.orders);
    const listed = await sb.call('GET', `/api/v2/payments?limit=100`);
    expect(listed.status).toBe(200);
    expect(listed.body.pagination.total).toBe(orders.length);
    for (const p of listed.body.data) {
      const order = orders.find((o) => o.id === p.order_id)!;
      expect(p.amount).toBe(order.total);
      expect(p.succeeded_at).toBe(order.paid_at);
      if (order.status === 'blocked') expect(p.status).toBe('pending');
    }
    const succeeded = await sb.call('GET', '/api/v2/payments?status=succeeded&limit=100');
    expect(succeeded.body.data.every((p: { status: string }) => p.status === 'succeeded')).toBe(true);
  });

  it('a prepaid order is pending until the marketplace opens it, then succeeded', async () => {
    const id = await paidPrepaidOrder();
    const order = (await sb.call('GET', `/api/v2/orders/${id}`)).body;
    expect(order.status).toBe('open');
    expect(await payment(id)).toMatchObject({ status: 'succeeded', succeeded_at: order.paid_at, amount: order.total, refunded_amount: 0 });
    // payment.succeeded carries the payment as GET shows it.
    expect(eventsFor('payment.succeeded', id).map((e) => e.data)).toEqual([await payment(id)]);
  });

  it('a cancel of a paid order refunds it in full; with refund: false it does not', async () => {
    const refunded = await paidPrepaidOrder();
    expect((await sb.call('POST', `/api/v2/orders/${refunded}/cancel`, { body: { reason: 'out_of_stock', refund: true } })).status).toBe(200);
    const p = await payment(refunded);
    expect(p).toMatchObject({ status: 'refunded', refunded_amount: p.amount });
    const refunds = (await sb.call('GET', `/api/v2/refunds?order_id=${refunded}`)).body.data;
    expect(refunds).toEqual([expect.objectContaining({ reason: 'cancellation', amount: p.amount, payment_id: p.id, return_id: null })]);
    expect((await sb.call('GET', `/api/v2/refunds/${refunds[0].id}`)).body).toEqual(refunds[0]);
    expect(eventsFor('payment.refunded', refunded).map((e) => e.data)).toEqual([p]);

    const kept = await paidPrepaidOrder();
    expect((await sb.call('POST', `/api/v2/orders/${kept}/cancel`, { body: { refund: false } })).status).toBe(200);
    expect((await payment(kept)).status).toBe('succeeded');
    expect((await sb.call('GET', `/api/v2/refunds?order_id=${kept}`)).body.data).toEqual([]);
    expect(eventsFor('payment.refunded', kept)).toEqual([]);
  });

  it('an accepted return is refunded for its refund_amount', async () => {
    const state = sb.store.tenant(TENANT)!.state;
    const ret = Object.values(state.returns).find((r) => r.status === 'received' && state.orders[r.order_id]?.paid_at)!;
    expect((await sb.call('PATCH', `/api/v2/returns/${ret.id}`, { body: { status: 'accepted' } })).status).toBe(200);
    const refunds = (await sb.call('GET', `/api/v2/refunds?order_id=${ret.order_id}`)).body.data;
    expect(refunds).toContainEqual(expect.objectContaining({ reason: 'return', return_id: ret.id, amount: ret.refund_amount }));
    expect((await payment(ret.order_id)).refunded_amount).toBeGreaterThanOrEqual(ret.refund_amount);
    expect(eventsFor('payment.refunded', ret.order_id).at(-1)?.data).toEqual(await payment(ret.order_id));
  });

  it('unknown ids are 404; a token without the finance scope is 403', async () => {
    expectProblem(await sb.call('GET', '/api/v2/payments/pay_nothere1'), 404, 'not_found');
    expectProblem(await sb.call('GET', '/api/v2/refunds/rfd_nothere1'), 404, 'not_found');
    expectProblem(await sb.call('GET', '/api/v2/receipts/rcp_nothere1'), 404, 'not_found');
    expectProblem(await sb.call('GET', '/api/v2/payouts/po_19990104'), 404, 'not_found');
    const client = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
    const token = await sb.call('POST', '/oauth/token', { key: null, form: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'orders' } });
    expectProblem(await sb.call('GET', '/api/v2/payments', { key: token.body.access_token }), 403, 'insufficient_scope');
  });
});

describe('receipts', () => {
  it('a shipped order has a receipt whose lines and VAT add up to the order total', async () => {
    const id = await paidPrepaidOrder();
    expectProblem(await sb.call('GET', `/api/v2/receipts/rcp_${id.slice(4)}`), 404, 'not_found'); // not shipped yet
    expect((await sb.call('PATCH', `/api/v2/orders/${id}/status`, { body: { status: 'shipping', confirmed: true } })).status).toBe(200);
    expect((await sb.call('PATCH', `/api/v2/orders/${id}/status`, { body: { status: 'shipped', ...TRACKING } })).status).toBe(200);
    const order = (await sb.call('GET', `/api/v2/orders/${id}`)).body;
    const receipt = (await sb.call('GET', `/api/v2/receipts/rcp_${id.slice(4)}`)).body;
    expect(receipt).toMatchObject({ order_id: id, currency: order.currency, gross_total: order.total });
    expect(receipt.number).toBe(`RE-${order.order_number.replace(/^[A-Z]+-/, '')}`);
    expect(receipt.lines.map((l: { sku: string }) => l.sku)).toEqual(order.items.map((i: { sku: string }) => i.sku));
    for (const line of receipt.lines) {
      expect(line.vat_rate).toBe(VAT_RATE);
      expect(cents(line.net_amount + line.vat_amount)).toBe(cents(line.gross_amount));
    }
    expect(cents(receipt.net_total + receipt.vat_total)).toBe(cents(order.total));
    expect((await sb.call('GET', `/api/v2/receipts?order_id=${id}`)).body.data).toEqual([receipt]);
  });
});

describe('payouts', () => {
  it('a week that ends is paid out (initiated), completed two days later, with every payment and refund of the week', async () => {
    const id = await paidPrepaidOrder();
    const paidAt = Date.parse((await payment(id)).succeeded_at);
    const DAY = 86_400_000;
    const monday = 4 * DAY + Math.floor((paidAt - 4 * DAY) / (7 * DAY)) * 7 * DAY;
    const payoutId = `po_${new Date(monday).toISOString().slice(0, 10).replace(/-/g, '')}`;
    expectProblem(await sb.call('GET', `/api/v2/payouts/${payoutId}`), 404, 'not_found'); // the week has not ended
    await advance(Math.ceil((monday + 7 * DAY - now()) / 1000) + 60);
    const initiated = (await sb.call('GET', `/api/v2/payouts/${payoutId}`)).body;
    expect(initiated).toMatchObject({ status: 'initiated', completed_at: null, period_start: new Date(monday).toISOString() });
    expect(eventsFor('payout.initiated', payoutId).map((e) => e.data)).toEqual([initiated]);
    expect(eventsFor('payout.completed', payoutId)).toEqual([]);
    const line = initiated.lines.find((l: { source_id: string }) => l.source_id === `pay_${id.slice(4)}`);
    const p = await payment(id);
    expect(line).toEqual({ type: 'payment', source_id: p.id, order_id: id, amount: p.amount, commission: cents(p.amount * COMMISSION_RATE) / 100, fee: PAYMENT_FEE, net: expect.any(Number) });
    const sum = (pick: (l: { net: number }) => number) => initiated.lines.reduce((t: number, l: { net: number }) => t + pick(l), 0);
    expect(cents(initiated.net)).toBe(cents(sum((l) => l.net)));
    expect(cents(initiated.net)).toBe(cents(initiated.gross - initiated.refunds - initiated.commission - initiated.fees));

    await advance(2 * 86_400 + 60);
    const completed = (await sb.call('GET', `/api/v2/payouts/${payoutId}`)).body;
    expect(completed).toMatchObject({ status: 'completed', completed_at: new Date(monday + 9 * DAY).toISOString() });
    expect(eventsFor('payout.completed', payoutId).map((e) => e.data)).toEqual([completed]);
    expect(eventsFor('payout.initiated', payoutId)).toHaveLength(1);
    const listed = (await sb.call('GET', '/api/v2/payouts?status=completed&limit=100')).body.data;
    expect(listed.some((po: { id: string }) => po.id === payoutId)).toBe(true);
  });
});
