// The sandbox's state: partner tenants, their API keys and their worlds, held in memory and
// persisted off the request path. Handlers mutate a tenant's state in place and the pipeline
// calls `changed()` after every write request, which schedules a (debounced) save.
import { randomBytes } from 'node:crypto';
import type { TenantState } from '../domain/types.ts';
import type { TenantAccess } from '../domain/access.ts';
import { DEFAULT_CLOCK, startClock, type ClockSetting, type ClockState } from '../clock/clock.ts';
import { FIXTURE_DEFAULTS, generateFixture } from '../fixtures/generate.ts';
import { Persistence } from './persistence.ts';

export interface Tenant {
  id: string; // ten_…
  name: string;
  api_keys: string[];
  seed: number; // the fixture seed this tenant resets to
  created_at: string;
  /** Sandbox time of this tenant; starts at the fixture's reference date. */
  clock: ClockState;
  state: TenantState;
  /** Key scopes, OAuth clients and tokens, rate-limit plan, fault rules, journal settings (src/domain/access.ts). */
  access?: TenantAccess;
}

interface PersistedState {
  format: 'marketplace-sandbox/state';
  version: 1;
  tenants: Tenant[];
}

/** The two partner accounts of the embedded default data. Their keys are listed in the README. */
export const DEFAULT_TENANTS = [
  { id: 'ten_nordwind', name: 'Nordwind Handel GmbH', api_key: 'mk_test_nordwind_7d3f9a2c5e8b41d6' },
  { id: 'ten_suedhafen', name: 'Südhafen Versand AG', api_key: 'mk_test_suedhafen_4b8e1c6a9f2d53e7' },
] as const;

export const DEFAULT_SEED = 20260101;

export interface StoreOptions {
  /** JSON file to persist to; omit for a memory-only sandbox. */
  file?: string;
  seed?: number;
  /** How the clocks of new and reset tenants run (default realtime ×1). */
  clock?: ClockSetting;
}

export class SandboxStore {
  private readonly tenants = new Map<string, Tenant>();
  private readonly keys = new Map<string, Tenant>();
  private readonly pristine = new Map<number, TenantState>();
  private readonly persistence: Persistence<PersistedState> | null;
  readonly seed: number;
  readonly clock: ClockSetting;

  private constructor(options: StoreOptions) {
    this.seed = options.seed ?? DEFAULT_SEED;
    this.clock = options.clock ?? DEFAULT_CLOCK;
    this.persistence = options.file ? new Persistence<PersistedState>({ file: options.file }) : null;
  }

  /** Loads the state file if there is one, else seeds the default tenants. */
  static async open(options: StoreOptions = {}): Promise<SandboxStore> {
    const store = new SandboxStore(options);
    const saved = store.persistence ? await store.persistence.read() : null;
    if (saved) {
      if (saved.format !== 'marketplace-sandbox/state' || saved.version !== 1 || !Array.isArray(saved.tenants)) {
        throw new Error(
          `${options.file} is not a marketplace-sandbox state file (format/version missing). Move it away or pass another --data file.`,
        );
      }
      for (const tenant of saved.tenants) store.add(tenant);
    } else {
      for (const t of DEFAULT_TENANTS) {
        store.add({
          id: t.id,
          name: t.name,
          api_keys: [t.api_key],
          seed: store.seed,
          created_at: new Date().toISOString(),
          clock: startClock(FIXTURE_DEFAULTS.referenceDate, store.clock.mode, store.clock.factor),
          state: store.freshState(store.seed),
        });
      }
      store.changed();
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

  listTenants(): Tenant[] {
    return [...this.tenants.values()];
  }

  createTenant(input: { name?: string; seed?: number } = {}): Tenant {
    const id = `ten_${randomBytes(6).toString('hex')}`;
    const seed = input.seed ?? this.seed;
    const tenant: Tenant = {
      id,
      name: input.name ?? `Partner ${id.slice(4)}`,
      api_keys: [`mk_test_${randomBytes(16).toString('hex')}`],
      seed,
      created_at: new Date().toISOString(),
      clock: startClock(FIXTURE_DEFAULTS.referenceDate, this.clock.mode, this.clock.factor),
      state: this.freshState(seed),
    };
    this.add(tenant);
    this.changed();
    return tenant;
  }

  /** Puts the tenant back to its fixture. The swap is one assignment: readers see old or new, never a mix. */
  resetTenant(id: string): Tenant | undefined {
    const tenant = this.tenants.get(id);
    if (!tenant) return undefined;
    tenant.state = this.freshState(tenant.seed);
    tenant.clock = startClock(FIXTURE_DEFAULTS.referenceDate, this.clock.mode, this.clock.factor);
    this.changed();
    return tenant;
  }

  /** Call after any mutation; the save happens later, off the request path. */
  changed(): void {
    this.persistence?.schedule(() => ({
      format: 'marketplace-sandbox/state',
      version: 1,
      tenants: this.listTenants(),
    }));
  }

  /** Waits until everything changed so far is on disk. */
  async flush(): Promise<void> {
    await this.persistence?.flush();
  }

  private add(tenant: Tenant): void {
    this.tenants.set(tenant.id, tenant);
    for (const key of tenant.api_keys) this.keys.set(key, tenant);
  }

  private freshState(seed: number): TenantState {
    let base = this.pristine.get(seed);
    if (!base) {
      base = generateFixture({ seed });
      this.pristine.set(seed, base);
    }
    return structuredClone(base);
  }
}
