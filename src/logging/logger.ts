// The server's log: structured JSON lines (pino) on stdout, one per request at `info`, readable
// (pino-pretty) when stdout is a terminal. Lines are written asynchronously (sonic-boom), never
// with synchronous I/O on the request path, and flushed on shutdown. At `silent` pino is not even
// loaded. docs/operating.md describes the lines.
import type { Logger } from 'pino';
import type { LogLevel } from './log-levels.ts';

export type { LogLevel } from './log-levels.ts';

export interface ServerLog {
  /** null at `silent`. */
  logger: Logger | null;
  /** Writes out what is buffered; call before exiting. */
  flush(): Promise<void>;
}

const BATCH_BYTES = 4096;
const FLUSH_MS = 200;

export async function createServerLog(level: LogLevel, options: { pretty?: boolean } = {}): Promise<ServerLog> {
  if (level === 'silent') return { logger: null, flush: async () => undefined };
  const { pino } = await import('pino');
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  let flusher: NodeJS.Timeout | undefined;
  let destination;
  if (pretty) {
    destination = (await import('pino-pretty')).default({ destination: 1, sync: false, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } else {
    // Lines go out in batches of BATCH_BYTES, or at the latest FLUSH_MS after they were logged: a
    // write per line cost a quarter of a request's CPU time under load.
    const batched = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
    flusher = setInterval(() => batched.flush(), FLUSH_MS);
    flusher.unref();
    destination = batched;
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
    flush: () =>
      new Promise<void>((resolve) => {
        if (flusher) clearInterval(flusher);
        const timer = setTimeout(resolve, 1000); // never let a stuck stdout hold the exit
        logger.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
