// How control-API handlers name the tenant they act on: a path parameter, or an optional
// tenant_id (query or body) that defaults to the first default tenant, as POST /__sandbox/reset does.
import type { HandlerContext } from '../server/handler.ts';
import { tenantNotFound } from '../server/problem.ts';
import { DEFAULT_TENANTS, type Tenant } from '../store/store.ts';

export function tenantNamed(ctx: HandlerContext, id: string | undefined): Tenant {
  const tenantId = id ?? DEFAULT_TENANTS[0].id;
  const tenant = ctx.store.tenant(tenantId);
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}
