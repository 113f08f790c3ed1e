// Rate-limit counters per tenant and operation group (arithmetic in src/domain/rate-limit.ts);
// the HTTP layers that count and send the headers are src/policies/rate-limit. Counters live in
// memory, keyed by tenant id; the settings (plan and overrides) live on the tenant and persist.
// Unidentified callers of the token endpoint share one anonymous budget. With a shared store
// (PostgreSQL, several replicas) the count is taken there, atomically (`takeShared`), and this
// replica's counters are set to what it says, so the decision and the headers are the same
// arithmetic over the standing every replica shares.
import { randomUUID } from 'node:crypto';
import type { Operation } from '../contract/operations.ts';
import { accessOf } from '../domain/access.ts';
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
} from '../domain/rate-limit.ts';
import type { SharedRateWindows } from '../store/backend.ts';
import type { Tenant } from '../store/store.ts';

export interface RateLimiterOptions {
  /** false: never refuse (the counting and the headers go on). */
  enforce: boolean;
  /** Per-minute limit of each operation group, from the spec's x-rate-limit. */
  specGroups: Record<string, number>;
  /** Where every replica counts (a shared store); omitted, the counters are this process's. */
  shared?: SharedRateWindows;
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

/** The rate-limit group of each operation (the readiness report sums requests by group). */
export function rateGroupsByOperation(operations: Operation[]): Record<string, string> {
  return Object.fromEntries(operations.map((op) => [op.operationId, groupOf(op).group]));
}

export class RateLimiter {
  readonly enforce: boolean;
  readonly specGroups: Record<string, number>;
  /** Set with a shared store: requests are counted with `takeShared`. */
  readonly shared: SharedRateWindows | null;
  private readonly counters = new Map<string, RateCounters>();
  /** The JSON of each counters' settings, the shared windows' key (they start afresh when it changes). */
  private readonly settingsJson = new WeakMap<RateCounters, string>();

  constructor(options: RateLimiterOptions) {
    this.enforce = options.enforce;
    this.specGroups = options.specGroups;
    this.shared = options.shared ?? null;
  }

  /** As `take`, counted in the windows every replica shares (rejects when they cannot be reached). */
  async takeShared(tenant: Tenant | undefined, op: Operation, nowMs = Date.now()): Promise<RateDecision> {
    if (!this.shared) return this.take(tenant, op, nowMs);
    const counters = this.countersOf(tenant);
    const declared = groupOf(op);
    const group = groupCounter(counters, declared.group, declared.limit_per_minute);
    const opened = tenant?.access?.rate_windows;
    let settings = this.settingsJson.get(counters);
    if (settings === undefined) this.settingsJson.set(counters, (settings = JSON.stringify([counters.settings ?? null, opened?.opened ?? null])));
    const before = await this.shared.take({
      tenant: tenant?.id ?? ANONYMOUS,
      settings,
      group: group.name,
      groupLimit: group.limit,
      burst: counters.burst,
      daily: counters.daily,
      nowMs,
      enforce: this.enforce,
      prefill: opened && { day: opened.day, used: opened.daily_used },
    });
    // A new window (opened here or on another replica): the other groups' counts of the last one are gone.
    if (counters.windowStart !== before.windowStart) for (const other of counters.groups.values()) other.used = 0;
    counters.windowStart = before.windowStart;
    counters.used = before.used;
    counters.day = before.day;
    counters.dayUsed = before.dayUsed;
    group.used = before.groupUsed;
    return takeRequest(counters, group, nowMs, this.enforce);
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
    const access = accessOf(tenant);
    access.rate_limits = settings;
    const counters = this.countersOf(tenant);
    if (dailyUsed !== undefined) {
      counters.day = Math.floor(Date.now() / 86_400_000);
      counters.dayUsed = dailyUsed;
    }
    // Kept with the tenant, so every replica on a shared store opens the same fresh windows (takeShared).
    if (this.shared) access.rate_windows = { opened: randomUUID(), day: counters.day, daily_used: counters.dayUsed };
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
