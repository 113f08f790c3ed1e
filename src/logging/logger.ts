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

export async function createServerLog(level: LogLevel, options: { pretty?: boolean } = {}): Promise<ServerLog> {
  if (level === 'silent') return { logger: null, flush: async () => undefined };
  const { pino } = await import('pino');
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const destination = pretty
    ? (await import('pino-pretty')).default({ destination: 1, sync: false, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ dest: 1, sync: false });
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
        const timer = setTimeout(resolve, 1000); // never let a stuck stdout hold the exit
        logger.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
