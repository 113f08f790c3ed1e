// Control API: a tenant's sandbox clock. Reading it, switching realtime/manual, and advancing it,
// which makes every marketplace move that falls due on the way (see src/orders/marketplace-moves.ts).
import { clockNow, setClockMode } from '../clock/clock.ts';
import { upcomingMarketplaceMoves } from '../domain/marketplace-schedule.ts';
import type { HandlerContext, AdminOperationId, Handlers } from '../server/handler.ts';
import { conflict, invalid, notFound } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { tenantNamed } from './tenant-lookup.ts';
import { advanceTenantClock, orderRules, watchedSince } from '../orders/marketplace-moves.ts';

/** The tenant a control-API call is about: `tenant_id`, or the first default tenant (or the calling tenant). */
export const targetTenant = (ctx: HandlerContext, tenantId: string | undefined): Tenant => tenantNamed(ctx, tenantId);

function clockView(tenant: Tenant) {
  const now = clockNow(tenant.clock);
  const upcoming = upcomingMarketplaceMoves(Object.values(tenant.state.orders), orderRules(tenant), tenant.seed, watchedSince(tenant));
  return {
    tenant_id: tenant.id,
    now: now.toISOString(),
    mode: tenant.clock.mode,
    factor: tenant.clock.factor,
    next_move_at: upcoming.next?.at ?? null,
    upcoming_moves: upcoming.count,
  };
}

const MAX_ADVANCE_MS = 365 * 24 * 3600 * 1000;

export const clockAdminHandlers: Handlers<AdminOperationId> = {
  getClock({ query }, ctx) {
    return { status: 200, body: clockView(targetTenant(ctx, query.tenant_id)) };
  },

  setClock({ body }, ctx) {
    const tenant = targetTenant(ctx, body.tenant_id);
    tenant.clock = setClockMode(tenant.clock, body.mode, body.factor ?? tenant.clock.factor);
    return { status: 200, body: clockView(tenant) };
  },

  advanceClock({ body }, ctx) {
    const tenant = targetTenant(ctx, body.tenant_id);
    const hasSeconds = body.seconds !== undefined;
    const hasUntil = body.until !== undefined;
    if (hasSeconds === hasUntil) {
      throw invalid([{ pointer: '/body', message: 'needs exactly one of seconds (how far) and until (to when)' }]);
    }
    const wallMs = Date.now();
    const now = clockNow(tenant.clock, wallMs);
    const to = body.seconds !== undefined ? new Date(now.getTime() + Math.round(body.seconds * 1000)) : new Date(body.until!); // exactly one is set (checked above)
    if (to.getTime() < now.getTime()) {
      throw conflict('clock_cannot_go_back', `The clock of ${tenant.id} shows ${now.toISOString()}; until (${to.toISOString()}) lies before it. Sandbox time only moves forward: reset the tenant to start over.`, {
        now: now.toISOString(),
        errors: [{ pointer: '/body/until', message: `is before the tenant's sandbox time ${now.toISOString()}` }],
      });
    }
    if (to.getTime() - now.getTime() > MAX_ADVANCE_MS) {
      throw invalid([{ pointer: '/body/until', message: 'lies more than a year ahead; advance in steps of at most a year' }]);
    }
    const advance = advanceTenantClock(tenant, ctx.events, to, wallMs);
    return { status: 200, body: { tenant_id: tenant.id, from: advance.from.toISOString(), now: advance.to.toISOString(), moves: advance.moves, shipment_moves: advance.shipment_moves } };
  },
};
