// Copy-on-write tenant worlds. A scenario's world is built once and deep-frozen; a reset gives the
// tenant fresh entity tables (shallow copies) whose entries still point at the frozen entities, so
// resetting 10 000 products costs a table copy, not a deep clone. Code that changes an entity first
// takes its own copy with `own()`; a change to a frozen entity that skipped it throws, loudly.
import type { TenantState } from '../domain/types.ts';
import { noteChange } from './changes.ts';

/** The entity tables of a tenant: id → entity, copied per tenant on reset, entities shared until changed. */
export const ENTITY_TABLES = ['products', 'inventory', 'reservations', 'orders', 'shipments', 'returns', 'webhooks', 'deliveries', 'jobs', 'webhook_outbox'] as const;

/** Freezes a value and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A tenant state over a frozen world: own tables, shared entities, own copies of everything small. */
export function openWorld(world: TenantState): TenantState {
  const state = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(world)) {
    state[key] = (ENTITY_TABLES as readonly string[]).includes(key) ? { ...(value as object) } : structuredClone(value);
  }
  return state as unknown as TenantState;
}

/**
 * The entity `id` of `table`, made the tenant's own: a frozen (shared) entity is replaced by a
 * private copy first, and the change is noted for persistence (src/state/changes.ts). Call it
 * before changing an entity in place, again after any wait (a commit freezes what it wrote).
 */
export function own<T extends object>(table: Record<string, T>, id: string): T | undefined {
  const entity = table[id];
  if (entity === undefined) return entity;
  noteChange(table, id, entity);
  if (!Object.isFrozen(entity)) return entity;
  const copy = structuredClone(entity);
  table[id] = copy;
  return copy;
}

/**
 * A frozen copy of a live tenant state, for a snapshot: entities still shared with a world are
 * shared again, only the ones the tenant changed are copied. Costs a table copy plus the changes.
 */
export function frozenCopy(state: TenantState): TenantState {
  const copy = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(state)) {
    if ((ENTITY_TABLES as readonly string[]).includes(key)) {
      const table: Record<string, unknown> = {};
      for (const [id, entity] of Object.entries(value as Record<string, unknown>)) {
        table[id] = Object.isFrozen(entity) ? entity : deepFreeze(structuredClone(entity));
      }
      copy[key] = Object.freeze(table);
    } else {
      copy[key] = deepFreeze(structuredClone(value));
    }
  }
  return Object.freeze(copy) as unknown as TenantState;
}
