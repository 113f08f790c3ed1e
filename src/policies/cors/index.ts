// CORS, so that a partner's browser app (an admin UI, a PIM front end) can call the sandbox.
// Preflights (OPTIONS) are answered by hono's cors middleware, with the methods the spec has at
// the path; actual answers get Access-Control-Allow-Origin and the exposed headers from this
// policy's `headers` step, with the same origin rule (src/server/README.md, "Hot-path rules": no
// middleware on operations). The control API gets its own, never permissive, origins (origins.ts).
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Operation } from '../../contract/operations.ts';
import type { Policy } from '../../server/policy.ts';
import { requestHeader } from '../../server/request-header.ts';
import type { OriginPolicy } from './origins.ts';

/** Request headers a browser app may send, besides those the specs declare as parameters. */
export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Prefer', 'Accept'];

/** Response headers a browser app may read, besides those the specs declare on answers. */
export const EXPOSED_HEADERS = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit-Policy',
  'RateLimit',
  'Retry-After',
  'Location',
  'X-Request-Id',
  'WWW-Authenticate',
];

/** How long a browser may keep a preflight's answer, in seconds. */
const MAX_AGE = 600;

/** The request and response header names of the operations' specs, with the lists above. */
export function corsHeaderNames(operations: readonly Operation[]): { allow: string[]; expose: string[] } {
  const union = (base: string[], more: string[]) => {
    const seen = new Set(base.map((h) => h.toLowerCase()));
    return [...base, ...more.filter((h) => !seen.has(h.toLowerCase()) && seen.add(h.toLowerCase()))];
  };
  const requestHeaders = operations.flatMap((op) => op.parameters.filter((p) => p.in === 'header').map((p) => p.name));
  const responseHeaders = operations.flatMap((op) => op.responses.flatMap((r) => Object.keys(r.headers)));
  return { allow: union(ALLOWED_HEADERS, requestHeaders), expose: union(EXPOSED_HEADERS, responseHeaders) };
}

/** The CORS headers of an actual answer to a request from `origin`, into a plain record. */
export function writeCorsHeaders(policy: OriginPolicy, expose: string, origin: string | undefined, into: Record<string, string>): void {
  if (!policy.any) into.vary = 'Origin'; // the answer depends on the Origin: caches must keep them apart
  if (!origin) return;
  const allowed = policy.allow(origin);
  if (!allowed) return;
  into['access-control-allow-origin'] = allowed;
  into['access-control-expose-headers'] = expose;
  if (!policy.any) into['access-control-allow-credentials'] = 'true';
}

/** The policy for one API's operations: CORS headers on every answer. */
export function corsAnswers(policy: OriginPolicy, exposeHeaders: readonly string[]): Policy {
  const expose = exposeHeaders.join(', ');
  return {
    name: 'cors',
    headers(c, into) {
      writeCorsHeaders(policy, expose, requestHeader(c, 'origin'), into);
    },
  };
}

export interface PreflightOptions {
  partner: OriginPolicy;
  control: OriginPolicy;
  /** The methods served at a path (from the specs), or null where nothing is served. */
  methodsAt(path: string): string[] | null;
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  /** The answer for a path nothing is served at (the app's 404). */
  notFound(c: Context): Response | Promise<Response>;
}

const isControlPath = (path: string) => path === '/__sandbox' || path.startsWith('/__sandbox/');

/** The handler of `OPTIONS` on every path: 204 with the path's methods, for the origin's API. */
export function corsPreflight(options: PreflightOptions): MiddlewareHandler {
  const answer = (policy: OriginPolicy) =>
    cors({
      origin: (origin) => policy.allow(origin),
      allowMethods: (_origin, c) => [...(options.methodsAt(c.req.path) ?? []), 'OPTIONS'],
      allowHeaders: [...options.allowHeaders],
      exposeHeaders: [...options.exposeHeaders],
      credentials: !policy.any,
      maxAge: MAX_AGE,
    });
  const partner = answer(options.partner);
  const control = answer(options.control);
  return async (c, next) => {
    if (!options.methodsAt(c.req.path)) return options.notFound(c);
    return (isControlPath(c.req.path) ? control : partner)(c, next);
  };
}
