// The sandbox's state: partner tenants, their API keys, their worlds and their snapshots, held in
// memory and kept by a backend (src/store/backend.ts; the embedded one is a snapshot file and a
// write-ahead log). Handlers change a tenant's state in place (taking their own copy of an entry
// first, src/state/copy-on-write.ts, which notes the change) and the pipeline calls
// `changed(tenant)` after every write request; src/store/durable-writes.ts writes each batch of
// changes, and `durable()` waits for it.
import { randomBytes } from 'node:crypto';
import type { TenantState } from '../domain/types.ts';
import { accessOf, DEFAULT_OAUTH_CLIENTS, type TenantAccess } from '../domain/access.ts';
import { clockNow, DEFAULT_CLOCK, startClock, type ClockSetting, type ClockState } from '../clock/clock.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { ScenarioLibrary } from '../scenarios/library.ts';
import type { World } from '../scenarios/world.ts';
import { deepFreeze, ENTITY_TABLES, frozenCopy, openWorld, own } from '../state/copy-on-write.ts';
import { dropChanges, pendingKeys } from '../state/changes.ts';
import { isShared, type Durability, type SharedJournal, type SharedRateWindows, type SharedStateBackend, type StateBackend } from './backend.ts';
import { DurableWrites, writtenOf, type Written } from './durable-writes.ts';
import { FileBackend } from './file-backend.ts';
import { atPath, isPart, KEYED_PATHS, TENANT_FIELDS, type LogRecord, type PersistedSnapshot, type StateDelta, type WorldBase } from './image.ts';
import { applyTenantChanges, type TenantChanges } from './live-records.ts';

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

/** The two partner accounts of the embedded default data. Their keys are listed in the README. */
export const DEFAULT_TENANTS = [
  { id: 'ten_nordwind', name: 'Nordwind Handel GmbH', api_key: 'mk_test_nordwind_7d3f9a2c5e8b41d6' },
  { id: 'ten_suedhafen', name: 'Südhafen Versand AG', api_key: 'mk_test_suedhafen_4b8e1c6a9f2d53e7' },
] as const;

export const DEFAULT_SEED = 20260101;
export const DEFAULT_SCENARIO = 'default';

export interface StoreOptions {
  /** JSON file to persist to (with its log beside it); omit for a memory-only sandbox. */
  file?: string;
  /** Another backend instead of the file (tests put a failing disk under the file one). */
  backend?: StateBackend;
  /** A PostgreSQL URL (postgres://…): the state is kept there, shared with other replicas (src/store/postgres). */
  url?: string;
  /** durable (default): a write is answered once it is fsync'd; relaxed: at once, written a moment later. */
  durability?: Durability;
  /** Keep what can be read of damaged state files (serve --repair). */
  repair?: boolean;
  seed?: number;
  /** How the clocks of new and reset tenants run (default realtime ×1); a scenario's own clock mode wins. */
  clock?: ClockSetting;
  /** The scenarios tenants can be put into (default: scenarios/*.yaml). */
  library?: ScenarioLibrary;
}

export class SandboxStore {
  private readonly tenants = new Map<string, Tenant>();
  private readonly keys = new Map<string, Tenant>();
  private readonly snapshots = new Map<string, Snapshot>(); // by `${tenant_id}/${name}`
  /** What each snapshot's state is over its world: base and changed keys (for a restore's record). */
  private readonly snapshotBases = new Map<string, Written>();
  private readonly backend: StateBackend | null;
  /** The backend when other replicas share it: requests catch up on their records first. */
  private readonly sharedBackend: SharedStateBackend | null;
  private readonly written = new Map<string, Written>();
  private readonly writes: DurableWrites;
  readonly seed: number;
  readonly clock: ClockSetting;
  readonly library: ScenarioLibrary;
  readonly durability: Durability;

  private constructor(options: StoreOptions & { library: ScenarioLibrary }) {
    this.seed = options.seed ?? DEFAULT_SEED;
    this.clock = options.clock ?? DEFAULT_CLOCK;
    this.library = options.library;
    this.durability = options.durability ?? 'durable';
    this.backend = options.backend ?? (options.file ? new FileBackend({ file: options.file, durability: this.durability, repair: options.repair }) : null);
    this.sharedBackend = isShared(this.backend) ? this.backend : null;
    this.writes = new DurableWrites({ backend: this.backend, durability: this.durability, tenants: () => this.tenants.values(), written: this.written });
  }

  /** Loads the kept state if there is one (the snapshot file and its log), else seeds the default tenants. */
  static async open(options: StoreOptions = {}): Promise<SandboxStore> {
    if (options.url && !options.backend) {
      const [{ PostgresBackend }, { foldSettingsFrom }] = await Promise.all([import('./postgres/backend.ts'), import('./postgres/folds.ts')]); // pg is loaded only for a shared store
      options = { ...options, backend: new PostgresBackend({ url: options.url, durability: options.durability ?? 'durable', folds: foldSettingsFrom(process.env) }) };
    }
    const store = new SandboxStore({ ...options, library: options.library ?? new ScenarioLibrary(await loadScenarios()) });
    const image = store.backend ? await store.backend.load() : null;
    if (image) {
      for (const kept of image.tenants) {
        const tenant = { id: kept.id, ...kept.fields, state: await store.stateOf(kept, `tenant ${kept.id}`) } as Tenant;
        store.add(tenant);
        store.written.set(tenant.id, store.writtenFrom(kept, tenant.state, tenant as unknown as Record<string, unknown>));
        // Shared: another replica may be running the job; it is that replica's to end.
        if (!store.sharedBackend) store.interruptJobs(tenant);
      }
      for (const kept of image.snapshots) {
        const state = deepFreeze(await store.stateOf(kept, `snapshot ${kept.name} of ${kept.tenant_id}`));
        const key = `${kept.tenant_id}/${kept.name}`;
        store.snapshots.set(key, deepFreeze({ ...(kept.meta as unknown as Snapshot), name: kept.name, tenant_id: kept.tenant_id, state }));
        store.snapshotBases.set(key, writtenOf(kept.base, kept));
      }
    } else {
      const created_at = new Date().toISOString();
      await store.library.prepare(DEFAULT_SCENARIO, store.seed);
      for (const t of DEFAULT_TENANTS) {
        const tenant = { id: t.id, name: t.name, api_keys: [t.api_key], seed: store.seed, created_at } as Tenant;
        store.enterWorld(tenant, store.world(DEFAULT_SCENARIO, store.seed));
        store.add(tenant);
      }
    }
    // Another replica's commit is applied here as soon as PostgreSQL announces it, not only before this replica's next request of that tenant.
    store.sharedBackend?.listen(
      (tenantId) => store.catchUp(tenantId).catch((error: Error) => console.error(`marketplace-sandbox: could not catch up on ${tenantId}: ${error.message}`)),
      () => store.catchUpAll().catch((error: Error) => console.error(`marketplace-sandbox: could not catch up: ${error.message}`)),
    );
    return store;
  }

  /** Where the state is kept (the banner shows it); null in memory. */
  get file(): string | null {
    return this.backend?.location ?? null;
  }

  /** A kept delta as a live state: its world opened, the changes over it put in (entries frozen, as committed). */
  private async stateOf(delta: StateDelta, what: string): Promise<TenantState> {
    let state: TenantState;
    if (delta.base) {
      if (!this.library.get(delta.base.scenario)) {
        throw new Error(`the kept ${what} is in scenario "${delta.base.scenario}", which is not among the scenarios (${this.library.names.join(', ')}): put its file back in the scenarios folder, or start with another --data file.`);
      }
      await this.library.prepare(delta.base.scenario, delta.base.seed);
      state = openWorld(this.world(delta.base.scenario, delta.base.seed).state);
    } else {
      state = { categories: [], brands: [], labels: [], locations: [] } as unknown as TenantState;
      for (const table of ENTITY_TABLES) (state as Record<string, unknown>)[table] = {};
    }
    for (const [path, entries] of Object.entries(delta.tables)) {
      const table = tableAt(state, path);
      const freeze = (ENTITY_TABLES as readonly string[]).includes(path);
      for (const [key, value] of Object.entries(entries)) {
        if (value === null) delete table[key];
        else table[key] = freeze ? deepFreeze(value) : value;
      }
    }
    Object.assign(state, delta.parts);
    if (delta.feed.length) state.event_feed = [...delta.feed];
    return state;
  }

  /** What a loaded tenant's state is known to be on disk. */
  private writtenFrom(delta: StateDelta, state: TenantState, fields: Record<string, unknown>): Written {
    const written = writtenOf(delta.base, delta);
    written.rebased = false;
    for (const [name, value] of Object.entries(state)) if (isPart(name) && value !== undefined) written.parts.set(name, JSON.stringify(value));
    for (const name of TENANT_FIELDS) if (fields[name] !== undefined) written.fields.set(name, JSON.stringify(fields[name]));
    written.feedPosition = delta.feed.at(-1)?.position ?? 0;
    return written;
  }

  /** A job that was running when the sandbox stopped cannot go on: it ends failed, saying so. */
  private interruptJobs(tenant: Tenant): void {
    for (const job of Object.values(tenant.state.jobs ?? {})) {
      if (job.state !== 'queued' && job.state !== 'running') continue;
      const mine = own(tenant.state.jobs, job.id)!;
      mine.state = 'failed';
      mine.completed_at = clockNow(tenant.clock).toISOString();
      mine.errors.push({
        index: mine.progress.processed,
        key: '',
        code: 'interrupted',
        message: `The sandbox stopped while this job ran, after ${mine.progress.processed} of ${mine.progress.total} lines: those are applied, the rest are not. Submit the remaining lines again.`,
      });
      this.changed(tenant);
    }
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
    this.changed(tenant);
  }

  /** Revokes one of a tenant's API keys: from now on it gets 401. False if the tenant has no such key. */
  revokeApiKey(tenant: Tenant, apiKey: string): boolean {
    const at = tenant.api_keys.indexOf(apiKey);
    if (at < 0) return false;
    tenant.api_keys.splice(at, 1);
    this.keys.delete(apiKey);
    this.changed(tenant);
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
    this.changed(tenant);
    return tenant;
  }

  /**
   * Puts the tenant into a world: fresh tables over the world's shared entities, its clock, its
   * name. Synchronous, and each field is one assignment: no request sees a mix of old and new.
   */
  enterWorld(tenant: Tenant, world: World): void {
    const state = openWorld(world.state);
    const clock = startClock(world.clock.start, world.clock.mode ?? this.clock.mode, world.clock.factor ?? this.clock.factor);
    this.rebase(tenant, writtenOf({ scenario: world.scenario, seed: world.seed }));
    tenant.state = state;
    this.replaced(tenant);
    tenant.clock = clock;
    tenant.scenario = world.scenario;
    this.changed(tenant);
  }

  /** The tenant's tables start over from another base: the next record carries its whole delta. */
  private rebase(tenant: Tenant, written: Written): void {
    if (tenant.state) dropChanges(KEYED_PATHS.map((path) => atPath(tenant.state, path)));
    this.written.set(tenant.id, written);
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
    const key = `${tenant.id}/${name}`;
    this.snapshots.set(key, snapshot);
    const over = this.written.get(tenant.id) ?? writtenOf(null);
    const delta: PersistedSnapshot = { name, tenant_id: tenant.id, meta: {}, base: over.base, tables: {}, parts: {}, feed: snapshot.state.event_feed ?? [] };
    const { state: frozen, name: _n, tenant_id: _t, ...meta } = snapshot;
    delta.meta = meta;
    const kept = writtenOf(over.base);
    for (const path of KEYED_PATHS) {
      const table = atPath(frozen, path) as Record<string, unknown> | undefined;
      if (!table) continue;
      const keys = new Set([...(over.overridden.get(path) ?? []), ...pendingKeys(atPath(tenant.state, path))]);
      if (over.base === null) for (const k of Object.keys(table)) keys.add(k);
      const entries: Record<string, unknown> = {};
      for (const k of keys) entries[k] = table[k] ?? null;
      delta.tables[path] = entries;
      kept.overridden.set(path, keys);
    }
    for (const [part, value] of Object.entries(frozen)) if (isPart(part) && value !== undefined) delta.parts[part] = value;
    this.snapshotBases.set(key, kept);
    this.writes.record(JSON.stringify({ k: 'snapshot', s: delta }));
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
    this.snapshotBases.delete(`${tenantId}/${name}`);
    if (deleted) this.writes.record(JSON.stringify({ k: 'snapshot-deleted', tenant_id: tenantId, name }));
    return deleted;
  }

  /** Puts the snapshot's world back: its state, and its clock resumed at the sandbox time it was saved at. */
  restoreSnapshot(tenant: Tenant, snapshot: Snapshot): void {
    const state = openWorld(snapshot.state);
    const clock: ClockState = { ...snapshot.clock, anchor_wall_ms: Date.now(), anchor_sandbox_ms: Date.parse(snapshot.sandbox_time) };
    const kept = this.snapshotBases.get(`${snapshot.tenant_id}/${snapshot.name}`);
    const written = writtenOf(kept?.base ?? null);
    for (const [path, keys] of kept?.overridden ?? []) written.overridden.set(path, new Set(keys));
    if (!kept) for (const path of KEYED_PATHS) written.overridden.set(path, new Set(Object.keys((atPath(state, path) as object | undefined) ?? {})));
    this.rebase(tenant, written);
    tenant.state = state;
    this.replaced(tenant);
    tenant.clock = clock;
    tenant.scenario = snapshot.scenario;
    this.changed(tenant);
  }

  /** Replaces the tenant's state and clock with imported ones (already checked by the caller). */
  importState(tenant: Tenant, scenario: string, clock: ClockState, state: TenantState): void {
    const written = writtenOf(null);
    for (const path of KEYED_PATHS) written.overridden.set(path, new Set(Object.keys((atPath(state, path) as object | undefined) ?? {})));
    this.rebase(tenant, written);
    tenant.state = state;
    this.replaced(tenant);
    tenant.clock = clock;
    tenant.scenario = scenario;
    this.changed(tenant);
  }

  /** The rate-limit windows the replicas share; null without a shared store. */
  get rateWindows(): SharedRateWindows | null {
    return this.sharedBackend?.rateWindows ?? null;
  }

  /** The request journal the replicas share; null without a shared store. */
  get sharedJournal(): SharedJournal | null {
    return this.sharedBackend?.journal ?? null;
  }

  /** Whether other replicas share the state (a PostgreSQL store): requests catch up first (src/policies/replica-sync). */
  get shared(): boolean {
    return this.sharedBackend !== null;
  }

  /**
   * Whether this process runs the clock's scheduled moves: always without a shared store; with
   * one, only the replica that holds the clock's lock (src/store/postgres/clock-leader.ts).
   */
  get clockLeader(): boolean {
    return this.sharedBackend ? this.sharedBackend.clockLeader : true;
  }

  /** With a shared store: tries for the clock's lock, then keeps trying, so one replica leads and another takes over when it dies. */
  async leadClock(): Promise<void> {
    await this.sharedBackend?.leadClock();
  }

  /** This replica's id with a shared store (the webhook deliveries it sends are marked with it); null otherwise. */
  get replica(): string | null {
    return this.sharedBackend?.replica ?? null;
  }

  /** Which of these replicas are running (a shared store; without one, none is). */
  async liveReplicas(replicas: string[]): Promise<Set<string>> {
    return this.sharedBackend ? this.sharedBackend.liveReplicas(replicas) : new Set();
  }

  /** Applies what other replicas wrote for the tenant since this one last looked (nothing without a shared store). */
  async catchUp(tenantId: string): Promise<void> {
    await this.sharedBackend?.catchUp(tenantId, (record) => this.applyForeign(record));
  }

  /** The same for every tenant: for a credential or tenant this replica does not know (yet). */
  async catchUpAll(): Promise<void> {
    await this.sharedBackend?.catchUpAll((record) => this.applyForeign(record));
  }

  /**
   * Takes the tenant's write lock across replicas and catches up under it, so a write runs on
   * the state every replica agrees on; call the result once the write's batch is durable.
   */
  async lockTenant(tenantId: string): Promise<() => void> {
    if (!this.sharedBackend) return () => undefined;
    const { release, acquired } = await this.sharedBackend.lockTenant(tenantId);
    if (acquired) {
      try {
        await this.catchUp(tenantId);
      } catch (error) {
        release();
        throw error;
      }
    }
    return release;
  }

  /** A record another replica appended, applied to the live state, and noted as written (it is in the log). */
  private async applyForeign(record: LogRecord): Promise<void> {
    if (record.k === 'snapshot') {
      const kept = record.s;
      const state = deepFreeze(await this.stateOf(kept, `snapshot ${kept.name} of ${kept.tenant_id}`));
      const key = `${kept.tenant_id}/${kept.name}`;
      this.snapshots.set(key, deepFreeze({ ...(kept.meta as unknown as Snapshot), name: kept.name, tenant_id: kept.tenant_id, state }));
      this.snapshotBases.set(key, writtenOf(kept.base, kept));
      return;
    }
    if (record.k === 'snapshot-deleted') {
      this.snapshots.delete(`${record.tenant_id}/${record.name}`);
      this.snapshotBases.delete(`${record.tenant_id}/${record.name}`);
      return;
    }
    const known = this.tenants.get(record.t);
    if (record.base !== undefined || !known) {
      // A new tenant, or one that entered another world: its whole delta.
      const delta: StateDelta = { base: record.base ?? null, tables: record.tables ?? {}, parts: record.parts ?? {}, feed: record.feed ?? [] };
      const state = await this.stateOf(delta, `tenant ${record.t}`);
      let tenant = this.tenants.get(record.t); // looked up again: the world may have taken a while
      if (!tenant) {
        tenant = { id: record.t, ...record.fields, state } as Tenant;
        this.add(tenant);
      } else {
        this.takeFields(tenant, record.fields);
        dropChanges(KEYED_PATHS.map((path) => atPath(tenant!.state, path)));
        tenant.state = state;
        this.replaced(tenant);
      }
      this.written.set(tenant.id, this.writtenFrom(delta, state, tenant as unknown as Record<string, unknown>));
      return;
    }
    const changes: TenantChanges = { tables: record.tables, parts: record.parts, feed: record.feed };
    const feedEnd = known.state.event_feed?.at(-1)?.position ?? 0;
    applyTenantChanges(known.state, changes);
    this.takeFields(known, record.fields);
    if ((known.state.event_feed?.at(-1)?.position ?? 0) > feedEnd) this.feedGrew(known);
    // What the log now holds of it: this replica's next record carries only its own changes.
    const written = this.written.get(known.id) ?? writtenOf(null);
    written.rebased = false;
    for (const [path, entries] of Object.entries(record.tables ?? {})) {
      let keys = written.overridden.get(path);
      if (!keys) written.overridden.set(path, (keys = new Set()));
      for (const key of Object.keys(entries)) keys.add(key);
    }
    for (const [name, value] of Object.entries(record.parts ?? {})) written.parts.set(name, JSON.stringify(value));
    for (const [name, value] of Object.entries(record.fields ?? {})) written.fields.set(name, JSON.stringify(value));
    const lastFeed = record.feed?.at(-1);
    if (lastFeed && lastFeed.position > written.feedPosition) written.feedPosition = lastFeed.position;
    this.written.set(known.id, written);
  }

  /** A foreign record's tenant fields onto the tenant, its keys' index kept in step. */
  private takeFields(tenant: Tenant, fields: Record<string, unknown> | undefined): void {
    if (!fields) return;
    const access = fields.access as TenantAccess | undefined;
    // Rate-limit settings and windows read the same: the object stays, so the counters are not started afresh.
    const same = access && tenant.access && JSON.stringify([access.rate_limits, access.rate_windows]) === JSON.stringify([tenant.access.rate_limits, tenant.access.rate_windows]);
    if (same) access.rate_limits = tenant.access!.rate_limits;
    if (fields.api_keys) for (const key of tenant.api_keys) if (this.keys.get(key) === tenant) this.keys.delete(key);
    Object.assign(tenant, fields);
    if (fields.api_keys) for (const key of tenant.api_keys) this.keys.set(key, tenant);
  }

  /** Call after any change to `tenant` (without one: to some tenant); the next batch writes it. */
  changed(tenant?: Tenant): void {
    this.writes.changed(tenant);
  }

  /** Resolves once everything changed so far is written (durable: fsync'd); rejects when its batch was refused. */
  durable(): Promise<void> {
    return this.writes.durable();
  }

  /** Why the last write of the state failed; null when it succeeded, none was needed yet, or there is no file. */
  get writeError(): Error | null {
    return this.writes.error;
  }

  private readonly feedListeners = new Set<(tenant: Tenant) => void>();

  /**
   * Hears of every tenant whose event feed another replica's record extended (a shared store): the
   * entries are in its feed when it is called. This replica's own events reach the feed through the
   * bus instead; foreign ones never go through the bus, so they start no webhook delivery here.
   */
  onForeignFeed(listener: (tenant: Tenant) => void): () => void {
    this.feedListeners.add(listener);
    return () => this.feedListeners.delete(listener);
  }

  private feedGrew(tenant: Tenant): void {
    for (const listener of [...this.feedListeners]) {
      try {
        listener(tenant);
      } catch (error) {
        console.error(`marketplace-sandbox: a feed listener failed: ${(error as Error).message}`);
      }
    }
  }

  private readonly replacedListeners = new Set<(tenant: Tenant) => void>();

  /** Hears of every tenant whose whole state was replaced (a scenario, a snapshot, an import): its event feed started over. */
  onStateReplaced(listener: (tenant: Tenant) => void): () => void {
    this.replacedListeners.add(listener);
    return () => this.replacedListeners.delete(listener);
  }

  private replaced(tenant: Tenant): void {
    for (const listener of [...this.replacedListeners]) listener(tenant);
  }

  /** Hears of every batch written: its duration in seconds, and whether it failed (for /metrics). */
  observeWrites(listener: (seconds: number, failed: boolean) => void): void {
    this.writes.onWritten = listener;
  }

  /** Waits until everything changed so far is on disk. */
  async flush(): Promise<void> {
    await this.writes.flush();
  }

  /** Writes what is pending and closes the files. */
  async close(): Promise<void> {
    try {
      await this.writes.flush();
    } finally {
      this.writes.release();
      await this.backend?.close();
    }
  }

  private add(tenant: Tenant): void {
    this.tenants.set(tenant.id, tenant);
    for (const key of tenant.api_keys) this.keys.set(key, tenant);
  }
}

/** The keyed table at `path` of a state, made when missing. */
function tableAt(state: TenantState, path: string): Record<string, unknown> {
  const steps = path.split('.');
  let at = state as unknown as Record<string, unknown>;
  for (const step of steps) at = (at[step] ??= {}) as Record<string, unknown>;
  return at;
}
