// Group commit: the changes of every request since the last batch become log records
// (src/store/image.ts), appended by the backend in one write, and each answer that waits for its
// batch (`durable()`) goes out once the batch is on disk. Only what changed is written: the
// entries noted in src/state/changes.ts, the small parts whose JSON differs from what was last
// written, the feed entries after the last one written. Committed entries are frozen, so a later
// change must take its own copy (and be noted). A batch the backend refuses is undone in memory.
import type { FeedEntry } from '../domain/event-feed.ts';
import { deepFreeze, ENTITY_TABLES } from '../state/copy-on-write.ts';
import { hasChanges, returnChanges, takeChanges, type TableChanges } from '../state/changes.ts';
import type { Durability, StateBackend } from './backend.ts';
import { atPath, isPart, KEYED_PATHS, TENANT_FIELDS, type StateDelta, type WorldBase } from './image.ts';
import type { Tenant } from './store.ts';

/** What was last written of a tenant: the base of its tables, the keys changed over it, its parts' JSON. */
export interface Written {
  base: WorldBase;
  /** path → keys whose entry differs from the base (written in the delta). */
  overridden: Map<string, Set<string>>;
  parts: Map<string, string>;
  fields: Map<string, string>;
  /** Position of the last feed entry written. */
  feedPosition: number;
  /** It entered another world since: the next record carries its whole delta. */
  rebased: boolean;
}

export function writtenOf(base: WorldBase, delta?: Pick<StateDelta, 'tables'>): Written {
  const overridden = new Map<string, Set<string>>();
  for (const [path, entries] of Object.entries(delta?.tables ?? {})) overridden.set(path, new Set(Object.keys(entries)));
  return { base, overridden, parts: new Map(), fields: new Map(), feedPosition: 0, rebased: true };
}

const ENTITY_PATHS = new Set<string>(ENTITY_TABLES);

/** Sandboxes of this process that write their changes (tests run several): leftovers are theirs. */
let writingSandboxes = 0;

/** A batch on its way: the answers waiting for it. */
interface Batch {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function openBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // an answer that does not wait must not turn a refusal into an unhandled rejection
  return { promise, resolve, reject };
}

export interface DurableWritesOptions {
  backend: StateBackend | null;
  durability: Durability;
  tenants: () => Iterable<Tenant>;
  written: Map<string, Written>;
}

/** Quiet time a relaxed batch waits for more changes, and the longest it waits. */
const RELAXED_DEBOUNCE_MS = 50;

export class DurableWrites {
  private readonly dirty = new Set<Tenant>();
  private everyTenant = false;
  private open: Batch | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Extra records (snapshots) for the next batch. */
  private readonly extra: string[] = [];
  private lastError: Error | null = null;
  /** Hears of every batch written: how long it took (seconds) and whether it failed (for /metrics). */
  onWritten: ((seconds: number, failed: boolean) => void) | null = null;

  constructor(private readonly options: DurableWritesOptions) {
    if (options.backend) writingSandboxes++;
  }

  /** This sandbox stops writing (its store closed). */
  release(): void {
    if (this.options.backend) writingSandboxes--;
  }

  /** Why the last batch could not be written; null once one is written again. */
  get error(): Error | null {
    return this.lastError;
  }

  /** Notes that `tenant` (or, without one, any tenant) changed; a batch will write it. */
  changed(tenant?: Tenant): void {
    if (tenant) this.dirty.add(tenant);
    else this.everyTenant = true;
    this.schedule();
  }

  /** Adds a record of its own (a snapshot saved or deleted) to the next batch. */
  record(json: string): void {
    this.extra.push(json);
    this.schedule();
  }

  /** Resolves once everything changed so far is written (durable mode: fsync'd); rejects if its batch was refused. */
  durable(): Promise<void> {
    if (this.open) return this.open.promise;
    if (this.dirty.size || this.everyTenant || hasChanges()) {
      this.schedule();
      return this.open!.promise;
    }
    return this.inFlight ?? Promise.resolve();
  }

  /** Writes what is pending now and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      void this.commit();
    }
    await this.durable().catch(() => undefined);
    await this.inFlight?.catch(() => undefined);
    if (this.lastError) throw this.lastError;
  }

  private schedule(): void {
    if (this.open && !this.timer) return; // a commit is queued already
    this.open ??= openBatch();
    if (this.timer) return;
    if (this.options.durability === 'durable' || !this.options.backend) {
      this.timer = setTimeout(() => void this.commit(), 0);
    } else {
      this.timer = setTimeout(() => void this.commit(), RELAXED_DEBOUNCE_MS);
      this.timer.unref();
    }
  }

  private async commit(): Promise<void> {
    this.timer = null;
    // One append at a time: what comes in while one is out waits and joins the next batch.
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    const batch = this.open;
    this.open = null;
    if (!batch) return;
    const backend = this.options.backend;
    if (!backend) {
      this.freezeChanged();
      return batch.resolve();
    }
    const { lines, undo } = this.collect();
    if (lines.length === 0) return batch.resolve();
    const started = performance.now();
    const appending = backend.append(lines);
    this.inFlight = appending.then(
      () => {
        this.onWritten?.((performance.now() - started) / 1000, false);
        this.lastError = null;
        batch.resolve();
      },
      (error: Error) => {
        this.onWritten?.((performance.now() - started) / 1000, true);
        undo();
        this.lastError = error;
        console.error(`marketplace-sandbox: could not write ${backend.location}: ${error.message}; the changes of that batch were undone and answered 503.`);
        batch.reject(error);
      },
    );
    await this.inFlight;
    this.inFlight = null;
  }

  /** Without a backend nothing is written, but changed entries are frozen all the same, so code behaves as with one. */
  private freezeChanged(): void {
    const changes = takeChanges();
    const tenants = this.everyTenant ? [...this.options.tenants()] : [...this.dirty];
    this.dirty.clear();
    this.everyTenant = false;
    for (const tenant of tenants) {
      for (const path of ENTITY_TABLES) {
        const table = tenant.state[path] as Record<string, unknown> | undefined;
        const noted = table && changes.get(table);
        if (!noted) continue;
        changes.delete(table);
        for (const key of noted.keys()) if (table[key] !== undefined) deepFreeze(table[key]);
      }
    }
    // Left over: a timer's change (frozen at the next batch that names its tenant) or another sandbox's in this process.
    if (changes.size > 0 && writingSandboxes > 0) returnChanges(changes);
  }

  /** The batch's records, and how to undo the batch in memory if they cannot be written. */
  private collect(): { lines: string[]; undo: () => void } {
    const changes = takeChanges();
    const tenants = this.everyTenant ? new Set(this.options.tenants()) : new Set(this.dirty);
    this.dirty.clear();
    this.everyTenant = false;
    const undos: Array<() => void> = [];
    const lines = this.extra.splice(0);
    const claim = (tenant: Tenant) => {
      const line = this.recordOf(tenant, changes, undos);
      if (line) lines.push(line);
    };
    for (const tenant of tenants) claim(tenant);
    // Entries changed by a tenant nobody named (a timer's change): find their tenants.
    if (changes.size > 0) {
      for (const tenant of this.options.tenants()) {
        if (changes.size === 0) break;
        if (!tenants.has(tenant) && KEYED_PATHS.some((path) => changes.has(atPath(tenant.state, path) as object))) claim(tenant);
      }
    }
    // What is left belongs to no tenant of this store (another sandbox in this process): it is put back.
    if (changes.size > 0) returnChanges(changes);
    return { lines, undo: () => undos.reverse().forEach((undo) => undo()) };
  }

  /** The tenant's record of this batch (null when nothing of it changed); entries written are frozen. */
  private recordOf(tenant: Tenant, changes: Map<object, TableChanges>, undos: Array<() => void>): string | null {
    const state = tenant.state;
    let written = this.options.written.get(tenant.id);
    if (!written) this.options.written.set(tenant.id, (written = writtenOf(null)));
    const w = written;
    const rebased = w.rebased;
    const pieces: string[] = [];

    const tables: string[] = [];
    for (const path of KEYED_PATHS) {
      const table = atPath(state, path) as Record<string, unknown> | undefined;
      if (!table) continue;
      const noted = changes.get(table);
      if (noted) changes.delete(table);
      if (!noted && !rebased) continue;
      let keys = w.overridden.get(path);
      if (!keys) w.overridden.set(path, (keys = new Set()));
      const added: string[] = [];
      for (const key of noted?.keys() ?? []) if (!keys.has(key)) (keys.add(key), added.push(key));
      const entries: string[] = [];
      const freeze = ENTITY_PATHS.has(path);
      for (const key of rebased ? keys : noted!.keys()) {
        const value = table[key];
        entries.push(`${JSON.stringify(key)}:${value === undefined ? 'null' : JSON.stringify(value)}`);
        if (freeze && value !== undefined) deepFreeze(value);
      }
      if (entries.length) tables.push(`${JSON.stringify(path)}:{${entries.join(',')}}`);
      if (noted) {
        const set = keys;
        undos.push(() => {
          for (const key of added) set.delete(key);
          for (const [key, before] of noted) {
            if (before === undefined) delete table[key];
            else table[key] = before;
          }
        });
      }
    }

    const parts = this.changedJson(w.parts, rebased, Object.entries(state).filter(([name]) => isPart(name)), undos, (name, value) => ((state as Record<string, unknown>)[name] = value));
    const fields = this.changedJson(w.fields, rebased, TENANT_FIELDS.map((name) => [name, tenant[name as keyof Tenant]] as [string, unknown]), undos, (name, value) => ((tenant as unknown as Record<string, unknown>)[name] = value));

    const feed = state.event_feed ?? [];
    const fresh = rebased ? feed : newerThan(feed, w.feedPosition);
    const feedBefore = w.feedPosition;
    if (fresh.length) {
      w.feedPosition = fresh.at(-1)!.position;
      undos.push(() => {
        w.feedPosition = feedBefore;
        if (state.event_feed) state.event_feed = state.event_feed.filter((entry) => entry.position <= feedBefore);
      });
    }

    if (!rebased && !tables.length && !parts && !fields && !fresh.length) return null;
    pieces.push(`"k":"tenant","t":${JSON.stringify(tenant.id)}`);
    if (rebased) {
      pieces.push(`"base":${JSON.stringify(w.base)}`);
      w.rebased = false;
      undos.push(() => (w.rebased = true));
    }
    if (fields) pieces.push(`"fields":{${fields}}`);
    if (tables.length) pieces.push(`"tables":{${tables.join(',')}}`);
    if (parts) pieces.push(`"parts":{${parts}}`);
    if (fresh.length) pieces.push(`"feed":${JSON.stringify(fresh)}`);
    return `{${pieces.join(',')}}`;
  }

  /** The members whose JSON differs from what was written, as `"name":json,…` ('' when none). */
  private changedJson(
    last: Map<string, string>,
    all: boolean,
    members: Array<[string, unknown]>,
    undos: Array<() => void>,
    restore: (name: string, value: unknown) => void,
  ): string {
    const out: string[] = [];
    for (const [name, value] of members) {
      if (value === undefined) continue;
      const json = JSON.stringify(value);
      const before = last.get(name);
      if (!all && json === before) continue;
      last.set(name, json);
      out.push(`${JSON.stringify(name)}:${json}`);
      // Undone: the value written before comes back (a part that did not exist before stays as it is).
      undos.push(() => {
        if (before === undefined) last.delete(name);
        else {
          last.set(name, before);
          if (!all) restore(name, JSON.parse(before));
        }
      });
    }
    return out.join(',');
  }
}

/** The feed entries after `position` (the feed is in position order). */
function newerThan(feed: FeedEntry[], position: number): FeedEntry[] {
  let at = feed.length;
  while (at > 0 && feed[at - 1]!.position > position) at--;
  return feed.slice(at);
}
