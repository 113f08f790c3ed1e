// The persisted form of the sandbox as plain data: what the snapshot file holds and what each
// record of the write-ahead log changes. A tenant is kept as the world it was put into (scenario
// and seed, rebuilt at start) plus what changed since, so a write to a 10 000-product tenant
// costs the changed entries, never the world. Plain functions only: the log writer
// (src/store/wal.ts), the compaction worker and the start (src/store/store.ts) share them.
import { FEED_RETENTION, type FeedEntry } from '../domain/event-feed.ts';
import { ENTITY_TABLES } from '../state/copy-on-write.ts';

export const IMAGE_FORMAT = 'marketplace-sandbox/state';
export const IMAGE_VERSION = 2;

/**
 * Keyed tables of a tenant state, by path: each entry is written on its own when it changes.
 * The entity tables, the event sequence counters, the remembered idempotent answers and a --spec
 * document's items (src/handlers/document-resources.ts).
 */
export const KEYED_PATHS = [...ENTITY_TABLES, 'event_sequences', 'idempotency.keys', 'document_items'] as const;
export type KeyedPath = (typeof KEYED_PATHS)[number];

/** Tenant fields written whole when they change (each is small). */
export const TENANT_FIELDS = ['name', 'api_keys', 'seed', 'created_at', 'scenario', 'clock', 'access'] as const;

/** The world a tenant's tables start from: a scenario's for a seed, or nothing (imported state). */
export type WorldBase = { scenario: string; seed: number } | null;

/** A state's changes over its base: entries by keyed path (null: deleted), the other parts whole, the feed. */
export interface StateDelta {
  base: WorldBase;
  /** path → key → entry, null for an entry the base has and the tenant deleted. */
  tables: Record<string, Record<string, unknown>>;
  /** Every other part of the state by name (categories, pricing, marketplace, …): its whole value. */
  parts: Record<string, unknown>;
  /** The event feed, oldest first, trimmed to FEED_RETENTION. */
  feed: FeedEntry[];
}

export interface PersistedTenant extends StateDelta {
  id: string;
  fields: Record<string, unknown>;
}

export interface PersistedSnapshot extends StateDelta {
  name: string;
  tenant_id: string;
  /** created_at, scenario, sandbox_time, clock, settings (see Snapshot in src/store/store.ts). */
  meta: Record<string, unknown>;
}

export interface PersistedImage {
  format: typeof IMAGE_FORMAT;
  version: typeof IMAGE_VERSION;
  /** The log segments already folded into this image: replay starts after it. */
  wal_through: number;
  tenants: PersistedTenant[];
  snapshots: PersistedSnapshot[];
}

/**
 * One record of the log. `tenant`: a tenant's change; with `base` it entered another world (a
 * reset, a restore, an import) and `tables`/`parts`/`feed` are its whole delta; without, they are
 * what changed (`feed`: the entries appended). `snapshot`: saved, or deleted (`deleted: true`).
 */
export type LogRecord =
  | {
      k: 'tenant';
      t: string;
      base?: WorldBase;
      fields?: Record<string, unknown>;
      tables?: Record<string, Record<string, unknown>>;
      parts?: Record<string, unknown>;
      feed?: FeedEntry[];
    }
  | { k: 'snapshot'; s: PersistedSnapshot }
  | { k: 'snapshot-deleted'; tenant_id: string; name: string };

export function emptyImage(): PersistedImage {
  return { format: IMAGE_FORMAT, version: IMAGE_VERSION, wal_through: 0, tenants: [], snapshots: [] };
}

/** Folds one log record into the image (in place). */
export function applyRecord(image: PersistedImage, record: LogRecord): void {
  if (record.k === 'snapshot') {
    image.snapshots = image.snapshots.filter((s) => !(s.tenant_id === record.s.tenant_id && s.name === record.s.name));
    image.snapshots.push(record.s);
    return;
  }
  if (record.k === 'snapshot-deleted') {
    image.snapshots = image.snapshots.filter((s) => !(s.tenant_id === record.tenant_id && s.name === record.name));
    return;
  }
  let tenant = image.tenants.find((t) => t.id === record.t);
  if (!tenant) image.tenants.push((tenant = { id: record.t, fields: {}, base: null, tables: {}, parts: {}, feed: [] }));
  if (record.base !== undefined) {
    tenant.base = record.base;
    tenant.tables = {};
    tenant.parts = {};
    tenant.feed = [];
  }
  Object.assign(tenant.fields, record.fields);
  for (const [path, entries] of Object.entries(record.tables ?? {})) Object.assign((tenant.tables[path] ??= {}), entries);
  Object.assign(tenant.parts, record.parts);
  if (record.feed?.length) tenant.feed = trimFeed([...tenant.feed, ...record.feed]);
}

export const trimFeed = (feed: FeedEntry[]): FeedEntry[] => (feed.length > FEED_RETENTION ? feed.slice(feed.length - FEED_RETENTION) : feed);

/** The value at a dotted path of a state (undefined when a step is missing). */
export function atPath(state: object, path: string): unknown {
  let value: unknown = state;
  for (const step of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
  return value;
}

/**
 * A state file of the first format (every tenant's whole state) as an image: no base, every
 * entry in the delta. The first compaction writes it in the current format.
 */
export function fromFirstFormat(saved: { tenants: Array<Record<string, unknown>>; snapshots?: Array<Record<string, unknown>> }): PersistedImage {
  const image = emptyImage();
  for (const { state, id, ...fields } of saved.tenants) {
    image.tenants.push({ id: id as string, fields, ...wholeDelta(state as Record<string, unknown>) });
  }
  for (const { state, name, tenant_id, ...meta } of saved.snapshots ?? []) {
    image.snapshots.push({ name: name as string, tenant_id: tenant_id as string, meta, ...wholeDelta(state as Record<string, unknown>) });
  }
  return image;
}

/** A whole state as a delta over nothing. */
export function wholeDelta(state: Record<string, unknown>): StateDelta {
  const delta: StateDelta = { base: null, tables: {}, parts: {}, feed: (state.event_feed as FeedEntry[] | undefined) ?? [] };
  for (const path of KEYED_PATHS) {
    const table = atPath(state, path);
    if (table && typeof table === 'object') delta.tables[path] = { ...(table as Record<string, unknown>) };
  }
  for (const [name, value] of Object.entries(state)) if (isPart(name) && value !== undefined) delta.parts[name] = value;
  return delta;
}

/** Whether a top-level key of a state is written whole (not keyed, not the feed). */
export function isPart(name: string): boolean {
  return name !== 'event_feed' && name !== 'idempotency' && !(KEYED_PATHS as readonly string[]).includes(name);
}

/**
 * A tenant of an image as log records that rebuild it: the tenant as one record of its whole
 * delta (with its base: applying it replaces whatever the tenant was), then its snapshots. What a
 * shared store's fold keeps in place of the records it folded (src/store/postgres/folds.ts).
 */
export function tenantAsRecords(image: PersistedImage, tenantId: string): LogRecord[] {
  const records: LogRecord[] = [];
  const tenant = image.tenants.find((t) => t.id === tenantId);
  if (tenant) records.push({ k: 'tenant', t: tenant.id, base: tenant.base, fields: tenant.fields, tables: tenant.tables, parts: tenant.parts, feed: tenant.feed });
  for (const s of image.snapshots) if (s.tenant_id === tenantId) records.push({ k: 'snapshot', s });
  return records;
}
