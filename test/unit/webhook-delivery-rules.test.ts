// The plain rules behind webhook delivery and the event feed: resource keys and sequence numbers,
// the feed's retention and cursors, the webhook quotas by plan, and the retry schedule that applies.
import { describe, expect, it } from 'vitest';
import { loadDocument, resolveLocal } from '../../src/contract/operations.ts';
import { appendToFeed, decodeCursor, encodeCursor, readFeed, type FeedEntry } from '../../src/domain/event-feed.ts';
import { nextSequence, resourceKey } from '../../src/domain/event-sequence.ts';
import { newWebhookQuotaCounter, takeWebhookDelivery, WEBHOOK_DAILY_QUOTAS, WEBHOOK_PER_MINUTE } from '../../src/domain/webhook-quota.ts';
import { effectiveRetrySchedule, RETRY_POLICY_BOUNDS } from '../../src/domain/webhook-retries.ts';
import { DEFAULT_SPEC } from '../../src/sandbox-files.ts';

describe('sequence numbers', () => {
  it('key events by the type prefix and the resource identity in data', () => {
    expect(resourceKey('order.status_changed', { id: 'ord_1', status: 'open' })).toBe('order:ord_1');
    expect(resourceKey('order.created', { id: 'ord_1' })).toBe('order:ord_1');
    expect(resourceKey('price.updated', { item_id: 'var_1', product_id: 'prod_1' })).toBe('price:var_1');
    expect(resourceKey('inventory.low_stock', { sku: 'SKU-1' })).toBe('inventory:SKU-1');
    expect(resourceKey('webhook.ping', { webhook_id: 'wh_1' })).toBe('webhook:wh_1');
    expect(resourceKey('job.completed', null)).toBe('job');
  });

  it('count 1, 2, 3 … per key', () => {
    const counters = {};
    expect([nextSequence(counters, 'order:a'), nextSequence(counters, 'order:b'), nextSequence(counters, 'order:a'), nextSequence(counters, 'order:a')]).toEqual([1, 1, 2, 3]);
    expect(counters).toEqual({ 'order:a': 3, 'order:b': 1 });
  });
});

describe('the event feed', () => {
  const feedOf = (n: number, retention?: number): FeedEntry[] => {
    const feed: FeedEntry[] = [];
    for (let i = 0; i < n; i++) appendToFeed(feed, i % 2 ? 'product.updated' : 'order.created', `{"n":${i}}`, retention);
    return feed;
  };

  it('keeps the newest events within the retention, at positions that only grow', () => {
    const feed = feedOf(7, 5);
    expect(feed.map((e) => e.position)).toEqual([3, 4, 5, 6, 7]);
  });

  it('pages oldest first from a cursor, filtered, and tells whether more follow', () => {
    const feed = feedOf(10);
    const all = () => true;
    const first = readFeed(feed, 0, 4, all);
    expect([first.entries.map((e) => e.position), first.next_position, first.has_more]).toEqual([[1, 2, 3, 4], 4, true]);
    const last = readFeed(feed, 8, 4, all);
    expect([last.entries.map((e) => e.position), last.next_position, last.has_more]).toEqual([[9, 10], 10, false]);
    expect(readFeed(feed, 10, 4, all)).toEqual({ entries: [], next_position: 10, has_more: false });
    const orders = readFeed(feed, 0, 3, (t) => t === 'order.created');
    expect([orders.entries.map((e) => e.position), orders.has_more]).toEqual([[1, 3, 5], true]);
    // No more matches: the cursor moves past what was scanned.
    expect(readFeed(feed, 5, 3, (t) => t === 'order.created')).toMatchObject({ next_position: 10, has_more: false });
  });

  it('round-trips cursors and refuses text that is not one', () => {
    expect(decodeCursor(encodeCursor(0))).toBe(0);
    expect(decodeCursor(encodeCursor(12345))).toBe(12345);
    expect(decodeCursor('12')).toBeNull();
    expect(decodeCursor('evc1.!!!')).toBeNull();
  });
});

describe('webhook quotas', () => {
  const day = 20_000 * 86_400_000;

  it('allow the plan\u2019s deliveries a UTC day, refuse the next until the day ends', () => {
    const counter = newWebhookQuotaCounter();
    for (let i = 0; i < WEBHOOK_DAILY_QUOTAS.basic; i++) expect(takeWebhookDelivery(counter, 'basic', day + i * 1000).allowed).toBe(true);
    expect(takeWebhookDelivery(counter, 'basic', day + 3_600_000)).toEqual({ allowed: false, window: 'day', limit: 100, resets_at_ms: day + 86_400_000 });
    expect(takeWebhookDelivery(counter, 'basic', day + 86_400_000).allowed).toBe(true);
    expect(WEBHOOK_DAILY_QUOTAS).toEqual({ basic: 100, growth: 1000, enterprise: 10_000 });
  });

  it('cap every plan at 1 000 a UTC minute', () => {
    const counter = newWebhookQuotaCounter();
    for (let i = 0; i < WEBHOOK_PER_MINUTE; i++) takeWebhookDelivery(counter, 'enterprise', day + 10);
    expect(takeWebhookDelivery(counter, 'enterprise', day + 59_999)).toEqual({ allowed: false, window: 'minute', limit: 1000, resets_at_ms: day + 60_000 });
    expect(takeWebhookDelivery(counter, 'enterprise', day + 60_000).allowed).toBe(true);
    expect(counter.day_used).toBe(1001);
  });
});

describe('the retry schedule that applies', () => {
  const server = [1, 2, 4, 8, 16];
  it('is the fallback without a policy', () => {
    expect(effectiveRetrySchedule(undefined, server)).toEqual(server);
    expect(effectiveRetrySchedule({}, server)).toEqual(server);
  });
  it('repeats the last wait up to max_retries, cuts a longer schedule, takes the missing member from the fallback', () => {
    expect(effectiveRetrySchedule({ max_retries: 4, schedule_seconds: [10, 60] }, server)).toEqual([10, 60, 60, 60]);
    expect(effectiveRetrySchedule({ max_retries: 1, schedule_seconds: [10, 60] }, server)).toEqual([10]);
    expect(effectiveRetrySchedule({ max_retries: 7 }, server)).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(effectiveRetrySchedule({ max_retries: 0 }, server)).toEqual([]);
    expect(effectiveRetrySchedule({ schedule_seconds: [30] }, server)).toEqual([30]);
  });
  it('has the bounds of the spec\u2019s RetryPolicy schema', async () => {
    const doc = await loadDocument(DEFAULT_SPEC);
    const schema = resolveLocal<unknown>(doc, { $ref: '#/components/schemas/RetryPolicy' }) as {
      properties: { max_retries: { minimum: number; maximum: number }; schedule_seconds: { minItems: number; maxItems: number; items: { minimum: number; maximum: number } } };
    };
    const { max_retries, schedule_seconds } = schema.properties;
    expect({
      max_retries: { min: max_retries.minimum, max: max_retries.maximum },
      wait_seconds: { min: schedule_seconds.items.minimum, max: schedule_seconds.items.maximum },
      schedule_entries: { min: schedule_seconds.minItems, max: schedule_seconds.maxItems },
    }).toEqual(RETRY_POLICY_BOUNDS);
  });
});
