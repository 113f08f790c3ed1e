// Fault rules per tenant, compiled (rules and decisions in src/domain/faults.ts); the HTTP layer
// that applies them is src/policies/fault-injection. Rules are stored on the tenant (persisted);
// compiled rules, generators and every_nth counters are kept here and start afresh when the
// rules are replaced.
import { accessOf } from '../domain/access.ts';
import { compileFaults, decideFaults, withRuleIds, type CompiledFaults, type FaultDecision, type FaultRule, type FaultSettings } from '../domain/faults.ts';
import type { Tenant } from '../store/store.ts';

/** Thrown when an injected timeout drops the connection; the app's error handler lets it through. */
export class ConnectionDropped extends Error {
  constructor(readonly ruleId: string) {
    super(`Injected timeout (fault rule ${ruleId}): the connection was dropped without an answer.`);
    this.name = 'ConnectionDropped';
  }
}

export class FaultInjector {
  private readonly compiled = new Map<string, CompiledFaults>();

  /** The tenant's rules (an empty set when none were given). */
  rulesOf(tenant: Tenant): FaultSettings {
    return tenant.access?.faults ?? { seed: tenant.seed, rules: [] };
  }

  /** Replaces the tenant's rules; generators and counters start afresh. */
  replace(tenant: Tenant, rules: FaultRule[], seed?: number): FaultSettings {
    const settings: FaultSettings = { seed: seed ?? tenant.seed, rules: withRuleIds(rules) };
    accessOf(tenant).faults = settings;
    this.compiled.delete(tenant.id);
    return settings;
  }

  clear(tenant: Tenant): void {
    if (tenant.access) delete tenant.access.faults;
    this.compiled.delete(tenant.id);
  }

  /** Whether the tenant has any rule (a property read: GraphQL's fields ask before building a path). */
  hasRules(tenant: Tenant): boolean {
    return (tenant.access?.faults?.rules.length ?? 0) > 0;
  }

  /** What to do to one request; null when the tenant has no rule for it. `except`: see decideFaults. */
  decide(tenant: Tenant, operationId: string, path: string, except?: { operationId: string; path: string }): FaultDecision | null {
    const settings = tenant.access?.faults;
    if (!settings || settings.rules.length === 0) return null;
    let compiled = this.compiled.get(tenant.id);
    if (!compiled || compiled.source !== settings) {
      compiled = compileFaults(settings);
      this.compiled.set(tenant.id, compiled);
    }
    return decideFaults(compiled, operationId, path, except);
  }
}
