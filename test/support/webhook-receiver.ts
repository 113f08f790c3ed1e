// A webhook receiver on 127.0.0.1 for tests: records every request it gets and answers what the
// test tells it to (200 by default), so tests can play a healthy, flaky, gone or dead endpoint.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: { event: string; event_id: string; timestamp: string; tenant_id: string; data: any };
  /** Wall-clock ms when it arrived. */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow receiver). */
  delayMs?: number;
  /** Answer only once this settles (a receiver that hangs until the test lets it go). */
  until?: Promise<unknown>;
}

export type Responder = (request: Received, index: number) => Answer | number;

export interface Receiver {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once `predicate` holds for what arrived, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond,
    waitFor: (predicate, timeoutMs = 5000) => waitUntil(() => (predicate(received) ? received : null), timeoutMs, () => `${received.length} request(s) received: ${received.map((r) => r.event.event).join(', ')}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { headers: req.headers, body, event: JSON.parse(body), at: Date.now() };
      received.push(entry);
      const answer = receiver.respond(entry, received.length - 1);
      const { status, headers, delayMs, until } = typeof answer === 'number' ? { status: answer, headers: {}, delayMs: 0, until: undefined } : answer;
      const reply = () =>
        setTimeout(() => {
          res.writeHead(status, headers);
          res.end();
        }, delayMs ?? 0);
      if (until) void until.finally(reply);
      else reply();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  receiver.url = `http://127.0.0.1:${address.port}/hooks/marketplace`;
  return receiver;
}

/** Polls `check` (sync or async) every 10 ms until it returns something, for at most `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 5000,
  describe: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms. ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The receivers a test file starts: `start` one, `close` them all (in afterAll). */
export function receiverPool(): { start(respond?: Responder): Promise<Receiver>; close(): Promise<void> } {
  const started: Receiver[] = [];
  return {
    async start(respond) {
      const r = await startReceiver(respond);
      started.push(r);
      return r;
    },
    close: async () => void (await Promise.all(started.map((r) => r.close()))),
  };
}
