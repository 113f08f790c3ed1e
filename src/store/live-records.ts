// A log record (src/store/image.ts) applied to a live tenant state, as a replica does with the
// records other replicas appended (src/store/postgres): entries set or deleted by keyed path
// (entity entries frozen, as committed ones are), parts replaced whole, feed entries after the
// last one it has appended (trimmed to the feed's retention). Plain data: no store, no I/O. The
// changes are not noted (src/state/changes.ts): they are in the log already.
import type { FeedEntry } from '../domain/event-feed.ts';
import type { TenantState } from '../domain/types.ts';
import { deepFreeze, ENTITY_TABLES } from '../state/copy-on-write.ts';
import { trimFeed } from './image.ts';

/** What a record without a base changes of a tenant's state. */
export interface TenantChanges {
  tables?: Record<string, Record<string, unknown>>;
  parts?: Record<string, unknown>;
  feed?: FeedEntry[];
}

const ENTITY_PATHS = new Set<string>(ENTITY_TABLES);

/** Applies the changes to `state` in place. */
export function applyTenantChanges(state: TenantState, changes: TenantChanges): void {
  const target = state as unknown as Record<string, unknown>;
  for (const [path, entries] of Object.entries(changes.tables ?? {})) {
    const table = tableAt(target, path);
    const freeze = ENTITY_PATHS.has(path);
    for (const [key, value] of Object.entries(entries)) {
      if (value === null) delete table[key];
      else table[key] = freeze ? deepFreeze(value) : value;
    }
  }
  for (const [name, value] of Object.entries(changes.parts ?? {})) target[name] = value;
  if (changes.feed?.length) {
    const feed = state.event_feed ?? [];
    const last = feed.at(-1)?.position ?? 0;
    const fresh = changes.feed.filter((entry) => entry.position > last);
    if (fresh.length) state.event_feed = trimFeed([...feed, ...fresh]);
  }
}

/** The keyed table at a dotted path, made when missing. */
function tableAt(state: Record<string, unknown>, path: string): Record<string, unknown> {
  let at = state;
  for (const step of path.split('.')) at = (at[step] ??= {}) as Record<string, unknown>;
  return at;
}
