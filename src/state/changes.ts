// What changed in the tenants' keyed tables since the last commit, so that persistence writes the
// change and not the world (src/store/commit.ts). Every change to a table entry goes through
// `own()` (src/state/copy-on-write.ts), `put()` or `remove()`, which note the table and the key
// here, with the entry as it was before the first change (a failed commit puts it back).
// Committed entries are frozen, so a change that skipped `own()` throws instead of being lost.

/** A keyed table (id → entry) and the entries changed in it since the last commit, each with its value before. */
export type TableChanges = Map<string, unknown>;

let pending = new Map<object, TableChanges>();

/** Notes that `table[key]` is about to change (first note wins: it keeps the value before the batch). */
export function noteChange(table: object, key: string, before: unknown): void {
  let keys = pending.get(table);
  if (!keys) pending.set(table, (keys = new Map()));
  if (!keys.has(key)) keys.set(key, before);
}

/** Sets `table[id]`, noted. For a new entry or a whole replacement. */
export function put<T>(table: Record<string, T>, id: string, value: T): T {
  noteChange(table, id, table[id]);
  table[id] = value;
  return value;
}

/** Deletes `table[id]`, noted. */
export function remove<T>(table: Record<string, T>, id: string): void {
  if (!(id in table)) return;
  noteChange(table, id, table[id]);
  delete table[id];
}

/** The changes noted since the last call, by table; the log starts empty again. */
export function takeChanges(): Map<object, TableChanges> {
  const taken = pending;
  pending = new Map();
  return taken;
}

/** Whether anything has been noted since the last takeChanges(). */
export function hasChanges(): boolean {
  return pending.size > 0;
}

/** Puts back changes a commit did not claim (tables of another sandbox in this process): older notes win. */
export function returnChanges(changes: Map<object, TableChanges>): void {
  for (const [table, keys] of changes) {
    const now = pending.get(table);
    if (!now) pending.set(table, keys);
    else for (const [key, before] of keys) now.set(key, before);
  }
}

/** Forgets the changes to tables nobody will write any more (a tenant's world replaced). */
export function dropChanges(tables: Iterable<unknown>): void {
  for (const table of tables) if (table && typeof table === 'object') pending.delete(table);
}

/** The keys of `table` changed since the last commit. */
export function pendingKeys(table: unknown): string[] {
  const keys = table && typeof table === 'object' ? pending.get(table) : undefined;
  return keys ? [...keys.keys()] : [];
}
