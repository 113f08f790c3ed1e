// Putting a tenant into a scenario (or a snapshot): its world, and the limits and faults that go
// with it, which live in the policies' memory as well as in the tenant's access record.
import { DEFAULT_PLAN, type RateLimitSettings } from '../domain/rate-limit.ts';
import type { FaultRule } from '../domain/faults.ts';
import type { FaultInjector } from '../faults/injector.ts';
import type { RateLimiter } from '../rate-limits/counters.ts';
import type { RequestJournal } from '../journal/journal.ts';
import { Problem } from '../server/problem.ts';
import type { SandboxStore, Snapshot, Tenant } from '../store/store.ts';
import type { World } from './world.ts';

/** The policies that keep per-tenant memory: counters, compiled fault rules, the journal. */
export interface TenantPolicies {
  limiter: RateLimiter;
  faults: FaultInjector;
  journal: RequestJournal;
}

export interface Entered {
  tenant: Tenant;
  scenario: string;
  /** Wall ms the reset itself took (the swap and the settings). */
  duration_ms: number;
  /** Wall ms spent building the scenario's world first, when this was its first use; else 0. */
  build_ms: number;
}

export function unknownScenario(store: SandboxStore, name: string): Problem {
  return new Problem(404, 'scenario_not_found', `There is no scenario ${name}. The scenarios are: ${store.library.names.join(', ')} (GET /__sandbox/scenarios describes them).`, {
    scenario: name,
    scenarios: store.library.names,
  });
}

/**
 * Resets the tenant into the named scenario. Everything happens in one synchronous turn of the
 * event loop, so concurrent requests of the tenant see the old world or the new one, never a mix.
 */
export function enterScenario(store: SandboxStore, policies: TenantPolicies, tenant: Tenant, name: string): Entered {
  if (!store.library.get(name)) throw unknownScenario(store, name);
  const building = !store.library.isBuilt(name, tenant.seed);
  const buildStarted = performance.now();
  const world = store.world(name, tenant.seed);
  const build_ms = building ? performance.now() - buildStarted : 0;
  const started = performance.now();
  store.enterWorld(tenant, world);
  applySettings(policies, tenant, world.rate_limits, world.faults, world.daily_used ?? 0);
  return { tenant, scenario: name, duration_ms: performance.now() - started, build_ms };
}

/** A new tenant, in the named scenario (default when omitted). */
export function createTenantIn(store: SandboxStore, policies: TenantPolicies, input: { name?: string; seed?: number; scenario?: string }): Tenant {
  const name = input.scenario ?? 'default';
  if (!store.library.get(name)) throw unknownScenario(store, name);
  const world = store.world(name, input.seed ?? store.seed);
  const tenant = store.createTenant({ name: input.name, seed: input.seed, world });
  applySettings(policies, tenant, world.rate_limits, world.faults, world.daily_used ?? 0);
  return tenant;
}

/** Restores a snapshot into its tenant: state, sandbox time, limits and faults. */
export function restoreSnapshot(store: SandboxStore, policies: TenantPolicies, tenant: Tenant, snapshot: Snapshot): number {
  const started = performance.now();
  store.restoreSnapshot(tenant, snapshot);
  applySettings(policies, tenant, snapshot.settings.rate_limits, snapshot.settings.faults, 0);
  return performance.now() - started;
}

/** Replaces limits and faults; their counters and generators start afresh, and the journal is emptied. */
export function applySettings(
  policies: TenantPolicies,
  tenant: Tenant,
  rateLimits: RateLimitSettings | undefined,
  faults: { seed?: number; rules: FaultRule[] } | undefined,
  dailyUsed: number,
): void {
  policies.limiter.configure(tenant, rateLimits ? structuredClone(rateLimits) : { plan: DEFAULT_PLAN }, dailyUsed);
  if (faults && faults.rules.length > 0) policies.faults.replace(tenant, structuredClone(faults.rules), faults.seed);
  else policies.faults.clear(tenant);
  policies.journal.clear(tenant);
}
