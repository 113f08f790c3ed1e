// Rate limits per tenant and operation group, by plan (arithmetic in src/domain/rate-limit.ts,
// counters in src/rate-limits/counters.ts).
//
// One policy with two parts, because the headers go on every partner-API answer but the count
// can only be taken once the caller is known:
//   before  — placed after authentication: counts the request or refuses it with a 429 problem
//             (code rate_limit_exceeded, retry_after, Retry-After, and the documented `error`
//             and `message` members). Counting is synchronous, so it is exact under any concurrency.
//   headers — on every answer: X-RateLimit-Limit/-Remaining/-Reset (Reset as the marketplace
//             documents it: the Unix time in seconds when the window resets) and the IETF
//             RateLimit-Policy/RateLimit fields (their `t` stays delta seconds), of this request's
//             decision, or, for a request refused before counting (401, 403), of its tenant's
//             standing without counting it.
import type { RateLimiter } from '../../rate-limits/counters.ts';
import type { Operation } from '../../contract/operations.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import type { RateDecision } from '../../domain/rate-limit.ts';
import { Problem } from '../../server/problem.ts';

export function rateLimit(limiter: RateLimiter): Policy {
  // The refusal of the last 429, answered again while its decision reads the same (the same limit,
  // the same second of the same window): a connector that ignores Retry-After sends hundreds a
  // second, and building and serialising the problem was a third of each answer.
  let last: { decision: RateDecision; problem: Problem } | undefined;
  const refusal = (decision: RateDecision): Problem => {
    const seen = last?.decision;
    if (seen && seen.policy === decision.policy && seen.limit === decision.limit && seen.reset === decision.reset && seen.resetAt === decision.resetAt) return last!.problem;
    const problem = refuse(decision);
    last = { decision, problem };
    return problem;
  };
  return {
    name: 'rate-limit',
    appliesTo: (op) => !countedPerField(op),
    before(c) {
      // A shared store: counted where every replica counts, so the limits hold across them.
      if (limiter.shared) {
        return limiter.takeShared(c.get('tenant'), c.get('operation')).then(
          (decision) => {
            c.set('rateLimit', decision);
            if (!decision.allowed) throw refusal(decision);
          },
          (error: Error & { code?: string }) => {
            throw new Problem(503, 'storage_unavailable', `The sandbox could not reach its shared store to count this request (${error.code ?? error.message}), so it was not served. Retry in a few seconds.`, {}, { 'retry-after': '5' });
          },
        );
      }
      const decision = limiter.take(c.get('tenant'), c.get('operation'));
      c.set('rateLimit', decision);
      // Returned, not thrown: a connector in a retry storm gets this by the thousand.
      if (!decision.allowed) return refusal(decision);
    },
    headers: (c, into) => rateLimitHeaders(limiter, c, into),
  };
}

/** An operation marked x-rate-limit-per-field (/graphql) is counted by its handler, once per root field as the REST operation that field runs. */
const countedPerField = (op: Operation) => op.extensions['x-rate-limit-per-field'] === true;

/** The headers of an operation its handler counts: the tightest decision it reported (src/graphql/rest-call.ts). */
export function perFieldRateLimitHeaders(limiter: RateLimiter): Policy {
  return { name: 'rate-limit-headers', appliesTo: countedPerField, headers: (c, into) => rateLimitHeaders(limiter, c, into) };
}

function rateLimitHeaders(limiter: RateLimiter, c: RequestContext, into: Record<string, string>): void {
  const decision = c.get('rateLimit') ?? limiter.peek(c.get('tenant'), c.get('operation'));
  into['x-ratelimit-limit'] = String(decision.limit);
  into['x-ratelimit-remaining'] = String(decision.remaining);
  into['x-ratelimit-reset'] = String(decision.resetAt);
  into['ratelimit-policy'] = decision.policies;
  into['ratelimit'] = `"${decision.policy}";r=${decision.remaining};t=${decision.reset}`;
}

/** The 429 problem for a refused decision. Never noted or changed afterwards, so it can be answered again. */
function refuse(decision: RateDecision): Problem {
  const window = decision.policy === 'daily' ? 'day (UTC)' : 'minute';
  const what = decision.policy === 'daily' ? 'daily quota' : decision.policy === 'burst' ? 'burst limit' : `"${decision.policy}" limit`;
  const message = `The ${what} of ${decision.limit} requests per ${window} is used up. Retry after ${decision.reset} seconds (Retry-After); pace requests by X-RateLimit-Remaining and X-RateLimit-Reset (the Unix time of the reset).`;
  return new Problem(
    429,
    'rate_limit_exceeded',
    message,
    // `error` and `message`: the marketplace's own error members, next to the problem's.
    { error: 'rate_limit_exceeded', message, retry_after: decision.reset, reset_at: decision.resetAt, policy: decision.policy, limit: decision.limit },
    { 'retry-after': String(decision.reset) },
  );
}
