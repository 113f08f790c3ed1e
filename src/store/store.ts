// The sandbox's state: partner tenants, their API keys, their worlds and their snapshots, held in
// memory and persisted off the request path. Handlers change a tenant's state in place (taking
// their own copy of a shared entity first, src/state/copy-on-write.ts) and the pipeline calls
// `changed()` after every write request, which schedules a (debounced) save.
import { randomBytes } from 'node:crypto';
import type { TenantState } from '../domain/types.ts';
import { accessOf, DEFAULT_OAUTH_CLIENTS, type TenantAccess } from '../domain/access.ts';
import { clockNow, DEFAULT_CLOCK, startClock, type ClockSetting, type ClockState } from '../clock/clock.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { ScenarioLibrary } from '../scenarios/library.ts';
import type { World } from '../scenarios/world.ts';
import { deepFreeze, frozenCopy, openWorld } from '../state/copy-on-write.ts';
import { Persistence } from './persistence.ts';

export interface Tenant {
  id: string; // ten_…
  name: string;
  api_keys: string[];
  seed: number; // the fixture seed this tenant resets to
  created_at: string;
  /** The scenario the tenant was last reset into (absent in state files from before scenarios: default). */
  scenario?: string;
  /** Sandbox time of this tenant; starts at the fixture's reference date. */
  clock: ClockState;
  state: TenantState;
  /** Key scopes, OAuth clients and tokens, rate-limit plan, fault rules, journal settings (src/domain/access.ts). */
  access?: TenantAccess;
}

/** A saved copy of one tenant's world: its state, its sandbox time and its limits and faults. */
export interface Snapshot {
  name: string;
  tenant_id: string;
  created_at: string;
  scenario: string;
  /** Sandbox time when it was saved; a restore resumes the clock from here. */
  sandbox_time: string;
  clock: ClockState;
  settings: Pick<TenantAccess, 'rate_limits' | 'faults'>;
  /** Deep-frozen: a restore opens it copy-on-write, like a scenario's world. */
  state: TenantState;
}

interface PersistedState {
  format: 'marketplace-sandbox/state';
  version: 1;
  tenants: Tenant[];
  snapshots?: Snapshot[];
}

/** The two partner accounts of the embedded default data. Their keys are listed in the README. */
export const DEFAULT_TENANTS = [
  { id: 'ten_nordwind', name: 'Nordwind Handel GmbH', api_key: 'mk_test_nordwind_7d3f9a2c5e8b41d6' },
  { id: 'ten_suedhafen', name: 'Südhafen Versand AG', api_key: 'mk_test_suedhafen_4b8e1c6a9f2d53e7' },
] as const;

export const DEFAULT_SEED = 20260101;
export const DEFAULT_SCENARIO = 'default';

export interface StoreOptions {
  /** JSON file to persist to; omit for a memory-only sandbox. */
  file?: string;
  seed?: number;
  /** How the clocks of new and reset tenants run (default realtime ×1); a scenario's own clock mode wins. */
  clock?: ClockSetting;
  /** The scenarios tenants can be put into (default: scenarios/*.yaml). */
  library?: ScenarioLibrary;
}

/** How long a freshly generated world waits for its first save when nothing changes it. */
const FIRST_SAVE_DELAY_MS = 2000;

export class SandboxStore {
  private readonly tenants = new Map<string, Tenant>();
  private readonly keys = new Map<string, Tenant>();
  private readonly snapshots = new Map<string, Snapshot>(); // by `${tenant_id}/${name}`
  private readonly persistence: Persistence<PersistedState> | null;
  readonly seed: number;
  readonly clock: ClockSetting;
  readonly library: ScenarioLibrary;

  private constructor(options: StoreOptions & { library: ScenarioLibrary }) {
    this.seed = options.seed ?? DEFAULT_SEED;
    this.clock = options.clock ?? DEFAULT_CLOCK;
    this.library = options.library;
    this.persistence = options.file ? new Persistence<PersistedState>({ file: options.file }) : null;
  }

  /** Loads the state file if there is one, else seeds the default tenants. */
  /** The pending first save of a freshly generated world (see open). */
  private firstSave: NodeJS.Timeout | undefined;

  static async open(options: StoreOptions = {}): Promise<SandboxStore> {
    const store = new SandboxStore({ ...options, library: options.library ?? new ScenarioLibrary(await loadScenarios()) });
    const saved = store.persistence ? await store.persistence.read() : null;
    if (saved) {
      if (saved.format !== 'marketplace-sandbox/state' || saved.version !== 1 || !Array.isArray(saved.tenants)) {
        throw new Error(
          `${options.file} is not a marketplace-sandbox state file (format/version missing). Move it away or pass another --data file.`,
        );
      }
      for (const tenant of saved.tenants) store.add(tenant);
      for (const snapshot of saved.snapshots ?? []) store.snapshots.set(`${snapshot.tenant_id}/${snapshot.name}`, deepFreeze(snapshot));
    } else {
      const created_at = new Date().toISOString();
      await store.library.prepare(DEFAULT_SCENARIO, store.seed);
      for (const t of DEFAULT_TENANTS) {
        const tenant = { id: t.id, name: t.name, api_keys: [t.api_key], seed: store.seed, created_at } as Tenant;
        store.enterWorld(tenant, store.world(DEFAULT_SCENARIO, store.seed));
        store.add(tenant);
      }
      // The seed's world, reproducible as it is: its first save waits a moment, so a start does not
      // spend its first second serialising it. Any change or flush() before then saves at once.
      store.firstSave = setTimeout(() => store.changed(), FIRST_SAVE_DELAY_MS);
      store.firstSave.unref();
    }
    return store;
  }

  get file(): string | null {
    return this.persistence?.file ?? null;
  }

  tenant(id: string): Tenant | undefined {
    return this.tenants.get(id);
  }

  tenantForKey(apiKey: string): Tenant | undefined {
    return this.keys.get(apiKey);
  }

  /** Gives a tenant another API key; it works at once. */
  addApiKey(tenant: Tenant, apiKey: string): void {
    tenant.api_keys.push(apiKey);
    this.keys.set(apiKey, tenant);
    this.changed();
  }

  /** Revokes one of a tenant's API keys: from now on it gets 401. False if the tenant has no such key. */
  revokeApiKey(tenant: Tenant, apiKey: string): boolean {
    const at = tenant.api_keys.indexOf(apiKey);
    if (at < 0) return false;
    tenant.api_keys.splice(at, 1);
    this.keys.delete(apiKey);
    this.changed();
    return true;
  }

  /**
   * `serve --fresh-keys`: the default tenants' well-known test keys and OAuth client secrets (the
   * README's) are replaced with random ones. Keys and secrets that are not the well-known ones (an
   * earlier fresh start's, kept in the data file) stay, so partners keep what they were handed.
   */
  freshenDefaultCredentials(): void {
    for (const known of DEFAULT_TENANTS) {
      const tenant = this.tenants.get(known.id);
      if (!tenant) continue;
      if (tenant.api_keys.includes(known.api_key)) {
        const grant = tenant.access?.api_keys[known.api_key];
        this.revokeApiKey(tenant, known.api_key);
        const fresh = `mk_test_${randomBytes(16).toString('hex')}`;
        tenant.api_keys.unshift(fresh); // first: the key the banner and the pages name
        this.keys.set(fresh, tenant);
        if (grant) {
          delete tenant.access!.api_keys[known.api_key];
          tenant.access!.api_keys[fresh] = grant;
        }
      }
      const wellKnown = DEFAULT_OAUTH_CLIENTS[known.id];
      const client = wellKnown && accessOf(tenant).oauth.clients[wellKnown.client_id];
      if (client && client.client_secret === wellKnown.client_secret) client.client_secret = `cs_test_${randomBytes(16).toString('hex')}`;
    }
    this.changed();
  }

  listTenants(): Tenant[] {
    return [...this.tenants.values()];
  }

  /** A scenario's world for a tenant seed, built on first use (see ScenarioLibrary). */
  world(scenario: string, seed: number): World {
    return this.library.world(scenario, seed);
  }

  /** A new tenant in `world` (the default scenario's when omitted). Scenario limits and faults are the caller's (src/scenarios/enter.ts). */
  createTenant(input: { name?: string; seed?: number; world?: World } = {}): Tenant {
    const id = `ten_${randomBytes(6).toString('hex')}`;
    const seed = input.seed ?? this.seed;
    const tenant = {
      id,
      name: input.name ?? `Partner ${id.slice(4)}`,
      api_keys: [`mk_test_${randomBytes(16).toString('hex')}`],
      seed,
      created_at: new Date().toISOString(),
    } as Tenant;
    this.enterWorld(tenant, input.world ?? this.world(DEFAULT_SCENARIO, seed));
    this.add(tenant);
    this.changed();
    return tenant;
  }

  /**
   * Puts the tenant into a world: fresh tables over the world's shared entities, its clock, its
   * name. Synchronous, and each field is one assignment: no request sees a mix of old and new.
   */
  enterWorld(tenant: Tenant, world: World): void {
    const state = openWorld(world.state);
    const clock = startClock(world.clock.start, world.clock.mode ?? this.clock.mode, world.clock.factor ?? this.clock.factor);
    tenant.state = state;
    tenant.clock = clock;
    tenant.scenario = world.scenario;
    this.changed();
  }

  /** Saves the tenant's world under `name` (replacing a snapshot of that name). */
  saveSnapshot(tenant: Tenant, name: string): Snapshot {
    const snapshot: Snapshot = deepFreeze({
      name,
      tenant_id: tenant.id,
      created_at: new Date().toISOString(),
      scenario: tenant.scenario ?? DEFAULT_SCENARIO,
      sandbox_time: clockNow(tenant.clock).toISOString(),
      clock: { ...tenant.clock },
      settings: structuredClone({ rate_limits: tenant.access?.rate_limits, faults: tenant.access?.faults }),
      state: frozenCopy(tenant.state),
    });
    this.snapshots.set(`${tenant.id}/${name}`, snapshot);
    this.changed();
    return snapshot;
  }

  snapshot(tenantId: string, name: string): Snapshot | undefined {
    return this.snapshots.get(`${tenantId}/${name}`);
  }

  listSnapshots(tenantId?: string): Snapshot[] {
    return [...this.snapshots.values()].filter((s) => !tenantId || s.tenant_id === tenantId).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  }

  deleteSnapshot(tenantId: string, name: string): boolean {
    const deleted = this.snapshots.delete(`${tenantId}/${name}`);
    if (deleted) this.changed();
    return deleted;
  }

  /** Puts the snapshot's world back: its state, and its clock resumed at the sandbox time it was saved at. */
  restoreSnapshot(tenant: Tenant, snapshot: Snapshot): void {
    const state = openWorld(snapshot.state);
    const clock: ClockState = { ...snapshot.clock, anchor_wall_ms: Date.now(), anchor_sandbox_ms: Date.parse(snapshot.sandbox_time) };
    tenant.state = state;
    tenant.clock = clock;
    tenant.scenario = snapshot.scenario;
    this.changed();
  }

  /** Replaces the tenant's state and clock with imported ones (already checked by the caller). */
  importState(tenant: Tenant, scenario: string, clock: ClockState, state: TenantState): void {
    tenant.state = state;
    tenant.clock = clock;
    tenant.scenario = scenario;
    this.changed();
  }

  /** Call after any mutation; the save happens later, off the request path. */
  changed(): void {
    if (this.firstSave) {
      clearTimeout(this.firstSave);
      this.firstSave = undefined;
    }
    this.persistence?.schedule(() => ({
      format: 'marketplace-sandbox/state',
      version: 1,
      tenants: this.listTenants(),
      snapshots: [...this.snapshots.values()],
    }));
  }

  /** Waits until everything changed so far is on disk. */
  async flush(): Promise<void> {
    if (this.firstSave) this.changed();
    await this.persistence?.flush();
  }

  private add(tenant: Tenant): void {
    this.tenants.set(tenant.id, tenant);
    for (const key of tenant.api_keys) this.keys.set(key, tenant);
  }
}
