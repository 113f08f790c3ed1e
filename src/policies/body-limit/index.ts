// The largest request body an operation takes. A declared Content-Length is checked before
// anything is read; only a chunked body goes through hono's streaming bodyLimit, which
// materialises a whole Request and would cost every request about 30 %. Carried only by
// operations that take a body (takesBody in src/server/policy.ts): a plain read has none.
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import type { SandboxEnv } from '../../server/env.ts';
import { takesBody, type Policy } from '../../server/policy.ts';
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

// hono's bodyLimit reads the chunked body into a buffered Request, then calls this.
const goOn = async () => {};

export function requestBodyLimit(limits: BodyLimits): Policy {
  const streaming = new Map<number, MiddlewareHandler<SandboxEnv>>();
  const streamingLimit = (max: number) => {
    let limit = streaming.get(max);
    if (!limit) streaming.set(max, (limit = bodyLimit({ maxSize: max, onError: () => { throw tooLarge(max); } })));
    return limit;
  };
  return {
    name: 'body-limit',
    appliesTo: takesBody,
    // Synchronous unless the body is chunked: a request within its declared length costs two header reads.
    before(c) {
      const max = limits.larger?.[c.get('operation').operationId] ?? limits.maxBytes;
      const length = requestHeader(c, 'content-length');
      if (length !== undefined) {
        if (Number(length) > max) throw tooLarge(max);
        return;
      }
      if (requestHeader(c, 'transfer-encoding')) return streamingLimit(max)(c, goOn) as Promise<void>;
    },
  };
}
