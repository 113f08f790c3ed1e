// What a partner sees of the event feed (GET /api/v2/events) and of the envelope's sequence
// numbers: every event in the feed whether or not a subscription matched, oldest first, cursor
// pages that resume, subscription filters, bad cursors and filters named by their pointer; one
// order's changes numbered 1, 2, 3 … in delivery order and in the feed; a restart continues the
// numbering and the feed, a reset starts both over.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../src/domain/types.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const TRACKING = { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' };

let sb: TestSandbox;
let r: Receiver;
beforeAll(async () => {
  sb = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale: 0.01 } });
  r = await startReceiver();
});
afterAll(async () => {
  await sb.close();
  await r.close();
});

const openOrder = (s: TestSandbox) => Object.values(s.store.tenant('ten_nordwind')!.state.orders).find((o) => o.status === 'open' && !o.confirmed)!;

/** Every event of the feed after `cursor` that matches `type`, page by page. */
async function readAll(s: TestSandbox, query = '', limit = 7): Promise<{ events: FeedEvent[]; cursor: string }> {
  const events: FeedEvent[] = [];
  let cursor = '';
  for (;;) {
    const res = await s.call('GET', `/api/v2/events?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    events.push(...res.body.data);
    cursor = res.body.pagination.next_cursor;
    if (!res.body.pagination.has_more) return { events, cursor };
  }
}

/** One order walked open → confirmed → shipping → shipped, as a partner does it. */
async function walkOrder(s: TestSandbox, orderId: string): Promise<void> {
  for (const body of [{ confirmed: true }, { status: 'shipping' }, { status: 'shipped', ...TRACKING }]) {
    const res = await s.call('PATCH', `/api/v2/orders/${orderId}/status`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

describe('sequence numbers', () => {
  it("number one order's changes 1, 2, 3 … in delivery order and in the feed", async () => {
    const hook = (await sb.call('POST', '/api/v2/webhooks', { body: { url: r.url, events: ['order.*'] } })).body;
    const orderId = openOrder(sb).id;
    await walkOrder(sb, orderId);
    const got = await r.waitFor((x) => x.filter((y) => y.event.data.id === orderId).length >= 4);
    const delivered = got.filter((x) => x.event.data.id === orderId).map((x) => x.event as unknown as FeedEvent);
    expect(delivered.map((e) => e.event)).toEqual(['order.confirmed', 'order.status_changed', 'order.status_changed', 'order.shipped']);
    expect(delivered.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);

    const { events } = await readAll(sb, '&type=order.*');
    const inFeed = events.filter((e) => e.data.id === orderId);
    expect(inFeed.map((e) => [e.event_id, e.sequence])).toEqual(delivered.map((e) => [e.event_id, e.sequence]));
    // Another order starts its own count.
    const other = openOrder(sb).id;
    expect((await sb.call('PATCH', `/api/v2/orders/${other}/status`, { body: { confirmed: true } })).status).toBe(200);
    const last = (await readAll(sb, '&type=order.confirmed')).events.at(-1)!;
    expect([last.data.id, last.sequence]).toEqual([other, 1]);
    await sb.call('DELETE', `/api/v2/webhooks/${hook.id}`);
  });
});

describe('the event feed', () => {
  it('holds every event, matched by a subscription or not, oldest first, and pages resume from their cursor', async () => {
    const before = await readAll(sb);
    const item = Object.values(sb.store.tenant('ten_nordwind')!.state.inventory)[0]!;
    // No subscription exists now: the event is in the feed all the same.
    const res = await sb.call('PATCH', `/api/v2/inventory/${encodeURIComponent(item.sku)}`, { body: { quantity: item.locations[0]!.quantity + 3, location: item.locations[0]!.location_id } });
    expect(res.status).toBe(200);
    const page = await sb.call('GET', `/api/v2/events?cursor=${before.cursor}`);
    expect(page.body.data.map((e: FeedEvent) => [e.event, e.data.sku])).toEqual([['inventory.updated', item.sku]]);
    expect(page.body.data[0]).toMatchObject({ tenant_id: 'ten_nordwind', sequence: expect.any(Number), event_id: expect.stringMatching(/^evt_/) });
    // Oldest first, no event twice across pages.
    const all = await readAll(sb, '', 3);
    expect(new Set(all.events.map((e) => e.event_id)).size).toBe(all.events.length);
    const times = all.events.map((e) => e.timestamp);
    expect(times).toEqual([...times].sort());
    // A poll with the last cursor gets nothing new and the same cursor back.
    const empty = await sb.call('GET', `/api/v2/events?cursor=${all.cursor}`);
    expect(empty.body).toMatchObject({ data: [], pagination: { next_cursor: all.cursor, has_more: false, limit: 20 } });
  });

  it('filters as subscriptions do, and names a bad filter or cursor by its pointer', async () => {
    const orders = await readAll(sb, '&type=order.*');
    expect(orders.events.length).toBeGreaterThan(0);
    expect(orders.events.every((e) => e.event.startsWith('order.'))).toBe(true);
    const two = await readAll(sb, '&type=order.confirmed,inventory.updated');
    expect(new Set(two.events.map((e) => e.event))).toEqual(new Set(['order.confirmed', 'inventory.updated']));

    const typo = expectProblem(await sb.call('GET', '/api/v2/events?type=order.*&type=order.craeted'), 400, 'validation_failed');
    expect(typo.errors).toEqual([expect.objectContaining({ pointer: '/query/type/1' })]);
    const cursor = expectProblem(await sb.call('GET', '/api/v2/events?cursor=not-a-cursor'), 400, 'validation_failed');
    expect(cursor.errors).toEqual([expect.objectContaining({ pointer: '/query/cursor' })]);
    const limit = expectProblem(await sb.call('GET', '/api/v2/events?limit=1000'), 400, 'validation_failed');
    expect(limit.errors[0].pointer).toBe('/query/limit');
  });
});

describe('a restart and a reset', () => {
  it('a restart continues the numbering and the feed; a reset starts both over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-feed-'));
    const dataFile = join(dir, 'state.json');
    try {
      const first = await startSandbox({ dataFile, clock: { mode: 'manual', factor: 1 } });
      const orderId = openOrder(first).id;
      expect((await first.call('PATCH', `/api/v2/orders/${orderId}/status`, { body: { confirmed: true } })).status).toBe(200);
      const { cursor } = await readAll(first);
      await first.close();

      const second = await startSandbox({ dataFile, clock: { mode: 'manual', factor: 1 } });
      try {
        expect((await second.call('PATCH', `/api/v2/orders/${orderId}/status`, { body: { status: 'shipping' } })).status).toBe(200);
        const since = await second.call('GET', `/api/v2/events?cursor=${cursor}`);
        expect(since.body.data.map((e: FeedEvent) => [e.event, e.data.id, e.sequence])).toEqual([['order.status_changed', orderId, 2]]);
        expect((await readAll(second)).events.filter((e) => e.data.id === orderId).map((e) => e.sequence)).toEqual([1, 2]);

        expect((await second.control('POST', '/__sandbox/reset', { tenant_id: 'ten_nordwind' })).status).toBe(200);
        expect((await second.call('GET', '/api/v2/events')).body.data).toEqual([]);
        const stale = expectProblem(await second.call('GET', `/api/v2/events?cursor=${since.body.pagination.next_cursor}`), 400, 'validation_failed');
        expect(stale.errors[0]).toMatchObject({ pointer: '/query/cursor', message: expect.stringContaining('reset') });
        const again = openOrder(second).id;
        expect((await second.call('PATCH', `/api/v2/orders/${again}/status`, { body: { confirmed: true } })).status).toBe(200);
        expect((await readAll(second)).events.map((e) => e.sequence)).toEqual([1]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
