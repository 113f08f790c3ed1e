// Control API: partner tenants, their keys, and putting one back to its fixture.
import type { HandlerRegistry } from '../server/handler.ts';
import { notFound } from '../server/problem.ts';
import { DEFAULT_TENANTS, type Tenant } from '../store/store.ts';

const summary = (t: Tenant) => ({
  tenant_id: t.id,
  name: t.name,
  api_keys: t.api_keys,
  seed: t.seed,
  created_at: t.created_at,
  counts: { products: Object.keys(t.state.products).length, orders: Object.keys(t.state.orders).length },
});

const startedAt = Date.now();

export function tenantAdminHandlers(version: string): HandlerRegistry {
  return {
    getHealth(_input, ctx) {
      return {
        status: 200,
        body: { status: 'ok', version, tenants: ctx.store.listTenants().length, uptime_seconds: (Date.now() - startedAt) / 1000 },
      };
    },

    listTenants(_input, ctx) {
      return { status: 200, body: { data: ctx.store.listTenants().map(summary) } };
    },

    createTenant({ body }, ctx) {
      const tenant = ctx.store.createTenant({ name: body?.name, seed: body?.seed });
      return {
        status: 201,
        body: { tenant_id: tenant.id, name: tenant.name, api_key: tenant.api_keys[0], seed: tenant.seed },
        headers: { location: `/__sandbox/tenants/${tenant.id}` },
      };
    },

    resetTenant({ body }, ctx) {
      const id = body?.tenant_id ?? DEFAULT_TENANTS[0].id;
      const started = performance.now();
      const tenant = ctx.store.resetTenant(id);
      if (!tenant) throw notFound('Tenant', id);
      return { status: 200, body: { tenant_id: tenant.id, scenario: 'default', duration_ms: Number((performance.now() - started).toFixed(3)) } };
    },
  };
}
