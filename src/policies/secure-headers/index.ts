// Security headers on every answer of the sandbox (partner API, control API, errors, 404s):
// of the set hono/secure-headers sends, the ones that matter for a JSON API served over plain
// HTTP on a laptop (OWASP REST cheat sheet): no MIME sniffing, no framing, no referrer.
// HSTS is ignored on http:// and cross-origin isolation headers protect nothing a JSON body
// with nosniff needs, so they are left out: every header is bytes on every answer.
// They are prepared before the handler runs (src/policies/prepared-headers.ts), so the common
// answer costs almost nothing; answers built elsewhere get them set afterwards.
import type { MiddlewareHandler } from 'hono';
import type { SandboxEnv } from '../../server/env.ts';
import { afterNext } from '../after-next.ts';
import { answerLacksPreparedHeaders } from '../prepared-headers.ts';

/** A fresh record of the headers: a literal is the cheapest object V8 makes, per request. */
function secureHeaders(): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    // Only frame-ancestors: a stricter default-src would break HTML pages (docs) served later.
    'content-security-policy': "frame-ancestors 'none'",
  };
}

export const SECURE_HEADERS: Readonly<Record<string, string>> = Object.freeze(secureHeaders());

const ENTRIES = Object.entries(SECURE_HEADERS);

export function secureResponseHeaders(): MiddlewareHandler<SandboxEnv> {
  // Not async: the common answer was built with the prepared headers and needs nothing after.
  return ((c, next) => {
    // The outermost layer of every chain: the answer's header record starts here.
    c.set('responseHeaders', secureHeaders());
    return afterNext(next(), () => {
      if (answerLacksPreparedHeaders(c)) {
        const headers = c.res.headers;
        // A route that set one of these itself (e.g. an HTML page with its own CSP) keeps its value.
        for (const [name, value] of ENTRIES) if (!headers.has(name)) headers.set(name, value);
      }
    });
  }) as MiddlewareHandler<SandboxEnv>;
}
