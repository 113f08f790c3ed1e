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
// Counters live in memory, keyed by tenant id; the settings (plan and overrides) live on the
// tenant and persist. Unidentified callers of the token endpoint share one anonymous budget.
import type { MiddlewareHandler } from 'hono';
import type { Operation } from '../../contract/operations.ts';
import { accessOf } from '../../domain/access.ts';
import {
  effectiveLimits,
  groupCounter,
  newCounters,
  peekRequest,
  takeRequest,
  usage,
  type EffectiveLimits,
  type RateCounters,
  type RateDecision,
  type RateLimitSettings,
} from '../../domain/rate-limit.ts';
import type { SandboxEnv } from '../../server/env.ts';
import { Problem } from '../../server/problem.ts';
import { afterNext } from '../after-next.ts';
import { answerLacksPreparedHeaders, preparedHeaders } from '../prepared-headers.ts';
import type { Tenant } from '../../store/store.ts';

export interface RateLimiterOptions {
  /** false: never refuse (the counting and the headers go on). */
  enforce: boolean;
  /** Per-minute limit of each operation group, from the spec's x-rate-limit. */
  specGroups: Record<string, number>;
}

const ANONYMOUS = '';
const UNGROUPED = { group: 'default', limit_per_minute: Number.MAX_SAFE_INTEGER };

/** The operation's x-rate-limit, or a group bounded only by the plan. */
function groupOf(op: Operation): { group: string; limit_per_minute: number } {
  return (op.extensions['x-rate-limit'] as { group: string; limit_per_minute: number } | undefined) ?? UNGROUPED;
}

/** Per-minute limit of each group the spec declares (x-rate-limit on its operations). */
export function specRateLimitGroups(operations: Operation[]): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const op of operations) {
    const declared = op.extensions['x-rate-limit'] as { group: string; limit_per_minute: number } | undefined;
    if (declared) groups[declared.group] = declared.limit_per_minute;
  }
  return groups;
}

export class RateLimiter {
  readonly enforce: boolean;
  readonly specGroups: Record<string, number>;
  private readonly counters = new Map<string, RateCounters>();

  constructor(options: RateLimiterOptions) {
    this.enforce = options.enforce;
    this.specGroups = options.specGroups;
  }

  /** Counts one request of `tenant` (undefined: anonymous) or refuses it. */
  take(tenant: Tenant | undefined, op: Operation, nowMs = Date.now()): RateDecision {
    const counters = this.countersOf(tenant);
    const declared = groupOf(op);
    return takeRequest(counters, groupCounter(counters, declared.group, declared.limit_per_minute), nowMs, this.enforce);
  }

  /** The standing a request would be told about, without counting it. */
  peek(tenant: Tenant | undefined, op: Operation, nowMs = Date.now()): RateDecision {
    const counters = this.countersOf(tenant);
    const declared = groupOf(op);
    return peekRequest(counters, groupCounter(counters, declared.group, declared.limit_per_minute), nowMs);
  }

  /** The tenant's limits and current usage, for the control API. */
  describe(tenant: Tenant, nowMs = Date.now()): EffectiveLimits & { usage: ReturnType<typeof usage> } {
    return { ...effectiveLimits(tenant.access?.rate_limits, this.specGroups), usage: usage(this.countersOf(tenant), nowMs) };
  }

  /**
   * Replaces the tenant's settings. Its windows start afresh, and `dailyUsed` (scenarios that
   * start a tenant near its quota) pre-fills today's count.
   */
  configure(tenant: Tenant, settings: RateLimitSettings, dailyUsed?: number): void {
    accessOf(tenant).rate_limits = settings;
    const counters = this.countersOf(tenant);
    if (dailyUsed !== undefined) {
      counters.day = Math.floor(Date.now() / 86_400_000);
      counters.dayUsed = dailyUsed;
    }
  }

  /** Group names nobody declared, for validating overrides. */
  unknownGroups(groups: Record<string, number> | undefined): string[] {
    return Object.keys(groups ?? {}).filter((group) => !Object.hasOwn(this.specGroups, group));
  }

  private countersOf(tenant: Tenant | undefined): RateCounters {
    const key = tenant?.id ?? ANONYMOUS;
    const settings = tenant?.access?.rate_limits;
    let counters = this.counters.get(key);
    // Settings are replaced, never edited in place, so identity tells whether they changed.
    if (!counters || counters.settings !== settings) {
      counters = newCounters(settings);
      this.counters.set(key, counters);
    }
    return counters;
  }
}

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
