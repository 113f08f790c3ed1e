// Webhook delivery as a partner's receiver on 127.0.0.1 experiences it: signed, in order, retried on
// a visible schedule, failed for good and redelivered, and resumed after a restart. Retry waits are
// scaled down (retryScale) so the whole schedule takes milliseconds.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readKeptState } from '../../src/store/file-backend.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../src/domain/types.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { confirmSomeOrder, startOrderEventSandbox } from '../support/order-events.ts';
import { receiverPool, waitUntil } from '../support/webhook-receiver.ts';

const SCALE = 0.01; // 1, 2, 4, 8, 16 s become 10, 20, 40, 80, 160 ms

let sb: TestSandbox;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  sb = await startOrderEventSandbox(SCALE);
});
afterAll(async () => {
  await sb.close();
  await receivers.close();
});

async function subscribe(url: string, events: string[] = ['order.*']): Promise<{ id: string; secret: string }> {
  const res = await sb.call('POST', '/api/v2/webhooks', { body: { url, events } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const deliveries = async (hookId: string): Promise<WebhookDelivery[]> => (await sb.call('GET', `/api/v2/webhooks/${hookId}/deliveries?limit=100`)).body.data;

/** The subscription's deliveries as the store holds them right now (queued as each event happens). */
const deliveriesOf = (hookId: string) => Object.values(sb.store.tenant('ten_nordwind')!.state.deliveries).filter((d) => d.subscription_id === hookId);

async function deliveryOf(hookId: string, predicate: (d: WebhookDelivery) => boolean, timeoutMs = 5000): Promise<WebhookDelivery> {
  let last: WebhookDelivery[] = [];
  return waitUntil(
    async () => (last = await deliveries(hookId)).find(predicate),
    timeoutMs,
    () => `deliveries: ${JSON.stringify(last.map((d) => ({ status: d.status, attempts: d.attempts.map((a) => a.status_code ?? a.error) })))}`,
  );
}


describe('signatures', () => {
  it('verify with the standardwebhooks library; a tampered body does not', async () => {
    const r = await receiver();
    const hook = await subscribe(r.url);
    const orderId = await confirmSomeOrder(sb);
    const [got] = await r.waitFor((x) => x.length >= 1);
    expect(got!.event).toMatchObject({ event: 'order.confirmed', tenant_id: 'ten_nordwind', data: { id: orderId, confirmed: true } });
    expect(got!.event.event_id).toMatch(/^evt_/);

    const verifier = new Webhook(hook.secret);
    const headers = got!.headers as Record<string, string>;
    expect(verifier.verify(got!.body, headers)).toEqual(got!.event);
    expect(() => verifier.verify(got!.body.replace('"confirmed":true', '"confirmed":false'), headers)).toThrow();
    expect(headers['webhook-id']).toBe(got!.event.event_id);
    expect(headers['x-event-id']).toBe(got!.event.event_id);
    expect(headers['x-event-type']).toBe('order.confirmed');
    expect(headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });
});

describe('retries', () => {
  it('a receiver failing its first 3 attempts shows the retry schedule in the log, then succeeds', async () => {
    const r = await receiver((_req, i) => (i < 3 ? 503 : 200));
    const hook = await subscribe(r.url);
    await confirmSomeOrder(sb);
    const done = await deliveryOf(hook.id, (d) => d.status === 'succeeded');
    expect(done.attempts.map((a) => a.status_code)).toEqual([503, 503, 503, 200]);
    expect(done.attempts.map((a) => a.next_retry_in_ms)).toEqual([10, 20, 40, null]);
    expect(done.attempts[0]!.error).toContain('503');
    expect(done.attempts[3]!.error).toBeNull();
    expect(done.next_attempt_at).toBeNull();
    // The waits really happened: each attempt at least its scheduled wait after the one before.
    const at = done.attempts.map((a) => Date.parse(a.at));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(done.attempts[i - 1]!.next_retry_in_ms! - 2);
    // Every attempt carried the same event, freshly signed.
    expect(new Set(r.received.map((x) => x.event.event_id)).size).toBe(1);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('honours Retry-After when it asks for longer than the schedule', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '5' } } : 204));
    const hook = await subscribe(r.url);
    await confirmSomeOrder(sb);
    const done = await deliveryOf(hook.id, (d) => d.status === 'succeeded');
    expect(done.attempts.map((a) => [a.status_code, a.next_retry_in_ms])).toEqual([
      [429, 50],
      [204, null],
    ]);
    expect(done.attempts[0]!.error).toContain('Retry-After: 5');
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('a receiver that is always down ends failed after the last retry, and can be redelivered once it is back', async () => {
    let up = false;
    const r = await receiver(() => (up ? 200 : 500));
    const hook = await subscribe(r.url);
    const orderId = await confirmSomeOrder(sb);
    const failed = await deliveryOf(hook.id, (d) => d.status === 'failed');
    expect(failed.attempts).toHaveLength(6);
    expect(failed.attempts.map((a) => a.next_retry_in_ms)).toEqual([10, 20, 40, 80, 160, null]);
    expect(failed.next_attempt_at).toBeNull();

    up = true;
    const redelivered = await sb.call('POST', `/api/v2/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: failed.id, status: 'pending' });
    const done = await deliveryOf(hook.id, (d) => d.id === failed.id && d.status === 'succeeded');
    expect(done.attempts).toHaveLength(7);
    expect(done.attempts.at(-1)!.status_code).toBe(200);
    // Same event id and the very same bytes as the first attempt.
    const last = r.received.at(-1)!;
    expect(last.body).toBe(r.received[0]!.body);
    expect(last.event).toMatchObject({ event_id: failed.event_id, data: { id: orderId } });

    expectProblem(await sb.call('POST', `/api/v2/webhooks/${hook.id}/deliveries/dlv_doesnotexist/redeliver`), 404, 'not_found');
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('a connection that is refused counts as a failure with the transport error in the log', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const hook = await subscribe(url);
    await confirmSomeOrder(sb);
    const failed = await deliveryOf(hook.id, (d) => d.status === 'failed');
    expect(failed.attempts.every((a) => a.status_code === null && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('410 Gone disables the subscription and fails what was queued behind', async () => {
    const r = await receiver(() => 410);
    const hook = await subscribe(r.url);
    await confirmSomeOrder(sb);
    const gone = await deliveryOf(hook.id, (d) => d.status === 'failed');
    expect(gone.attempts).toHaveLength(1);
    expect(gone.attempts[0]!.error).toContain('disabled');
    expect((await sb.call('GET', `/api/v2/webhooks/${hook.id}`)).body.active).toBe(false);
    // Disabled: later events are not delivered (a delivery is queued, or not, as the event happens).
    await confirmSomeOrder(sb);
    expect(deliveriesOf(hook.id)).toHaveLength(1);
    expect(r.received).toHaveLength(1);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });
});

describe('queueing', () => {
  it('sends first attempts in the order of the events; a delivery waiting for its retry holds back none of them', async () => {
    let failing = '';
    const r = await receiver((req) => (req.event.data.id === failing && r.received.filter((x) => x.event.data.id === failing).length <= 2 ? 503 : 200));
    const hook = await subscribe(r.url);
    failing = Object.values(sb.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await confirmSomeOrder(sb));
    expect(ids[0]).toBe(failing);
    await r.waitFor((x) => new Set(x.map((y) => y.event.event_id)).size === 5 && x.length === 7);
    const firstSeen = [...new Map(r.received.map((x) => [x.event.event_id, x.event.data.id as string])).values()];
    expect(firstSeen).toEqual(ids);
    const failed = await deliveryOf(hook.id, (d) => d.status === 'succeeded' && d.attempts.length === 3);
    expect(failed.attempts.map((a) => a.status_code)).toEqual([503, 503, 200]);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('a slow receiver does not slow the API', async () => {
    let letGo!: () => void;
    const hanging = new Promise<void>((resolve) => (letGo = resolve));
    const r = await receiver(() => ({ status: 200, until: hanging }));
    const hook = await subscribe(r.url);
    try {
      // The receiver holds the first delivery unanswered until the end: the API answers all the same.
      for (let i = 0; i < 3; i++) await confirmSomeOrder(sb);
      await r.waitFor((x) => x.length >= 1);
      expect(deliveriesOf(hook.id)).toHaveLength(3);
      expect(deliveriesOf(hook.id).filter((d) => d.status === 'succeeded')).toEqual([]);
    } finally {
      letGo();
    }
    await deliveryOf(hook.id, (d) => d.status === 'succeeded');
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('delivers only what the filter matches, wildcards included', async () => {
    const r = await receiver();
    const hook = await subscribe(r.url, ['inventory.*']);
    const item = Object.values(sb.store.tenant('ten_nordwind')!.state.inventory)[0]!;
    await confirmSomeOrder(sb); // order.confirmed: not for this subscription
    const res = await sb.call('PATCH', `/api/v2/inventory/${encodeURIComponent(item.sku)}`, { body: { quantity: item.locations[0]!.quantity + 1, location: item.locations[0]!.location_id } });
    expect(res.status).toBe(200);
    // Deliveries are queued as events happen: the order's event queued none for this subscription.
    expect(deliveriesOf(hook.id).map((d) => d.event_type)).toEqual(['inventory.updated']);
    await r.waitFor((x) => x.length >= 1);
    expect(r.received.map((x) => x.event.event)).toEqual(['inventory.updated']);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('refuses filter entries that match no event type, and URLs it cannot call', async () => {
    const typo = expectProblem(await sb.call('POST', '/api/v2/webhooks', { body: { url: 'http://127.0.0.1:9/h', events: ['order.*', 'order.craeted'] } }), 400, 'validation_failed');
    expect(typo.errors).toEqual([expect.objectContaining({ pointer: '/body/events/1' })]);
    const ftp = expectProblem(await sb.call('POST', '/api/v2/webhooks', { body: { url: 'ftp://127.0.0.1/h', events: ['order.*'] } }), 400, 'validation_failed');
    expect(ftp.errors[0].pointer).toBe('/body/url');
  });

  it('ping sends webhook.ping to one subscription, whatever its filter', async () => {
    const r = await receiver();
    const hook = await subscribe(r.url, ['price.updated']);
    const ping = await sb.call('POST', `/api/v2/webhooks/${hook.id}/ping`);
    expect(ping.status).toBe(202);
    const [got] = await r.waitFor((x) => x.length === 1);
    expect(got!.event).toMatchObject({ event_id: ping.body.event_id, event: 'webhook.ping', data: { webhook_id: hook.id } });
    expect(new Webhook(hook.secret).verify(got!.body, got!.headers as Record<string, string>)).toEqual(got!.event);
    expect((await deliveryOf(hook.id, (d) => d.id === ping.body.delivery_id && d.status === 'succeeded')).event_type).toBe('webhook.ping');
    expectProblem(await sb.call('POST', '/api/v2/webhooks/wh_doesnotexist/ping'), 404, 'not_found');
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });

  it('deleting a subscription drops its pending deliveries', async () => {
    const r = await receiver(() => 503);
    const hook = await subscribe(r.url);
    await confirmSomeOrder(sb);
    await r.waitFor((x) => x.length >= 1);
    const queued = deliveriesOf(hook.id).map((d) => d.id);
    expect(queued.length).toBeGreaterThan(0);
    expect(await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`)).toMatchObject({ status: 204 });
    expect(deliveriesOf(hook.id)).toEqual([]);
    // Nothing is left to retry: every retry is made from the outbox, which holds none of them now.
    const outbox = sb.store.tenant('ten_nordwind')!.state.webhook_outbox ?? {};
    expect(queued.filter((id) => id in outbox)).toEqual([]);
  });
});

describe('a restart with pending retries', () => {
  it('resumes them from the data file: nothing acknowledged is lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-webhooks-'));
    const dataFile = join(dir, 'state.json');
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 503));
    try {
      // First run: the receiver is down; the first retry is 0.6 s away when the sandbox stops.
      const first = await startSandbox({ dataFile, clock: { mode: 'manual', factor: 1 }, webhooks: { retrySchedule: [0.6, 0.6] } });
      const hook = (await first.call('POST', '/api/v2/webhooks', { body: { url: r.url, events: ['order.*'] } })).body;
      const order = Object.values(first.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!;
      await first.call('PATCH', `/api/v2/orders/${order.id}/status`, { body: { confirmed: true } });
      await r.waitFor((x) => x.length === 1);
      await waitUntil(() => Object.values(first.store.tenant('ten_nordwind')!.state.deliveries).some((d) => d.attempts.length === 1));
      await first.close();

      const saved = (await readKeptState(dataFile)).image!;
      const pending = saved.tenants[0]!.tables.deliveries!;
      expect(Object.values(pending as Record<string, WebhookDelivery>).map((d) => [d.status, d.attempts.length])).toEqual([['pending', 1]]);

      // Second run on the same file, receiver back: the retry goes out and succeeds.
      healthy = true;
      const second = await startSandbox({ dataFile, clock: { mode: 'manual', factor: 1 }, webhooks: { retrySchedule: [0.6, 0.6] } });
      try {
        const done = await waitUntil(async () => {
          const list = (await second.call('GET', `/api/v2/webhooks/${hook.id}/deliveries`)).body.data as WebhookDelivery[];
          return list[0]?.status === 'succeeded' ? list[0] : null;
        });
        expect(done.attempts.map((a) => a.status_code)).toEqual([503, 200]);
        expect(r.received.map((x) => x.event.event_id)).toEqual([done.event_id, done.event_id]);
        expect(r.received[1]!.body).toBe(r.received[0]!.body);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
