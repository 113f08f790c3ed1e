// GET /api/v2/events/stream on a real socket, as a partner without a public URL uses it: an event a
// REST write causes arrives at once, in the feed's envelope and with the feed's cursor as its id;
// the type filter; resuming with Last-Event-ID gets exactly what was missed; heartbeats; 400s with
// pointers; the webhooks scope; tenants apart; a reset ends the stream; a client that stops
// reading is cut off instead of buffered for.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import type { Product } from '../../src/domain/types.ts';
import { ADMIN_TOKEN, serveSandbox } from '../checks/served-sandbox.ts';
import { openStream } from '../support/event-stream-client.ts';
import { KEY_A, KEY_B } from '../support/sandbox.ts';

let served: Awaited<ReturnType<typeof serveSandbox>>;
const auth = (key: string = KEY_A) => ({ authorization: `Bearer ${key}` });
const streamUrl = (query = '') => `${served.url}/api/v2/events/stream${query}`;

beforeAll(async () => {
  served = await serveSandbox({ strict: true, rateLimits: false, streamHeartbeatMs: 50 });
});
afterAll(() => served?.close());

const products = (tenant: string) => Object.values(served.sandbox.store.tenant(tenant)!.state.products) as Product[];

/** A small price change of the tenant's first product through the partner API; returns the new price. */
async function nudgePrice(key: string = KEY_A, tenant = 'ten_nordwind'): Promise<number> {
  const product = products(tenant).find((p) => typeof p.price === 'number' && p.price > 5)!;
  const price = Math.round(product.price! * 101) / 100;
  const res = await fetch(`${served.url}/api/v2/products/${product.id}/price`, {
    method: 'PUT',
    headers: { ...auth(key), 'content-type': 'application/json' },
    body: JSON.stringify({ price }),
  });
  expect(res.status, await res.text()).toBe(200);
  return price;
}

describe('the partner event stream', () => {
  it('delivers the event a REST write causes within a second, as the feed has it', async () => {
    const stream = await openStream(streamUrl(), auth());
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['x-ratelimit-limit']).toBeDefined();
    const started = Date.now();
    const price = await nudgePrice();
    const message = await stream.next((m) => m.event === 'price.updated', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    const envelope = JSON.parse(message.data);
    expect(envelope.data.price).toBe(price);
    // The id is the feed's cursor after this event: the feed from the cursor before it starts with the same bytes.
    const feed = await (await fetch(`${served.url}/api/v2/events?limit=100`, { headers: auth() })).json();
    const inFeed = feed.data.find((e: { event_id: string }) => e.event_id === envelope.event_id);
    expect(inFeed).toEqual(envelope);
    const after = await (await fetch(`${served.url}/api/v2/events?cursor=${message.id}`, { headers: auth() })).json();
    expect(after.data.map((e: { event_id: string }) => e.event_id)).not.toContain(envelope.event_id);
    stream.close();
  });

  it('filters by type, and never shows another tenant its events', async () => {
    const onlyProducts = await openStream(streamUrl('?type=product.*'), auth());
    const prices = await openStream(streamUrl('?type=price.updated'), auth());
    await nudgePrice(KEY_B, 'ten_suedhafen');
    await nudgePrice();
    const mine = await prices.next(() => true, 1000);
    expect(JSON.parse(mine.data).tenant_id).toBe('ten_nordwind');
    expect(prices.messages.every((m) => JSON.parse(m.data).tenant_id === 'ten_nordwind')).toBe(true);
    expect(onlyProducts.messages.filter((m) => !m.event?.startsWith('product.'))).toEqual([]);
    onlyProducts.close();
    prices.close();
  });

  it('resumes after a disconnect with Last-Event-ID: exactly the missed events, then live ones', async () => {
    const first = await openStream(streamUrl('?type=price.updated'), auth());
    await nudgePrice();
    const seen = await first.next(() => true, 1000);
    first.close();
    const missed = [await nudgePrice(), await nudgePrice()];
    // The URL an EventSource keeps (with an old cursor) and the header it adds: the header wins.
    const again = await openStream(streamUrl('?type=price.updated&cursor=evc1.cDA'), { ...auth(), 'last-event-id': seen.id! });
    const replayed = await again.collect(2, () => true, 1000);
    expect(replayed.map((m) => JSON.parse(m.data).data.price)).toEqual(missed);
    const live = await nudgePrice();
    const next = await again.next(() => true, 1000, 2);
    expect(JSON.parse(next.data).data.price).toBe(live);
    expect(again.messages).toHaveLength(3);
    // A cursor in the query replays from it the same way.
    const fromCursor = await openStream(streamUrl(`?type=price.updated&cursor=${seen.id}`), auth());
    expect((await fromCursor.collect(3, () => true, 1000)).map((m) => m.id)).toEqual(again.messages.map((m) => m.id));
    again.close();
    fromCursor.close();
  });

  it('sends heartbeat comments', async () => {
    const stream = await openStream(streamUrl(), auth());
    await expect.poll(() => stream.comments.filter((c) => c === 'heartbeat').length, { timeout: 1000, interval: 20 }).toBeGreaterThanOrEqual(2);
    stream.close();
  });

  it('refuses unknown types and bad or ahead cursors with a 400 naming them', async () => {
    const typed = await fetch(streamUrl('?type=price.updated,order.shipd'), { headers: auth() });
    expect(typed.status).toBe(400);
    expect((await typed.json()).errors[0].pointer).toBe('/query/type/1');
    const bad = await fetch(streamUrl('?cursor=nope'), { headers: auth() });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].pointer).toBe('/query/cursor');
    const ahead = await fetch(streamUrl(), { headers: { ...auth(), 'last-event-id': 'evc1.cDk5OTk5OQ' } });
    expect(ahead.status).toBe(400);
    const problem = await ahead.json();
    expect(problem.errors[0]).toMatchObject({ pointer: '/headers/last-event-id' });
    expect(problem.errors[0].message).toContain('ahead of the feed');
  });

  it('needs the webhooks scope (403 without), and a known credential (401)', async () => {
    const client = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
    const token = await fetch(`${served.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'orders' }),
    });
    const { access_token } = await token.json();
    const refused = await fetch(streamUrl(), { headers: auth(access_token) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(streamUrl(), { headers: auth('mk_test_unknown') })).status).toBe(401);
  });

  it('tells the client when a reset starts the feed over, and goes on with the new feed, missing nothing', async () => {
    const openBefore = served.sandbox.streams.size;
    const stream = await openStream(streamUrl(), auth());
    const reset = await fetch(`${served.url}/__sandbox/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant_id: 'ten_nordwind' }),
    });
    expect(reset.status, await reset.text()).toBe(200);
    const message = await stream.next((m) => m.event === 'reset', 1000);
    expect(message.id).toBe('');
    expect(JSON.parse(message.data).reason).toContain('goes on with the events made from now on');
    // The first write after the reset arrives on the same stream, with a cursor of the new feed.
    const price = await nudgePrice();
    const after = await stream.next((m) => m.event === 'price.updated', 1000);
    expect(JSON.parse(after.data).data.price).toBe(price);
    const feed = await (await fetch(`${served.url}/api/v2/events?limit=100&type=price.updated`, { headers: auth() })).json();
    expect(feed.data.at(-1).event_id).toBe(JSON.parse(after.data).event_id);
    expect(after.id).not.toBe('');
    stream.close();
    await expect.poll(() => served.sandbox.streams.size, { timeout: 2000, interval: 10 }).toBe(openBefore);
  });

  it('cuts off a client that stops reading instead of buffering for it', async () => {
    const socket = connect(Number(new URL(served.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/v2/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY_A}\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause(); // never reads
    await expect.poll(() => served.sandbox.streams.size, { timeout: 1000, interval: 10 }).toBeGreaterThan(0);
    const open = served.sandbox.streams.size;
    const before = process.memoryUsage().rss;
    const filler = 'x'.repeat(10_000);
    const events = 3000; // 30 MB of event bodies sent at a client that takes none of them
    for (let i = 0; i < events; i++) served.sandbox.events.emit('ten_nordwind', 'inventory.updated', { sku: `FILL-${i}`, note: filler });
    // The server gave up on it: the stream ended, and what the client can still read is far less than was sent.
    expect(served.sandbox.streams.size).toBe(open - 1);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.resume();
    await closed;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan((events * filler.length) / 3);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });
});
