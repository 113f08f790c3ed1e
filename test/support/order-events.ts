// A sandbox whose partner can make order events at will, for webhook tests: a manual clock, webhook
// retries scaled down, and 40 open, unconfirmed orders of ten_nordwind (each confirmation is one
// order.confirmed event).
import { expect } from 'vitest';
import { startSandbox, type TestSandbox } from './sandbox.ts';

export async function startOrderEventSandbox(retryScale: number): Promise<TestSandbox> {
  const sb = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale } });
  await sb.control('POST', '/__sandbox/orders/generate', { count: 40, payment_mix: { prepaid: 0, cash_on_delivery: 1 } });
  await sb.control('POST', '/__sandbox/clock/advance', { seconds: 600 });
  return sb;
}

/** An order event for the tenant, made the way a partner would: confirming an open order. Returns the order id. */
export async function confirmSomeOrder(sb: TestSandbox): Promise<string> {
  const order = Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!;
  expect((await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { confirmed: true } })).status).toBe(200);
  return order.id;
}
