// The largest request body an operation takes. A declared Content-Length is checked before
// anything is read; only a chunked body goes through hono's streaming bodyLimit, which
// materialises a whole Request and would cost every request about 30 %. Mounted only on
// operations that take a body (takesBody in src/server/pipeline.ts): a plain read carries none.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { SandboxEnv } from '../../server/env.ts';
import { Problem } from '../../server/problem.ts';
import { requestHeader } from '../../server/request-header.ts';

export interface BodyLimits {
  /** Largest body of any operation, in bytes. */
  maxBytes: number;
  /** Operations allowed a larger body (a state import carries a whole world), in bytes. */
  larger?: Record<string, number>;
}

const tooLarge = (max: number) =>
  new Problem(413, 'payload_too_large', `The request body exceeds ${max} bytes; split it into smaller requests.`, { max_bytes: max });

export function requestBodyLimit(limits: BodyLimits): MiddlewareHandler<SandboxEnv> {
  const streaming = new Map<number, MiddlewareHandler<SandboxEnv>>();
  const streamingLimit = (max: number) => {
    let limit = streaming.get(max);
    if (!limit) streaming.set(max, (limit = bodyLimit({ maxSize: max, onError: () => { throw tooLarge(max); } })));
    return limit;
  };
  // Not async: a request within its declared length costs two header reads, no promise.
  return (c, next) => {
    const max = limits.larger?.[c.get('operation').operationId] ?? limits.maxBytes;
    const length = requestHeader(c, 'content-length');
    if (length !== undefined) {
      if (Number(length) > max) throw tooLarge(max);
      return next();
    }
    if (!requestHeader(c, 'transfer-encoding')) return next();
    return streamingLimit(max)(c, next);
  };
}
