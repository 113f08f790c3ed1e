// Nothing acknowledged is lost: acknowledged writes under concurrency, then SIGKILL to the
// serving node process, a restart on the same data file, and every acknowledged write is there;
// no webhook left for a change the restarted sandbox does not have.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';
import { startReceiver, waitUntil } from '../support/webhook-receiver.ts';

const dir = await mkdtemp(join(tmpdir(), 'sandbox-crash-'));
afterAll(async () => {
  killStarted();
  await rm(dir, { recursive: true, force: true });
});

const key = DEFAULT_TENANTS[0].api_key;
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** Runs `work` over `items` with `concurrency` requests in flight. */
async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

describe('a SIGKILL right after acknowledged writes', () => {
  it('loses none of them, and no webhook went out for a change that is gone', async () => {
    const data = join(dir, 'state.json');
    const receiver = await startReceiver(() => 200);
    try {
      const first = await serveProcess(['--data', data]);
      const hook = await json(`${first.url}/api/v2/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: receiver.url, events: ['inventory.updated'] }) });
      expect(hook.status).toBe(201);
      const skus = ((await json(`${first.url}/api/v2/inventory?limit=100`, { headers: auth })).body.data as Array<{ sku: string }>).map((i) => i.sku);
      expect(skus.length).toBeGreaterThanOrEqual(100);

      // 200 writes, 16 at a time: each sku's quantity set twice; the second value is the one kept.
      const writes = [...skus.map((sku, i) => ({ sku, quantity: 1000 + i })), ...skus.map((sku, i) => ({ sku, quantity: 5000 + i }))];
      const acknowledged = new Map<string, number>();
      await inParallel(writes, 16, async ({ sku, quantity }) => {
        const res = await fetch(`${first.url}/api/v2/inventory/${encodeURIComponent(sku)}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ quantity, location: 'loc_berlin' }) });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.set(sku, quantity);
      });
      first.child.kill('SIGKILL'); // at once: nothing gets a chance to flush
      await stopProcess(first.child);
      expect(acknowledged.size).toBe(skus.length);

      const second = await serveProcess(['--data', data]);
      try {
        const kept = new Map(((await json(`${second.url}/api/v2/inventory?limit=100`, { headers: auth })).body.data as Array<{ sku: string; locations: Array<{ location_id: string; quantity: number }> }>).map((i) => [i.sku, i.locations.find((l) => l.location_id === 'loc_berlin')?.quantity]));
        const lost = [...acknowledged].filter(([sku, quantity]) => kept.get(sku) !== quantity);
        expect(lost).toEqual([]);

        // Every event a receiver got is in the restarted sandbox's feed: it was written with its change.
        const feed: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 50; page++) {
          const got = await json(`${second.url}/api/v2/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
          expect(got.status).toBe(200);
          feed.push(...(got.body.data as Array<{ event_id: string }>).map((e) => e.event_id));
          if (!got.body.pagination.has_more) break;
          cursor = got.body.pagination.next_cursor;
        }
        const ghosts = receiver.received.map((r) => r.event.event_id).filter((id) => !feed.includes(id));
        expect(receiver.received.length).toBeGreaterThan(0);
        expect(ghosts).toEqual([]);
      } finally {
        await stopProcess(second.child);
      }
    } finally {
      await receiver.close();
    }
  }, 60_000);
});

describe('the sandbox clock across a crash', () => {
  it('resumes as if there had been no gap: a reservation whose time passed meanwhile has expired', async () => {
    const data = join(dir, 'clock.json');
    // One sandbox hour per wall second: a 1-hour reservation lasts about a second.
    const first = await serveProcess(['--data', data, '--clock', 'realtime:3600']);
    const item = (await json(`${first.url}/api/v2/inventory?limit=1`, { headers: auth })).body.data[0];
    const reserved = await json(`${first.url}/api/v2/inventory/reserve`, { method: 'POST', headers: auth, body: JSON.stringify({ sku: item.sku, quantity: 1, ttl_seconds: 3600 }) });
    expect(reserved.status).toBe(201);
    const clock = async (url: string) => Date.parse((await json(`${url}/__sandbox/clock`, { headers: { authorization: 'Bearer sandbox-admin-token' } })).body.now);
    const before = await clock(first.url);
    const wallBefore = Date.now();
    first.child.kill('SIGKILL');
    await stopProcess(first.child);

    const second = await serveProcess(['--data', data]);
    try {
      const expired = await waitUntil(async () => {
        const got = await json(`${second.url}/api/v2/inventory/reservations/${reserved.body.id}`, { headers: auth });
        return got.body.status === 'expired' ? got.body : null;
      }, 10_000);
      expect(expired.id).toBe(reserved.body.id);
      // The clock went on through the gap, at its own speed (it was kept with the tenant).
      expect(await clock(second.url)).toBeGreaterThanOrEqual(before + (Date.now() - wallBefore - 1000) * 3600);
    } finally {
      await stopProcess(second.child);
    }
  }, 60_000);
});

