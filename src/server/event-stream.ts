// Server-Sent Events answers (https://html.spec.whatwg.org/multipage/server-sent-events.html): the
// one place the sandbox streams. A handler makes an EventStream, writes messages into it and
// returns it as its reply's `stream`; the pipeline answers with its body (src/server/pipeline.ts),
// so the policies see an ordinary 200 the moment the stream opens, and nothing else is held open.
//
// What it takes care of, so that no endpoint has to:
//   - the wire format: `id:`, `event:`, `data:` lines (a multi-line data is split), a blank line;
//   - a heartbeat comment every 15 s (injectable), so proxies and clients see the line is alive;
//   - a client that goes away: @hono/node-server cancels the body, the stream's closers run once;
//   - a client that stops reading: what waits to be written is bounded (1 MiB by default); past
//     that the stream is closed and the socket destroyed instead of buffering without bound;
//   - shutdown: OpenStreams ends every open stream when the sandbox closes.
//
// Why not hono's streamSSE (hono/streaming): its writes await the consumer, which an event bus
// that emits synchronously cannot do, and unawaited they queue in a TransformStream without any
// bound; it also sets headers on the context (`c.header`), which the pipeline's plain header
// records do not go through. A ReadableStream with a byte-counting strategy gives the bound.
import type { ServerResponse } from 'node:http';

export const EVENT_STREAM_TYPE = 'text/event-stream';

/** Default time between heartbeat comments. */
export const HEARTBEAT_MS = 15_000;
/** Default bound on the bytes written but not yet taken by the client. */
export const MAX_QUEUED_BYTES = 1024 * 1024;

export interface EventStreamOptions {
  heartbeatMs?: number;
  maxQueuedBytes?: number;
  /** The `retry:` field sent first: how long a client waits before it reconnects (ms). */
  retryMs?: number;
}

export interface StreamMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Why a stream ended: it was closed by the server, the client left, or the client stopped reading. */
export type StreamEnd = 'closed' | 'client_gone' | 'overflow';

const encoder = new TextEncoder();

function messageText(message: StreamMessage): string {
  let text = '';
  if (message.id !== undefined) text += `id: ${oneLine(message.id, 'id')}\n`;
  if (message.event !== undefined) text += `event: ${oneLine(message.event, 'event')}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return text + '\n';
}

export class EventStream {
  /** The answer's body. */
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly maxQueuedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closers: ((why: StreamEnd) => void)[] = [];
  private socket: ServerResponse | undefined;
  private ended: StreamEnd | null = null;

  constructor(options: EventStreamOptions = {}) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.end('client_gone'),
      },
      // The queue counts bytes: desiredSize goes below 0 once more than the bound waits.
      { highWaterMark: this.maxQueuedBytes, size: (chunk) => chunk.byteLength },
    );
    // Something to write at once, so the server sends the headers without waiting for an event.
    this.write(`retry: ${options.retryMs ?? 3000}\n\n`);
    this.heartbeat = setInterval(() => this.comment('heartbeat'), options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Whether the stream still takes messages. */
  get open(): boolean {
    return this.ended === null;
  }

  /** Bytes written and not yet taken by the server's socket. */
  get queuedBytes(): number {
    return this.ended === null ? this.maxQueuedBytes - (this.controller.desiredSize ?? 0) : 0;
  }

  /** Writes one message; false once the stream has ended (then nothing is written). */
  send(message: StreamMessage): boolean {
    return this.write(messageText(message));
  }

  /** Writes several messages as one chunk: one write instead of one per message (a paced stream's flush). */
  sendAll(messages: StreamMessage[]): boolean {
    let text = '';
    for (const message of messages) text += messageText(message);
    return text === '' || this.write(text);
  }

  /** A comment line (`: text`), which clients ignore. */
  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  /** Runs `closer` once when the stream ends, however it ends (at once if it has). */
  onClose(closer: (why: StreamEnd) => void): void {
    if (this.ended !== null) closer(this.ended);
    else this.closers.push(closer);
  }

  /** The Node response the body is written to, so a client that stops reading can be cut off. */
  attach(socket: ServerResponse | undefined): void {
    this.socket = socket;
  }

  /** Ends the stream after what is already written. */
  close(): void {
    if (this.ended !== null) return;
    this.end('closed');
    try {
      this.controller.close();
    } catch {
      // already cancelled by the client
    }
  }

  private write(text: string): boolean {
    if (this.ended !== null) return false;
    this.controller.enqueue(encoder.encode(text));
    if ((this.controller.desiredSize ?? 0) < 0) {
      // The client does not take what it is sent: drop the queue and the connection.
      this.end('overflow');
      this.controller.error(new Error('the client stopped reading the event stream'));
      this.socket?.destroy();
      return false;
    }
    return true;
  }

  private end(why: StreamEnd): void {
    if (this.ended !== null) return;
    this.ended = why;
    clearInterval(this.heartbeat);
    for (const closer of this.closers.splice(0)) {
      try {
        closer(why);
      } catch (error) {
        console.error(`marketplace-sandbox: an event stream's closer failed: ${(error as Error).message}`);
      }
    }
  }
}

function oneLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`an event stream's ${field} must be one line`);
  return value;
}

/** Every stream the sandbox has open, with the options new ones get; closeAll() at shutdown. */
export class OpenStreams {
  private readonly streams = new Set<EventStream>();

  constructor(private readonly options: EventStreamOptions = {}) {}

  /** A new stream, counted until it ends. */
  open(): EventStream {
    const stream = new EventStream(this.options);
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    return stream;
  }

  get size(): number {
    return this.streams.size;
  }

  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}
