// The one line the sandbox logs per request, in pino's layout: `{"level","time","pid", the
// fields, "msg"}` (docs/operating.md). At the default level every request pays for it, so it is
// written as a template straight to the log's destination: pino's generic serialiser (a loop over
// the keys, escaping every string) cost about 3 µs a line, a tenth of a request.
import type { Logger } from 'pino';
import { jsonString } from '../domain/json-string.ts';

export interface RequestLineFields {
  request_id: string;
  method: string;
  path: string;
  operation: string | null;
  tenant: string | null;
  /** null: no answer was sent (an injected timeout dropped the connection). */
  status: number | null;
  latency_ms?: number;
}

export type RequestLines = (level: 'info' | 'error', fields: RequestLineFields, msg: string) => void;

const text = (value: string | null) => (value === null ? 'null' : jsonString(value));

/** Lines in pino's layout handed to `write` (the destination of the logger createServerLog made). */
export function directRequestLines(write: (line: string) => void, pid: number): RequestLines {
  return (level, f, msg) =>
    write(
      `{"level":"${level}","time":${Date.now()},"pid":${pid},"request_id":${text(f.request_id)},"method":${text(f.method)},"path":${text(f.path)},"operation":${text(f.operation)},"tenant":${text(f.tenant)},"status":${f.status}${f.latency_ms === undefined ? '' : `,"latency_ms":${f.latency_ms}`},"msg":${text(msg)}}\n`,
    );
}

/** Through a pino logger someone else made (a program embedding the sandbox). */
export const pinoRequestLines =
  (logger: Logger): RequestLines =>
  (level, fields, msg) =>
    logger[level](fields, msg);
