// Rate-limit arithmetic: plans, the limits a tenant ends up with, and fixed-window counting.
//
// Three budgets apply to every request of a tenant, and all three must allow it:
//   - its operation group's per-minute limit (x-rate-limit in the spec, or a per-tenant override),
//   - the plan's burst per minute (all groups together),
//   - the plan's daily quota (UTC calendar day).
// Minute windows open with the first request after the previous one ended (so a fresh tenant,
// or one whose limits were just changed, always starts a full minute); the day window is the UTC
// day. A refused request consumes nothing. Counting is synchronous, which makes it exact under
// any number of concurrent requests in one process.
//
// Counters are mutated in place and hold no per-request allocations beyond the decision.

export const PLAN_NAMES = ['basic', 'growth', 'enterprise'] as const;
export type Plan = (typeof PLAN_NAMES)[number];

export const PLANS: Record<Plan, { daily_quota: number; burst_per_minute: number }> = {
  basic: { daily_quota: 10_000, burst_per_minute: 50 },
  growth: { daily_quota: 100_000, burst_per_minute: 200 },
  enterprise: { daily_quota: 1_000_000, burst_per_minute: 1_000 },
};
export const DEFAULT_PLAN: Plan = 'enterprise';

/** What a tenant's limits are set to (persisted). Omitted figures come from the plan or the spec. */
export interface RateLimitSettings {
  plan: Plan;
  daily_quota?: number;
  burst_per_minute?: number;
  /** Per-minute limit by operation group, overriding the spec's x-rate-limit. */
  groups?: Record<string, number>;
}

export interface EffectiveLimits {
  plan: Plan;
  daily_quota: number;
  burst_per_minute: number;
  groups: Record<string, number>;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The figures that apply, given the spec's per-group defaults. */
export function effectiveLimits(settings: RateLimitSettings | undefined, specGroups: Record<string, number>): EffectiveLimits {
  const plan = settings?.plan ?? DEFAULT_PLAN;
  return {
    plan,
    daily_quota: settings?.daily_quota ?? PLANS[plan].daily_quota,
    burst_per_minute: settings?.burst_per_minute ?? PLANS[plan].burst_per_minute,
    groups: { ...specGroups, ...settings?.groups },
  };
}

export interface GroupCounter {
  name: string;
  limit: number;
  used: number;
  /** The IETF RateLimit-Policy value for requests of this group; fixed until the settings change. */
  policy: string;
}

/** One tenant's counters. Rebuilt (fresh windows) whenever its settings object is replaced. */
export interface RateCounters {
  settings: RateLimitSettings | undefined;
  burst: number;
  daily: number;
  windowStart: number; // wall ms; the minute window is [windowStart, windowStart + 60 s)
  used: number; // requests in the minute window, all groups
  day: number; // UTC day number of dayUsed
  dayUsed: number;
  groups: Map<string, GroupCounter>;
}

export interface RateDecision {
  allowed: boolean;
  /** The policy reported in the headers: the refusing one, else the one with the fewest requests left. */
  policy: string;
  limit: number;
  remaining: number;
  /** Seconds until that policy's window resets (≥ 1): Retry-After and the IETF fields' `t`. */
  reset: number;
  /** When that window resets, in Unix seconds: X-RateLimit-Reset, as the marketplace documents it. */
  resetAt: number;
  /** RateLimit-Policy header value. */
  policies: string;
}

export function newCounters(settings: RateLimitSettings | undefined): RateCounters {
  const plan = settings?.plan ?? DEFAULT_PLAN;
  return {
    settings,
    burst: settings?.burst_per_minute ?? PLANS[plan].burst_per_minute,
    daily: settings?.daily_quota ?? PLANS[plan].daily_quota,
    windowStart: -Infinity,
    used: 0,
    day: -1,
    dayUsed: 0,
    groups: new Map(),
  };
}

/** The counter of one operation group; created on the group's first request. */
export function groupCounter(counters: RateCounters, name: string, specLimit: number): GroupCounter {
  let group = counters.groups.get(name);
  if (!group) {
    const limit = counters.settings?.groups?.[name] ?? specLimit;
    group = {
      name,
      limit,
      used: 0,
      policy: `"${name}";q=${limit};w=60, "burst";q=${counters.burst};w=60, "daily";q=${counters.daily};w=86400`,
    };
    counters.groups.set(name, group);
  }
  return group;
}

/** Moves the windows forward if they have ended. */
function roll(counters: RateCounters, nowMs: number): void {
  if (nowMs >= counters.windowStart + MINUTE_MS) {
    counters.windowStart = nowMs;
    counters.used = 0;
    for (const group of counters.groups.values()) group.used = 0;
  }
  const day = Math.floor(nowMs / DAY_MS);
  if (day !== counters.day) {
    counters.day = day;
    counters.dayUsed = 0;
  }
}

/**
 * Counts one request against the three budgets. With `enforce` off nothing is refused (the
 * counts go on, so the headers still show what would have happened).
 */
export function takeRequest(counters: RateCounters, group: GroupCounter, nowMs: number, enforce: boolean): RateDecision {
  roll(counters, nowMs);
  if (enforce) {
    if (counters.dayUsed >= counters.daily) return refusal('daily', counters.daily, dayReset(counters, nowMs), group.policy);
    if (group.used >= group.limit) return refusal(group.name, group.limit, minuteReset(counters, nowMs), group.policy);
    if (counters.used >= counters.burst) return refusal('burst', counters.burst, minuteReset(counters, nowMs), group.policy);
  }
  group.used++;
  counters.used++;
  counters.dayUsed++;
  return standing(counters, group, nowMs);
}

/** The current standing without counting anything (for requests refused before the limiter). */
export function peekRequest(counters: RateCounters, group: GroupCounter, nowMs: number): RateDecision {
  roll(counters, nowMs);
  return standing(counters, group, nowMs);
}

/** Usage figures for the control API. */
export function usage(counters: RateCounters, nowMs: number): { minute_resets_in_seconds: number; burst_used: number; daily_used: number; groups_used: Record<string, number> } {
  roll(counters, nowMs);
  const groups_used: Record<string, number> = {};
  for (const group of counters.groups.values()) groups_used[group.name] = group.used;
  return { minute_resets_in_seconds: minuteReset(counters, nowMs).reset, burst_used: counters.used, daily_used: counters.dayUsed, groups_used };
}

function standing(counters: RateCounters, group: GroupCounter, nowMs: number): RateDecision {
  const groupLeft = Math.max(0, group.limit - group.used);
  const burstLeft = Math.max(0, counters.burst - counters.used);
  const dayLeft = Math.max(0, counters.daily - counters.dayUsed);
  // The tightest budget is what a client should pace itself by; ties go to the more specific one.
  if (groupLeft <= burstLeft && groupLeft <= dayLeft) {
    return { allowed: true, policy: group.name, limit: group.limit, remaining: groupLeft, ...minuteReset(counters, nowMs), policies: group.policy };
  }
  if (burstLeft <= dayLeft) {
    return { allowed: true, policy: 'burst', limit: counters.burst, remaining: burstLeft, ...minuteReset(counters, nowMs), policies: group.policy };
  }
  return { allowed: true, policy: 'daily', limit: counters.daily, remaining: dayLeft, ...dayReset(counters, nowMs), policies: group.policy };
}

function refusal(policy: string, limit: number, reset: Pick<RateDecision, 'reset' | 'resetAt'>, policies: string): RateDecision {
  return { allowed: false, policy, limit, remaining: 0, ...reset, policies };
}

/** When a window ending at `endMs` resets: seconds from now (≥ 1), and the first whole Unix second at or after it. */
function resetOf(endMs: number, nowMs: number): Pick<RateDecision, 'reset' | 'resetAt'> {
  return { reset: Math.max(1, Math.ceil((endMs - nowMs) / 1000)), resetAt: Math.max(Math.ceil(endMs / 1000), Math.floor(nowMs / 1000) + 1) };
}

function minuteReset(counters: RateCounters, nowMs: number): Pick<RateDecision, 'reset' | 'resetAt'> {
  return resetOf(counters.windowStart + MINUTE_MS, nowMs);
}

function dayReset(counters: RateCounters, nowMs: number): Pick<RateDecision, 'reset' | 'resetAt'> {
  return resetOf((counters.day + 1) * DAY_MS, nowMs);
}
