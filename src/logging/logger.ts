// The server's log: structured JSON lines (pino) on stdout, one per request at `info`, readable
// (pino-pretty) when stdout is a terminal. Lines are written asynchronously (sonic-boom), never
// with synchronous I/O on the request path, and flushed on shutdown. At `silent` pino is not even
// loaded. docs/operating.md describes the lines.
import type { Logger } from 'pino';
import type { LogLevel } from './log-levels.ts';
import { directRequestLines, type RequestLines } from './request-line.ts';

export type { LogLevel } from './log-levels.ts';

export interface ServerLog {
  /** null at `silent`. */
  logger: Logger | null;
  /** The per-request lines (src/logging/request-line.ts); null above `info`. */
  requestLines: RequestLines | null;
  /** Writes out what is buffered; call before exiting. */
  flush(): Promise<void>;
}

const BATCH_CHARS = 64 * 1024;
const FLUSH_MS = 200;

interface Destination {
  write(data: string | Buffer): boolean;
  flush(cb: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Lines gathered into one string and handed to sonic-boom as one buffer BATCH_CHARS at a time, or
 * at the latest FLUSH_MS after they were logged. Measured under load: sonic-boom's own `minLength`
 * batching measures its whole pending string (`Buffer.byteLength`) on every line, about 2.5 µs a
 * line; encoding each line into a buffer as it comes cost about 2 µs more than encoding a batch.
 */
function lineBatch(sonic: Destination) {
  let pending = '';
  const push = () => {
    if (pending.length === 0) return;
    const lines = pending;
    pending = '';
    sonic.write(Buffer.from(lines));
  };
  const flusher = setInterval(push, FLUSH_MS);
  flusher.unref();
  // A process that exits without the shutdown's flush (a start error, process.exit) keeps its lines.
  const onExit = () => {
    push();
    try {
      sonic.flushSync();
    } catch {
      // not open yet, or stdout is gone: nothing more can be written
    }
  };
  process.once('exit', onExit);
  return {
    write(line: string): boolean {
      pending += line;
      if (pending.length >= BATCH_CHARS) push();
      return true;
    },
    flush(cb: (error?: Error) => void): void {
      push();
      sonic.flush(cb);
    },
    flushSync(): void {
      push();
      sonic.flushSync();
    },
    stop(): void {
      clearInterval(flusher);
      process.off('exit', onExit);
    },
  };
}

export async function createServerLog(level: LogLevel, options: { pretty?: boolean } = {}): Promise<ServerLog> {
  if (level === 'silent') return { logger: null, requestLines: null, flush: async () => undefined };
  const { pino } = await import('pino');
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  let batch: ReturnType<typeof lineBatch> | undefined;
  let destination: { write(line: string): unknown };
  if (pretty) {
    destination = (await import('pino-pretty')).default({ destination: 1, sync: false, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } else {
    // Lines go out in batches (a write per line cost a quarter of a request's CPU time under load).
    batch = lineBatch(pino.destination({ dest: 1, sync: false, contentMode: 'buffer' }));
    destination = batch;
  }
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      // Level names, not numbers: a line reads the same in a terminal and in a log store.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    logger,
    requestLines: logger.isLevelEnabled('info') ? directRequestLines((line) => destination.write(line), process.pid) : null,
    flush: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000); // never let a stuck stdout hold the exit
        logger.flush(() => {
          clearTimeout(timer);
          batch?.stop();
          resolve();
        });
      }),
  };
}
