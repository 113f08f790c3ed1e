// The schema of a shared store: versioned SQL files in ./migrations (NNN-name.sql, copied beside
// the compiled code by the build, scripts/copy-migrations.mjs), applied at start in one
// transaction under an advisory lock, so replicas starting at once apply each file once. The
// version reached is kept in schema_migrations; a database at a version this release does not
// know refuses the start.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClientBase } from 'pg';
import { MIGRATION_LOCK } from './locks.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The migrations this release ships, in version order. */
export async function shippedMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => /^\d{3}-[\w-]+\.sql$/.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ version: Number(name.slice(0, 3)), name, sql: await readFile(`${dir}${name}`, 'utf8') })));
}

/** The schema is newer than this release: it must not write to it. */
export class NewerSchemaError extends Error {}

/**
 * Brings the database to the newest shipped version, in one transaction under the migration lock.
 * Returns the versions applied now (empty when it was up to date).
 */
export async function migrate(client: ClientBase, where: string, migrations?: Migration[]): Promise<number[]> {
  const shipped = migrations ?? (await shippedMigrations());
  const known = shipped.at(-1)?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > known) {
      throw new NewerSchemaError(
        `the database at ${where} has schema version ${current}, newer than this marketplace-sandbox knows (${known}): upgrade marketplace-sandbox to the release the other replicas run, or point --store at another database.`,
      );
    }
    const applied: number[] = [];
    for (const migration of shipped) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
