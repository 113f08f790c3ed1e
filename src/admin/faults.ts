// Control API: a tenant's latency and fault rules (the contract other tools build on:
// PUT replaces, GET reads, DELETE clears; tenant_id defaults to ten_nordwind).
import { checkRules } from '../domain/faults.ts';
import type { FaultInjector } from '../faults/injector.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid } from '../server/problem.ts';
import { tenantNamed } from './tenant-lookup.ts';

export function faultAdminHandlers(injector: FaultInjector): Handlers<AdminOperationId> {
  return {
    getFaults({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      return { status: 200, body: { tenant_id: tenant.id, ...injector.rulesOf(tenant) } };
    },

    setFaults({ body }, ctx) {
      const tenant = tenantNamed(ctx, body.tenant_id);
      const errors = checkRules(body.rules);
      if (errors.length) throw invalid(errors);
      return { status: 200, body: { tenant_id: tenant.id, ...injector.replace(tenant, body.rules, body.seed) } };
    },

    clearFaults({ query }, ctx) {
      injector.clear(tenantNamed(ctx, query.tenant_id));
      return { status: 204 };
    },
  };
}
