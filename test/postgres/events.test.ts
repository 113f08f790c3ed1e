// Events across two `serve --store` replicas on one database, as a partner sees them: a stream (and
// a GraphQL subscription) open on B hears a write made on A at once, in feed order, resumable with
// Last-Event-ID; every event of writes on both replicas is delivered once to a subscription, also
// by a replica started while deliveries are pending; and a delivery owed by a replica killed with
// SIGKILL is made by the other.
import { afterAll, describe, expect, it } from 'vitest';
import { openStream, type StreamClient } from '../support/event-stream-client.ts';
import { killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { receiverPool, waitUntil, type Receiver } from '../support/webhook-receiver.ts';
import { auth, json } from './helpers.ts';

const pg = usePostgres();
const receivers = receiverPool();
afterAll(async () => {
  killStarted();
  await receivers.close();
});

async function replicas(url: string, n = 2): Promise<ServeProcess[]> {
  return Promise.all(Array.from({ length: n }, () => serveProcess(['--store', url])));
}

async function productIds(base: string, n: number): Promise<string[]> {
  return ((await json(`${base}/api/v2/products?limit=${n}`)).body.data as Array<{ id: string }>).map((p) => p.id);
}

async function retitle(base: string, id: string, title: string): Promise<void> {
  const answer = await json(`${base}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ title }) });
  if (answer.status !== 200) throw new Error(`PATCH on ${base}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

async function subscribe(base: string, receiver: Receiver): Promise<string> {
  const made = await json(`${base}/api/v2/webhooks`, { method: 'POST', body: JSON.stringify({ url: receiver.url, events: ['product.updated'] }) });
  expect(made.status).toBe(201);
  return made.body.id as string;
}

/** The subscription's delivery log as `base` shows it. */
async function deliveries(base: string, webhook: string): Promise<Array<{ event_id: string; status: string; attempts: unknown[] }>> {
  return (await json(`${base}/api/v2/webhooks/${webhook}/deliveries?limit=100`)).body.data;
}

const stopAll = (started: Array<ServeProcess | undefined>) => Promise.all(started.map((r) => r && stopProcess(r.child)));

describe('events across two replicas on one PostgreSQL', () => {
  it('a stream open on B hears writes made on A within a second, in order, and resumes from Last-Event-ID', async () => {
    const [a, b] = await replicas(pg.database());
    const streams: StreamClient[] = [];
    try {
      const [id] = await productIds(a!.url, 1);
      const stream = await openStream(`${b!.url}/api/v2/events/stream?type=product.updated`, { authorization: auth.authorization });
      streams.push(stream);
      expect(stream.status).toBe(200);
      for (const n of [1, 2, 3]) {
        await retitle(a!.url, id!, `streamed ${n}`);
        const written = Date.now();
        const heard = await stream.next((m) => JSON.parse(m.data).data.title === `streamed ${n}`, 1000);
        expect(Date.now() - written).toBeLessThan(1000);
        expect(heard.event).toBe('product.updated');
      }
      expect(stream.messages.map((m) => JSON.parse(m.data).data.title)).toEqual(['streamed 1', 'streamed 2', 'streamed 3']);
      const ids = stream.messages.map((m) => m.id!);
      expect(new Set(ids).size).toBe(3);

      // Reconnecting to B with the first message's id: the two after it, then what A writes next, none twice.
      const resumed = await openStream(`${b!.url}/api/v2/events/stream?type=product.updated`, { authorization: auth.authorization, 'last-event-id': ids[0]! });
      streams.push(resumed);
      await resumed.collect(2);
      await retitle(a!.url, id!, 'streamed 4');
      await resumed.next((m) => JSON.parse(m.data).data.title === 'streamed 4', 1000);
      expect(resumed.messages.map((m) => JSON.parse(m.data).data.title)).toEqual(['streamed 2', 'streamed 3', 'streamed 4']);
      expect(resumed.messages.slice(0, 2).map((m) => m.id)).toEqual(ids.slice(1));
    } finally {
      for (const s of streams) s.close();
      await stopAll([a, b]);
    }
  });

  it("when B's listening connection is cut, B listens again by itself and its stream hears what A wrote meanwhile", async () => {
    const url = pg.database();
    const db = url.split('/').pop();
    const [a, b] = await replicas(url);
    const listeners = () => Number(pg.cluster().sql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND query LIKE 'LISTEN %'`));
    let stream: StreamClient | undefined;
    try {
      const [id] = await productIds(a!.url, 1);
      stream = await openStream(`${b!.url}/api/v2/events/stream?type=product.updated`, { authorization: auth.authorization });
      await waitUntil(() => listeners() === 2, 5000, () => `${listeners()} listening connections`);
      pg.cluster().sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND query LIKE 'LISTEN %'`);
      // Written while nobody listens: B hears of it once it listens again (it catches up on every tenant then).
      await retitle(a!.url, id!, 'written while cut');
      await stream.next((m) => JSON.parse(m.data).data.title === 'written while cut', 5000);
      await waitUntil(() => listeners() === 2, 5000, () => `${listeners()} listening connections`);
      await retitle(a!.url, id!, 'written after');
      const written = Date.now();
      await stream.next((m) => JSON.parse(m.data).data.title === 'written after', 1000);
      expect(Date.now() - written).toBeLessThan(1000);
      expect(stream.messages.map((m) => JSON.parse(m.data).data.title)).toEqual(['written while cut', 'written after']);
    } finally {
      stream?.close();
      await stopAll([a, b]);
    }
  });

  it('a GraphQL subscription over SSE on B receives the event of a write on A', async () => {
    const [a, b] = await replicas(pg.database());
    const controller = new AbortController();
    try {
      const [id] = await productIds(a!.url, 1);
      const res = await fetch(`${b!.url}/graphql`, {
        method: 'POST',
        headers: { ...auth, accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { events(types: ["product.updated"]) { event data cursor } }' }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      await retitle(a!.url, id!, 'subscribed on B');
      let text = '';
      const deadline = Date.now() + 1000;
      const read = async () => {
        while (!text.includes('event: next') && Date.now() < deadline) text += decoder.decode((await reader.read()).value, { stream: true });
      };
      await Promise.race([read(), new Promise((resolve) => setTimeout(resolve, 1000))]);
      const next = /event: next\ndata: (.*)\n/.exec(text);
      expect(next, `no event within 1 s; got: ${text}`).not.toBeNull();
      expect(JSON.parse(next![1]!).data.events).toMatchObject({ event: 'product.updated', data: { id, title: 'subscribed on B' } });
    } finally {
      controller.abort();
      await stopAll([a, b]);
    }
  });

  it('events of writes on A and B are each delivered once, also with a replica started while deliveries are pending', async () => {
    const url = pg.database();
    // A receiver that answers nothing until C has started: every delivery is still pending when C loads the state.
    let cStarted!: () => void;
    const started = new Promise<void>((resolve) => (cStarted = resolve));
    const receiver = await receivers.start(() => ({ status: 200, until: started }));
    const [a, b] = await replicas(url);
    let c: ServeProcess | undefined;
    try {
      const webhook = await subscribe(a!.url, receiver);
      const ids = await productIds(a!.url, 4);
      const n = 16;
      for (let i = 0; i < n; i++) await retitle((i % 2 ? b : a)!.url, ids[i % ids.length]!, `delivered ${i}`);
      c = await serveProcess(['--store', url]);
      expect((await deliveries(c.url, webhook)).filter((d) => d.status === 'pending').length).toBeGreaterThan(0);
      cStarted();
      // Every delivery finished, as each replica's log shows it.
      for (const replica of [a!, b!, c]) {
        await waitUntil(async () => {
          const log = await deliveries(replica.url, webhook);
          return log.length === n && log.every((d) => d.status === 'succeeded');
        }, 15_000, () => `deliveries on ${replica.url} not all succeeded`);
      }
      const log = await deliveries(c.url, webhook);
      expect(log.every((d) => d.attempts.length === 1)).toBe(true);
      const received = receiver.received.map((r) => r.event.event_id);
      expect(received.length).toBe(n);
      expect(new Set(received)).toEqual(new Set(log.map((d) => d.event_id)));
      expect(receiver.received.map((r) => r.event.data.title).sort()).toEqual(Array.from({ length: n }, (_, i) => `delivered ${i}`).sort());
    } finally {
      cStarted();
      await stopAll([a, b, c]);
    }
  });

  it('a delivery owed by a replica killed with SIGKILL is made by the other', async () => {
    const url = pg.database();
    // Down at first: every attempt fails until the test lets deliveries through.
    let up = false;
    const receiver = await receivers.start(() => (up ? 200 : 503));
    const [a, b] = await replicas(url);
    try {
      const webhook = await subscribe(a!.url, receiver);
      const [id] = await productIds(a!.url, 1);
      await retitle(a!.url, id!, 'owed by A');
      // A tried once (the receiver is down) and waits for its retry; then it dies.
      await waitUntil(async () => (await deliveries(b!.url, webhook))[0]?.attempts.length, 5000, () => 'no failed attempt of A in the log');
      await stopProcess(a!.child, 'SIGKILL');
      up = true;
      const done = await waitUntil(async () => {
        const log = await deliveries(b!.url, webhook);
        return log.length === 1 && log[0]!.status === 'succeeded' ? log[0]! : null;
      }, 15_000, () => 'the delivery was not made by B');
      const succeeded = receiver.received.filter((r) => r.event.data.title === 'owed by A');
      expect(succeeded.at(-1)!.event.event_id).toBe(done.event_id);
      // Received while down (by A), then once more, with success (by B); the log has every attempt B knows of.
      expect(done.attempts.length).toBeGreaterThanOrEqual(2);
    } finally {
      await stopAll([a, b]);
    }
  });
});
