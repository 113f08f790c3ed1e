// Webhook quotas by plan, per-subscription retry settings, and retries that hold nothing back, as a
// partner's receiver on 127.0.0.1 and the delivery log show them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedEvent, WebhookDelivery } from '../../src/domain/types.ts';
import { WEBHOOK_DAILY_QUOTAS } from '../../src/domain/webhook-quota.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { confirmSomeOrder, startOrderEventSandbox } from '../support/order-events.ts';
import { receiverPool, waitUntil } from '../support/webhook-receiver.ts';

const SCALE = 0.01;
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

const deliveries = async (hookId: string): Promise<WebhookDelivery[]> => {
  const all: WebhookDelivery[] = [];
  for (let page = 1; ; page++) {
    const res = await sb.call('GET', `/api/v2/webhooks/${hookId}/deliveries?limit=100&page=${page}`);
    all.push(...res.body.data);
    if (page >= res.body.pagination.total_pages) return all;
  }
};


describe('retry settings per subscription', () => {
  it('are shown on GET, applied to its deliveries, and removed with null', async () => {
    const r = await receiver(() => 500);
    const created = await sb.call('POST', '/api/v2/webhooks', { body: { url: r.url, events: ['order.confirmed'], retry_policy: { max_retries: 3, schedule_seconds: [2, 5] } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.retry_policy).toEqual({ max_retries: 3, schedule_seconds: [2, 5] });
    expect((await sb.call('GET', `/api/v2/webhooks/${created.body.id}`)).body.retry_policy).toEqual({ max_retries: 3, schedule_seconds: [2, 5] });

    await confirmSomeOrder(sb);
    const failed = await waitUntil(async () => (await deliveries(created.body.id)).find((d) => d.status === 'failed'));
    // 3 retries after the first attempt, the schedule's last wait repeated (scaled a hundredfold).
    expect(failed.attempts.map((a) => a.next_retry_in_ms)).toEqual([20, 50, 50, null]);

    const cleared = await sb.call('PATCH', `/api/v2/webhooks/${created.body.id}`, { body: { retry_policy: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty('retry_policy');
    await confirmSomeOrder(sb);
    // Back to the server's schedule: 1, 2, 4, 8, 16 s.
    const again = await waitUntil(async () => (await deliveries(created.body.id)).find((d) => d.status === 'failed' && d.attempts.length === 6));
    expect(again.attempts.map((a) => a.next_retry_in_ms)).toEqual([10, 20, 40, 80, 160, null]);
    await sb.call('DELETE', `/api/v2/webhooks/${created.body.id}`);
  });

  it('out of bounds are refused with 400 and the pointer', async () => {
    const url = 'http://127.0.0.1:9/hooks';
    const cases: [unknown, string][] = [
      [{ max_retries: 11 }, '/body/retry_policy/max_retries'],
      [{ schedule_seconds: [10, 0] }, '/body/retry_policy/schedule_seconds/1'],
      [{ schedule_seconds: [86_401] }, '/body/retry_policy/schedule_seconds/0'],
      [{ schedule_seconds: Array.from({ length: 11 }, () => 5) }, '/body/retry_policy/schedule_seconds'],
      [{}, '/body/retry_policy'],
    ];
    for (const [retry_policy, pointer] of cases) {
      const problem = expectProblem(await sb.call('POST', '/api/v2/webhooks', { body: { url, events: ['order.*'], retry_policy } }), 400, 'validation_failed');
      expect(problem.errors.map((e: { pointer: string }) => e.pointer), JSON.stringify(retry_policy)).toContain(pointer);
    }
    const hook = (await sb.call('POST', '/api/v2/webhooks', { body: { url, events: ['order.*'] } })).body;
    const patched = expectProblem(await sb.call('PATCH', `/api/v2/webhooks/${hook.id}`, { body: { retry_policy: { max_retries: -1 } } }), 400, 'validation_failed');
    expect(patched.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/retry_policy/max_retries');
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });
});

describe('a failing event holds back no other', () => {
  it('healthy events arrive within 2 s (p95) while one event fails every attempt on its own schedule', async () => {
    let failing = '';
    const r = await receiver((req) => (req.event.data.id === failing ? 500 : 200));
    // Ten retries, 0.5 s apart at this scale: the failing event is retried for the whole run.
    const hook = (await sb.call('POST', '/api/v2/webhooks', { body: { url: r.url, events: ['order.confirmed'], retry_policy: { max_retries: 10, schedule_seconds: [50] } } })).body;
    failing = await confirmSomeOrder(sb);
    const changedAt = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      changedAt.set(await confirmSomeOrder(sb), started);
    }
    const arrived = await r.waitFor((x) => [...changedAt.keys()].every((id) => x.some((y) => y.event.data.id === id)), 10_000);
    const latencies = [...changedAt].map(([id, at]) => arrived.find((y) => y.event.data.id === id)!.at - at).sort((a, b) => a - b);
    const p95 = latencies[Math.ceil(latencies.length * 0.95) - 1]!;
    console.log(`event → arrival of 20 healthy events beside a failing one: p50 ${latencies[9]} ms, p95 ${p95} ms, max ${latencies.at(-1)} ms`);
    expect(p95).toBeLessThan(2000);
    // Meanwhile the failing event was still being retried: it had not used up its schedule.
    const failingDelivery = (await deliveries(hook.id)).find((d) => d.status === 'pending' || d.status === 'failed')!;
    expect(failingDelivery.status).toBe('pending');

    const failed = await waitUntil(async () => (await deliveries(hook.id)).find((d) => d.status === 'failed'), 15_000);
    expect(failed.attempts).toHaveLength(11);
    expect(failed.attempts.every((a) => a.status_code === 500)).toBe(true);
    // Each retry at least its wait after the attempt before it.
    const at = failed.attempts.map((a) => Date.parse(a.at));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(48);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });
});

describe('webhook quotas', () => {
  it('a basic tenant gets 100 deliveries a day; the next is logged quota_exceeded, stays in the feed and is redelivered once the quota allows', async () => {
    const q = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale: SCALE } });
    const r = await receiver();
    try {
      expect((await q.control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'basic' })).status).toBe(200);
      const hook = (await q.call('POST', '/api/v2/webhooks', { body: { url: r.url, events: ['order.created'] } })).body;
      const quota = WEBHOOK_DAILY_QUOTAS.basic;
      let created = 0;
      while (created < quota + 1) {
        const res = await q.control('POST', '/__sandbox/orders/generate', { count: Math.min(50, quota + 1 - created) });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        created += res.body.orders.length;
      }
      await r.waitFor((x) => x.length === quota, 10_000);
      const log: WebhookDelivery[] = (await q.call('GET', `/api/v2/webhooks/${hook.id}/deliveries?limit=100`)).body.data;
      const over = log.find((d) => d.status === 'quota_exceeded')!;
      expect(over).toMatchObject({ attempts: [], next_attempt_at: null, quota: { window: 'day', limit: 100 } });
      expect(Date.parse(over.quota!.resets_at) % 86_400_000).toBe(0); // the next UTC midnight
      expect(Object.values(q.store.tenant('ten_nordwind')!.state.deliveries).filter((d) => d.status === 'quota_exceeded')).toHaveLength(1);
      // Not lost: the event is in the feed.
      const feed: FeedEvent[] = (await q.call('GET', `/api/v2/events?type=order.created&limit=100&cursor=${encodeURIComponent((await q.call('GET', '/api/v2/events?type=order.created&limit=100')).body.pagination.next_cursor)}`)).body.data;
      expect(feed.map((e) => e.event_id)).toContain(over.event_id);

      // Still over quota: a redelivery stays quota_exceeded; after an upgrade it goes out.
      const refused = await q.call('POST', `/api/v2/webhooks/${hook.id}/deliveries/${over.id}/redeliver`);
      expect([refused.status, refused.body.status]).toEqual([202, 'quota_exceeded']);
      expect((await q.control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'growth' })).status).toBe(200);
      const redelivered = await q.call('POST', `/api/v2/webhooks/${hook.id}/deliveries/${over.id}/redeliver`);
      expect([redelivered.status, redelivered.body.status]).toEqual([202, 'pending']);
      expect(redelivered.body).not.toHaveProperty('quota');
      const [got] = (await r.waitFor((x) => x.some((y) => y.event.event_id === over.event_id))).filter((y) => y.event.event_id === over.event_id);
      expect(got!.event.event).toBe('order.created');
      // A ping is never counted nor refused.
      expect((await q.control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'basic' })).status).toBe(200);
      const ping = await q.call('POST', `/api/v2/webhooks/${hook.id}/ping`);
      await r.waitFor((x) => x.some((y) => y.event.event_id === ping.body.event_id));
    } finally {
      await q.close();
    }
  });
});
