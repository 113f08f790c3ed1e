// Rate limits per tenant and operation group, by plan (arithmetic in src/domain/rate-limit.ts).
//
// Two middlewares, because the headers go on every partner-API response but the count can only
// be taken once the caller is known:
//   rateLimit        — after authentication: counts the request or refuses it with a 429 problem
//                      (code rate_limit_exceeded, retry_after, Retry-After), and prepares the
//                      headers: X-RateLimit-Limit/-Remaining/-Reset (Reset in seconds until the
//                      window resets) and the IETF RateLimit-Policy/RateLimit fields.
//   rateLimitHeaders — outermost: makes sure every answer has them. The pipeline's own answers
//                      were built with them; others (errors, the 429 itself) get them set here,
//                      and a request refused before counting (401, 403) shows its tenant's
//                      standing without being counted.
// The counters themselves are src/rate-limits/counters.ts.
import type { MiddlewareHandler } from 'hono';
import type { RateDecision } from '../../domain/rate-limit.ts';
import type { SandboxEnv } from '../../server/env.ts';
import { Problem } from '../../server/problem.ts';
import type { RateLimiter } from '../../rate-limits/counters.ts';
import { afterNext } from '../after-next.ts';
import { answerLacksPreparedHeaders, preparedHeaders } from '../prepared-headers.ts';

/** The five rate-limit headers of a decision, onto the record prepared for the answer. */
function prepareHeaders(decision: RateDecision, headers: Record<string, string>): void {
  headers['x-ratelimit-limit'] = String(decision.limit);
  headers['x-ratelimit-remaining'] = String(decision.remaining);
  headers['x-ratelimit-reset'] = String(decision.reset);
  headers['ratelimit-policy'] = decision.policies;
  headers['ratelimit'] = `"${decision.policy}";r=${decision.remaining};t=${decision.reset}`;
}

/** The same onto an answer built without them. */
function setHeaders(decision: RateDecision, headers: Headers): void {
  const prepared: Record<string, string> = {};
  prepareHeaders(decision, prepared);
  for (const name in prepared) headers.set(name, prepared[name]!);
}

export function rateLimitHeaders(limiter: RateLimiter): MiddlewareHandler<SandboxEnv> {
  // Not async: the counted request's headers went in with the pipeline's answer (see rateLimit
  // below), so the common answer needs nothing here.
  return ((c, next) =>
    afterNext(next(), () => {
      const decision = c.get('rateLimit');
      if (decision && !answerLacksPreparedHeaders(c)) return;
      setHeaders(decision ?? limiter.peek(c.get('tenant'), c.get('operation')), c.res.headers);
    })) as MiddlewareHandler<SandboxEnv>;
}

export function rateLimit(limiter: RateLimiter): MiddlewareHandler<SandboxEnv> {
  // Synchronous (count, then next()): exact under concurrency, and no promise of its own.
  return (c, next) => {
    const decision = limiter.take(c.get('tenant'), c.get('operation'));
    c.set('rateLimit', decision);
    prepareHeaders(decision, preparedHeaders(c));
    if (!decision.allowed) {
      const window = decision.policy === 'daily' ? 'day (UTC)' : 'minute';
      const what = decision.policy === 'daily' ? 'daily quota' : decision.policy === 'burst' ? 'burst limit' : `"${decision.policy}" limit`;
      throw new Problem(
        429,
        'rate_limit_exceeded',
        `The ${what} of ${decision.limit} requests per ${window} is used up. Retry after ${decision.reset} seconds (Retry-After); pace requests by X-RateLimit-Remaining and X-RateLimit-Reset.`,
        { retry_after: decision.reset, policy: decision.policy, limit: decision.limit },
        { 'retry-after': String(decision.reset) },
      );
    }
    return next();
  };
}
