// Control API: scenarios, resets, snapshots, and export/import of a tenant's whole state.
import type { ClockState } from '../clock/clock.ts';
import { checkRules } from '../domain/faults.ts';
import type { TenantState } from '../domain/types.ts';
import { enterScenario, restoreSnapshot, applySettings, type TenantPolicies } from '../scenarios/enter.ts';
import type { StateCheck } from '../scenarios/state-check.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid, Problem } from '../server/problem.ts';
import { DEFAULT_SCENARIO, type Snapshot, type Tenant } from '../store/store.ts';
import { tenantNamed } from './tenant-lookup.ts';

export const counts = (state: TenantState) => ({ products: Object.keys(state.products).length, orders: Object.keys(state.orders).length });

const SCENARIO_SECTIONS = ['fixture', 'entities', 'clock', 'rate_limits', 'faults', 'webhooks', 'orders', 'price_protection'] as const;

const describeSnapshot = (s: Snapshot) => ({
  name: s.name,
  tenant_id: s.tenant_id,
  scenario: s.scenario,
  created_at: s.created_at,
  sandbox_time: s.sandbox_time,
  counts: counts(s.state),
});

interface StateExport {
  format: 'marketplace-sandbox/tenant-state';
  version: 1;
  tenant_id: string;
  scenario: string;
  clock: ClockState;
  settings: { rate_limits?: NonNullable<Tenant['access']>['rate_limits']; faults?: NonNullable<Tenant['access']>['faults'] };
  state: TenantState;
}

export function scenarioAdminHandlers(policies: TenantPolicies, checkState: StateCheck): Handlers<AdminOperationId> {
  return {
    listScenarios(_input, ctx) {
      const library = ctx.store.library;
      const data = library.names.map((name) => {
        const scenario = library.get(name)!;
        return {
          name,
          description: scenario.description,
          sets: SCENARIO_SECTIONS.filter((section) => scenario[section] !== undefined),
          built: library.isBuilt(name, ctx.store.seed),
        };
      });
      return { status: 200, body: { data } };
    },

    async resetTenant({ body }, ctx) {
      const tenant = tenantNamed(ctx, body?.tenant_id);
      const name = body?.scenario ?? DEFAULT_SCENARIO;
      // A large world is built (or read from the world cache) off the serving thread; the swap itself is one turn.
      const built = ctx.store.library.get(name) ? await ctx.store.library.prepare(name, tenant.seed) : 0;
      const entered = enterScenario(ctx.store, policies, tenant, name);
      entered.build_ms += built;
      return {
        status: 200,
        body: {
          tenant_id: tenant.id,
          scenario: entered.scenario,
          duration_ms: round(entered.duration_ms),
          build_ms: round(entered.build_ms),
          counts: counts(tenant.state),
        },
      };
    },

    listSnapshots({ query }, ctx) {
      // A tenant's own credential lists its own snapshots only.
      const tenantId = query.tenant_id || ctx.tenant ? tenantNamed(ctx, query.tenant_id).id : undefined;
      return { status: 200, body: { data: ctx.store.listSnapshots(tenantId).map(describeSnapshot) } };
    },

    saveSnapshot({ body }, ctx) {
      const tenant = tenantNamed(ctx, body.tenant_id);
      const snapshot = ctx.store.saveSnapshot(tenant, body.name);
      return {
        status: 201,
        body: describeSnapshot(snapshot),
        headers: { location: `/__sandbox/snapshots/${encodeURIComponent(snapshot.name)}/restore?tenant_id=${tenant.id}` },
      };
    },

    restoreSnapshot({ path, query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      const snapshot = ctx.store.snapshot(tenant.id, path.name);
      if (!snapshot) throw snapshotNotFound(ctx.store.listSnapshots(tenant.id), tenant.id, path.name);
      const duration = restoreSnapshot(ctx.store, policies, tenant, snapshot);
      return { status: 200, body: { tenant_id: tenant.id, snapshot: snapshot.name, scenario: snapshot.scenario, duration_ms: round(duration) } };
    },

    deleteSnapshot({ path, query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      if (!ctx.store.deleteSnapshot(tenant.id, path.name)) throw snapshotNotFound(ctx.store.listSnapshots(tenant.id), tenant.id, path.name);
      return { status: 204 };
    },

    exportState({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      const settings: StateExport['settings'] = {};
      if (tenant.access?.rate_limits) settings.rate_limits = tenant.access.rate_limits;
      if (tenant.access?.faults) settings.faults = tenant.access.faults;
      const body: StateExport = {
        format: 'marketplace-sandbox/tenant-state',
        version: 1,
        tenant_id: tenant.id,
        scenario: tenant.scenario ?? DEFAULT_SCENARIO,
        clock: tenant.clock,
        settings,
        state: tenant.state,
      };
      return { status: 200, body };
    },

    importState({ query, body }, ctx) {
      const doc = body as StateExport;
      const tenant = tenantNamed(ctx, query.tenant_id ?? doc.tenant_id);
      const errors = [
        ...checkRules(doc.settings.faults?.rules ?? []).map((e) => ({ ...e, pointer: e.pointer.replace('/body/rules', '/body/settings/faults/rules') })),
        ...policies.limiter.unknownGroups(doc.settings.rate_limits?.groups).map((group) => ({
          pointer: `/body/settings/rate_limits/groups/${group}`,
          message: `is not an operation group; the groups are: ${Object.keys(policies.limiter.specGroups).join(', ')}`,
        })),
        ...checkState(doc.state as unknown as Record<string, unknown>, '/body/state'),
      ];
      if (errors.length) throw invalid(errors, `The import is not a consistent tenant state (${errors.length}${errors.length === 50 ? '+' : ''} problems); nothing was changed.`);
      ctx.store.importState(tenant, doc.scenario, doc.clock, doc.state);
      applySettings(policies, tenant, doc.settings.rate_limits, doc.settings.faults, 0);
      return { status: 200, body: { tenant_id: tenant.id, scenario: doc.scenario, counts: counts(tenant.state) } };
    },
  };
}

const round = (ms: number): number => Number(ms.toFixed(3));

function snapshotNotFound(existing: Snapshot[], tenantId: string, name: string): Problem {
  const names = existing.map((s) => s.name);
  return new Problem(404, 'snapshot_not_found', `Tenant ${tenantId} has no snapshot ${name}. ${names.length ? `Its snapshots: ${names.join(', ')}.` : 'It has none; save one with POST /__sandbox/snapshots.'}`, {
    tenant_id: tenantId,
    snapshot: name,
    snapshots: names,
  });
}
