// Control API: the go-live readiness report of a tenant's connector (GET with the go-live
// defaults, POST with a profile). The rules are src/domain/readiness.ts; this gathers their input:
// the connector record the request journal keeps, the tenant's orders and delivery attempts, its
// plan's limits, and on request the signature probe of its active subscriptions.
import { clockNowMs } from '../clock/clock.ts';
import type { components } from '../contract/generated/admin.ts';
import { readinessReport, resolveProfile, type AttemptFact, type ProfileOverrides, type SignatureProbe } from '../domain/readiness.ts';
import type { RequestJournal } from '../journal/journal.ts';
import type { RateLimiter } from '../rate-limits/counters.ts';
import type { AdminOperationId, HandlerContext, Handlers } from '../server/handler.ts';
import { invalid } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { matchesEventFilter } from '../webhooks/event-filter.ts';
import { tenantNamed } from './tenant-lookup.ts';

type ReadinessRequest = components['schemas']['ReadinessRequest'];

export interface ReadinessSources {
  journal: RequestJournal;
  limiter: RateLimiter;
  /** Rate-limit group of each partner operation (x-rate-limit). */
  groupOf: Record<string, string>;
}

export function readinessAdminHandlers(sources: ReadinessSources): Handlers<AdminOperationId> {
  return {
    async getReadiness({ path, query }, ctx) {
      return { status: 200, body: await report(sources, ctx, tenantNamed(ctx, path.tenant_id), { since: query.since, until: query.until, probe_signatures: query.probe_signatures ?? false }) };
    },
    async evaluateReadiness({ path, body }, ctx) {
      return { status: 200, body: await report(sources, ctx, tenantNamed(ctx, path.tenant_id), body) };
    },
  };
}

function timeBound(value: string | undefined, pointer: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid([{ pointer, message: 'is not a date-time (ISO 8601, e.g. 2026-12-03T09:00:00Z)' }]);
  return ms;
}

async function report(sources: ReadinessSources, ctx: HandlerContext, tenant: Tenant, request: ReadinessRequest) {
  const since = timeBound(request.since, '/since');
  const until = timeBound(request.until, '/until');
  if (since !== null && until !== null && since >= until) throw invalid([{ pointer: '/until', message: 'must be later than since' }]);
  const limits = sources.limiter.describe(tenant);
  await sources.journal.settle(tenant); // with replicas: what the others served, in the record
  return readinessReport({
    tenant_id: tenant.id,
    record: sources.journal.recordOf(tenant),
    profile: resolveProfile(request.profile as ProfileOverrides | undefined),
    since,
    until,
    now: Date.now(),
    sandboxAt: (wallMs) => clockNowMs(tenant.clock, wallMs),
    orders: Object.values(tenant.state.orders),
    attempts: attemptsOf(tenant),
    probes: request.probe_signatures ? await probeSignatures(ctx, tenant) : null,
    limits: { groups: limits.groups, burst_per_minute: limits.burst_per_minute, daily_quota: limits.daily_quota },
    groupOf: sources.groupOf,
  });
}

/** Every delivery attempt the tenant's subscriptions saw (webhook.ping excluded: it proves nothing about events). */
function attemptsOf(tenant: Tenant): AttemptFact[] {
  const subscriptions = tenant.state.webhooks;
  const facts: AttemptFact[] = [];
  for (const delivery of Object.values(tenant.state.deliveries)) {
    if (delivery.event_type === 'webhook.ping') continue;
    const events = subscriptions[delivery.subscription_id]?.events ?? [];
    const orders = matchesEventFilter(events, 'order.created');
    for (const attempt of delivery.attempts) {
      const code = attempt.status_code;
      facts.push({ delivery_id: delivery.id, at: Date.parse(attempt.at), ok: code !== null && code >= 200 && code < 300, latency_ms: attempt.latency_ms ?? null, orders });
    }
  }
  return facts;
}

async function probeSignatures(ctx: HandlerContext, tenant: Tenant): Promise<SignatureProbe[]> {
  const webhooks = ctx.webhooks;
  if (!webhooks) throw new Error('The signature probe needs the webhook dispatcher on the handler context (see createSandbox).');
  const active = Object.values(tenant.state.webhooks).filter((s) => s.active);
  return Promise.all(
    active.map(async (subscription) => {
      const outcome = await webhooks.probeSignature(tenant, subscription);
      return { subscription_id: subscription.id, status_code: outcome.status_code, error: outcome.error ?? null };
    }),
  );
}
