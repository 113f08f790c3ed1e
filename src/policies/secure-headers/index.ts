// Security headers on every answer of the sandbox (partner API, control API, errors, 404s):
// of the set hono/secure-headers sends, the ones that matter for a JSON API served over plain
// HTTP on a laptop (OWASP REST cheat sheet): no MIME sniffing, no framing, no referrer.
// HSTS is ignored on http:// and cross-origin isolation headers protect nothing a JSON body
// with nosniff needs, so they are left out: every header is bytes on every answer.
// A policy with headers only: they go into the record the answer is built with (the cheap way,
// src/server/README.md); an answer built elsewhere that sets one itself (an HTML page with its
// own CSP) keeps its value.
import type { Policy } from '../../server/policy.ts';

export const SECURE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Only frame-ancestors: a stricter default-src would break HTML pages (docs) served later.
  'content-security-policy': "frame-ancestors 'none'",
});

export function secureResponseHeaders(): Policy {
  return {
    name: 'secure-headers',
    headers(_c, into) {
      into['x-content-type-options'] = 'nosniff';
      into['x-frame-options'] = 'DENY';
      into['referrer-policy'] = 'no-referrer';
      into['content-security-policy'] = "frame-ancestors 'none'";
    },
  };
}
