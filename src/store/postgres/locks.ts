// The advisory locks of a shared store, as (namespace, key) pairs of int4: one namespace for the
// sandbox, so they never meet another application's locks on the same database.
const NAMESPACE = 0x5a4e; // "ZN": marketplace-sandbox

/** Held while migrations run (transaction-scoped). */
export const MIGRATION_LOCK = [NAMESPACE, 1] as const;

/** Held by the replica that seeds an empty database, until its first records are in. */
export const SEED_LOCK = [NAMESPACE, 2] as const;

/** Held (session-level, on a connection of its own) by the one replica that runs the sandbox clock's scheduled moves. */
export const CLOCK_LOCK = [NAMESPACE, 3] as const;

/** The SQL of a tenant's write lock: namespace + 1 and the hash of the tenant id. */
export const TENANT_LOCK_SQL = `SELECT pg_advisory_lock(${NAMESPACE + 1}, hashtext($1))`;
export const TENANT_UNLOCK_SQL = `SELECT pg_advisory_unlock(${NAMESPACE + 1}, hashtext($1))`;

/** The SQL of a tenant's fold lock (transaction-scoped, tried: a tenant another replica is folding is skipped). */
export const FOLD_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(${NAMESPACE + 2}, hashtext($1)) AS locked`;
