// Control API: a tenant's rate-limit plan and overrides, and its usage.
import { DEFAULT_PLAN, type RateLimitSettings } from '../domain/rate-limit.ts';
import type { RateLimiter } from '../rate-limits/counters.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { tenantNamed } from './tenant-lookup.ts';

export function rateLimitAdminHandlers(limiter: RateLimiter): Handlers<AdminOperationId> {
  const describe = (tenant: Tenant) => ({ tenant_id: tenant.id, ...limiter.describe(tenant) });
  return {
    getRateLimits({ path }, ctx) {
      return { status: 200, body: describe(tenantNamed(ctx, path.tenant_id)) };
    },

    setRateLimits({ path, body }, ctx) {
      const tenant = tenantNamed(ctx, path.tenant_id);
      const unknown = limiter.unknownGroups(body.groups);
      if (unknown.length) {
        const known = Object.keys(limiter.specGroups).join(', ');
        throw invalid(unknown.map((group) => ({ pointer: `/body/groups/${group}`, message: `is not an operation group; the groups are: ${known}` })));
      }
      // A replacement: whatever is not given falls back to the plan and the spec.
      const settings: RateLimitSettings = { plan: body.plan ?? DEFAULT_PLAN };
      if (body.daily_quota !== undefined) settings.daily_quota = body.daily_quota;
      if (body.burst_per_minute !== undefined) settings.burst_per_minute = body.burst_per_minute;
      if (body.groups !== undefined) settings.groups = body.groups;
      limiter.configure(tenant, settings, body.daily_used);
      return { status: 200, body: describe(tenant) };
    },
  };
}
