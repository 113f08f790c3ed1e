// Control API: health, and the partner tenants with their keys. Resets live in ./scenarios.ts.
import { createTenantIn, type TenantPolicies } from '../scenarios/enter.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { DEFAULT_SCENARIO, type Tenant } from '../store/store.ts';
import { counts } from './scenarios.ts';

const summary = (t: Tenant) => ({
  tenant_id: t.id,
  name: t.name,
  api_keys: t.api_keys,
  seed: t.seed,
  scenario: t.scenario ?? DEFAULT_SCENARIO,
  created_at: t.created_at,
  counts: counts(t.state),
});

const startedAt = Date.now();

export function tenantAdminHandlers(version: string, policies: TenantPolicies): Handlers<AdminOperationId> {
  return {
    getHealth(_input, ctx) {
      return {
        status: 200,
        body: { status: 'ok', version, tenants: ctx.store.listTenants().length, uptime_seconds: (Date.now() - startedAt) / 1000, clock_leader: ctx.store.clockLeader },
      };
    },

    listTenants(_input, ctx) {
      return { status: 200, body: { data: ctx.store.listTenants().map(summary) } };
    },

    async createTenant({ body }, ctx) {
      if (body?.scenario) await ctx.store.library.prepare(body.scenario, body?.seed ?? ctx.store.seed); // a large world builds off the serving thread
      const tenant = createTenantIn(ctx.store, policies, { name: body?.name, seed: body?.seed, scenario: body?.scenario });
      return {
        status: 201,
        body: { tenant_id: tenant.id, name: tenant.name, api_key: tenant.api_keys[0], seed: tenant.seed },
        headers: { location: `/__sandbox/tenants/${tenant.id}` },
      };
    },
  };
}
