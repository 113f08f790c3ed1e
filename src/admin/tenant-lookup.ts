// How control-API handlers name the tenant they act on: a path parameter, or an optional
// tenant_id (query or body) that defaults to the first default tenant, as POST /__sandbox/reset does.
//
// Called with a tenant's own credential (the spec's `partnerCredential`: admin-auth then sets
// `ctx.tenant`), a call acts on that tenant only: without tenant_id it is the caller's, and any
// other tenant id gets the same 404 as one that does not exist, so nothing reveals other tenants.
import type { HandlerContext } from '../server/handler.ts';
import { tenantNotFound } from '../server/problem.ts';
import { DEFAULT_TENANTS, type Tenant } from '../store/store.ts';

export function tenantNamed(ctx: HandlerContext, id: string | undefined): Tenant {
  const caller = ctx.tenant;
  if (caller) {
    if (id !== undefined && id !== caller.id) throw tenantNotFound(id);
    return caller;
  }
  const tenantId = id ?? DEFAULT_TENANTS[0].id;
  const tenant = ctx.store.tenant(tenantId);
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}
