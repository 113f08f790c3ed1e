// A Server-Sent Events client for tests, on a real socket (node:http) and eventsource-parser, as a
// partner's would be: the status and headers, every message and comment in order, waiting for the
// next message that matches, and closing. `pause()` stops reading, for the slow-client tests.
import { request, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface StreamClient {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body, when the answer is not a stream (a problem). */
  body(): Promise<string>;
  messages: EventSourceMessage[];
  comments: string[];
  /** Resolves with the first message from `from` on that matches; rejects after `timeoutMs`. */
  next(match?: (m: EventSourceMessage) => boolean, timeoutMs?: number, from?: number): Promise<EventSourceMessage>;
  /** Resolves once `count` messages (matching) have arrived. */
  collect(count: number, match?: (m: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Resolves when the server ends the answer or the socket closes. */
  ended: Promise<void>;
  pause(): void;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const messages: EventSourceMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      const parser = createParser({
        onEvent: (m) => {
          messages.push(m);
          for (const w of [...waiters]) w();
        },
        onComment: (c) => comments.push(c.trim()),
      });
      let text = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk.length < 4096 ? chunk : '';
        parser.feed(chunk);
      });
      res.on('end', endedResolve);
      res.on('close', endedResolve);
      res.on('error', endedResolve);
      req.on('error', endedResolve);
      const next: StreamClient['next'] = (match = () => true, timeoutMs = 2000, from = 0) =>
        new Promise((ok, fail) => {
          const look = () => {
            const found = messages.slice(from).find(match);
            if (found) {
              waiters.delete(look);
              clearTimeout(timer);
              ok(found);
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(look);
            fail(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.event))}`));
          }, timeoutMs);
          waiters.add(look);
          look();
        });
      const collect: StreamClient['collect'] = (count, match = () => true, timeoutMs = 2000) =>
        new Promise((ok, fail) => {
          const look = () => {
            const found = messages.filter(match);
            if (found.length >= count) {
              waiters.delete(look);
              clearTimeout(timer);
              ok(found);
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(look);
            fail(new Error(`${messages.filter(match).length} of ${count} messages within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.add(look);
          look();
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: () => ended.then(() => text),
        messages,
        comments,
        next,
        collect,
        ended,
        pause: () => res.pause(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
