// `marketplace-sandbox listen`: follows the partner event stream (GET /api/v2/events/stream) and
// posts each event to a local receiver as a webhook delivery, signed and headed exactly as the
// sandbox's own deliveries are (src/webhooks/signing.ts, src/webhooks/http-sender.ts), for a
// receiver on a laptop the sandbox cannot reach. Reconnects by itself with Last-Event-ID.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { newWebhookSecret, signDelivery, WEBHOOK_USER_AGENT } from '../webhooks/signing.ts';

export interface ListenOptions {
  url: string;
  key: string;
  forwardTo: string;
  events?: string;
  cursor?: string;
  secret?: string;
  maxEvents?: number;
  /** Where the lines go (default stdout). */
  print?: (line: string) => void;
  /** Wait before a reconnect, ms (default 1000). */
  reconnectMs?: number;
}

/** A usage or credential error: one line, exit 2. */
export class ListenError extends Error {}

const FORWARD_TIMEOUT_MS = 10_000;

/** Forwards until `maxEvents` are forwarded (resolves) or a credential or input error (rejects with ListenError). */
export async function listen(options: ListenOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const base = options.url.replace(/\/+$/, '');
  let target: URL;
  try {
    target = new URL(options.forwardTo);
  } catch {
    throw new ListenError(`--forward-to "${options.forwardTo}" is not a URL; give your receiver's, e.g. http://localhost:3000/webhooks.`);
  }
  const secret = options.secret ?? newWebhookSecret();
  if (!options.secret) print(`Signing secret ${secret} (made for this run; pass --secret to use your own)`);
  const query = options.events ? `?type=${encodeURIComponent(options.events)}` : '';
  const streamUrl = `${base}/api/v2/events/stream${query}`;
  print(`Forwarding events${options.events ? ` (${options.events})` : ''} from ${base} to ${target.href}${options.cursor ? `, from cursor ${options.cursor}` : ''}`);

  let lastId = options.cursor;
  let forwarded = 0;
  let connectedOnce = false;
  const done = new AbortController();
  for (;;) {
    const headers: Record<string, string> = { authorization: `Bearer ${options.key}`, accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    let res: Response;
    try {
      res = await fetch(streamUrl, { headers, signal: done.signal });
    } catch (error) {
      const why = String((error as Error).cause ?? (error as Error).message);
      if (!connectedOnce) throw new ListenError(`cannot reach the sandbox at ${base} (${why}); is it running? Start one with \`marketplace-sandbox serve\`, or point --url at it.`);
      print(`${stamp()}  stream lost (${why}); reconnecting`);
      await sleep(options.reconnectMs ?? 1000);
      continue;
    }
    if (res.status !== 200) {
      const detail = await problemDetail(res);
      if (res.status === 401) throw new ListenError(`the sandbox refuses the key (401): ${detail} Pass a test key of the account with --key.`);
      if (res.status === 403) throw new ListenError(`the key may not read events (403): ${detail} It needs the webhooks scope.`);
      if (res.status === 400) throw new ListenError(`the sandbox refuses the stream request (400): ${detail}`);
      print(`${stamp()}  stream answered ${res.status}: ${detail}; reconnecting`);
      await sleep(options.reconnectMs ?? 1000);
      continue;
    }
    connectedOnce = true;
    const queue: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => queue.push(m) });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        parser.feed(value);
        while (queue.length) {
          const message = queue.shift()!;
          if (message.event === 'reset') {
            lastId = undefined;
            print(`${stamp()}  the account was reset: its event feed starts over; following it from now on`);
            continue;
          }
          lastId = message.id || lastId;
          await forward(target, secret, message, print);
          if (options.maxEvents !== undefined && ++forwarded >= options.maxEvents) {
            done.abort();
            await reader.cancel().catch(() => {});
            return;
          }
        }
      }
      print(`${stamp()}  stream ended; reconnecting`);
    } catch (error) {
      print(`${stamp()}  stream lost (${(error as Error).message}); reconnecting`);
    }
    await sleep(options.reconnectMs ?? 1000);
  }
}

/** Posts one event to the receiver as the sandbox would deliver it, and prints the line. */
async function forward(target: URL, secret: string, message: EventSourceMessage, print: (line: string) => void): Promise<void> {
  const body = message.data;
  const eventId = (JSON.parse(body) as { event_id: string }).event_id;
  const type = message.event ?? 'message';
  const headers = { ...signDelivery(secret, eventId, type, Math.floor(Date.now() / 1000), body), 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT };
  const started = performance.now();
  let outcome: string;
  try {
    const res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => undefined);
    outcome = `${res.status}`;
  } catch (error) {
    const e = error as Error;
    outcome = e.name === 'TimeoutError' ? `no answer within ${FORWARD_TIMEOUT_MS / 1000} s` : `receiver unreachable (${String((e.cause as Error | undefined)?.message ?? e.message)})`;
  }
  print(`${stamp()}  ${type.padEnd(22)} ${eventId}  → ${outcome}  ${Math.round(performance.now() - started)} ms`);
}

async function problemDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: string; errors?: { pointer: string; message: string }[] };
    const errors = problem.errors?.map((e) => `${e.pointer} ${e.message}`).join('; ');
    return `${problem.detail ?? text}${errors ? ` (${errors})` : ''}`;
  } catch {
    return text.slice(0, 200);
  }
}

const stamp = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
