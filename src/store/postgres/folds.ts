// Folding the shared log (migrations/005-folds.sql): every replica, now and then, looks for
// tenants with many records since their last fold, and folds each one it can lock (an advisory
// try-lock per tenant: two replicas never fold one tenant at once) into the records that rebuild
// it (tenantAsRecords). A fold replaces the tenant's older fold; the folded records stay in the
// log for a grace period (a replica cut off for less than that still follows them), then go.
// What the fold keeps is the same data, so loading fold + later records equals loading the log.
import type pg from 'pg';
import { StorageStartError } from '../file-backend.ts';
import { applyRecord, emptyImage, tenantAsRecords, type LogRecord } from '../image.ts';
import { FOLD_LOCK_SQL } from './locks.ts';

export interface FoldSettings {
  /** Records of a tenant since its last fold that make it due (default 1 000). */
  after: number;
  /** How often a replica looks for due tenants (default 60 s). */
  everyMs: number;
  /** How long folded records stay in the log (default 10 min). */
  graceMs: number;
}

export const DEFAULT_FOLDS: FoldSettings = { after: 1_000, everyMs: 60_000, graceMs: 600_000 };

/** Fold settings from the environment (SANDBOX_STORE_FOLD_AFTER, _EVERY_MS, _GRACE_MS), else the defaults. */
export function foldSettingsFrom(env: NodeJS.ProcessEnv): FoldSettings {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new StorageStartError(`${name} must be a whole number of at least 1 (it is "${raw}"): fix it, or unset it for the default ${fallback}.`);
    return value;
  };
  return { after: read('SANDBOX_STORE_FOLD_AFTER', DEFAULT_FOLDS.after), everyMs: read('SANDBOX_STORE_FOLD_EVERY_MS', DEFAULT_FOLDS.everyMs), graceMs: read('SANDBOX_STORE_FOLD_GRACE_MS', DEFAULT_FOLDS.graceMs) };
}

export class LogFolding {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastFailure: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly settings: FoldSettings,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.pass()
        .catch((error: Error) => {
          if (error.message !== this.lastFailure) console.error(`marketplace-sandbox: folding the shared log failed (${error.message}); it is tried again in ${this.settings.everyMs} ms.`);
          this.lastFailure = error.message;
        })
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(tick, this.settings.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One look: folds every due tenant it can lock, then deletes the folded records past the grace period. */
  async pass(): Promise<void> {
    const { rows } = await this.pool.query<{ tenant: string }>(
      'SELECT t.tenant FROM sandbox_tenants t LEFT JOIN sandbox_folds f ON f.tenant = t.tenant WHERE t.version - coalesce(f.version, 0) >= $1',
      [this.settings.after],
    );
    for (const { tenant } of rows) await this.fold(tenant);
    await this.pool.query("DELETE FROM sandbox_log l USING sandbox_folds f WHERE l.tenant = f.tenant AND l.version <= f.version AND l.written_at < now() - $1 * interval '1 millisecond'", [this.settings.graceMs]);
    this.lastFailure = null;
  }

  private async fold(tenant: string): Promise<void> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      // One snapshot of the fold and the records after it; the tenant's fold lock until COMMIT.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const locked = await client.query<{ locked: boolean }>(FOLD_LOCK_SQL, [tenant]);
      if (!locked.rows[0]?.locked) return void (await client.query('ROLLBACK'));
      const previous = await client.query<{ version: string; records: string }>('SELECT version, records FROM sandbox_folds WHERE tenant = $1', [tenant]);
      const from = Number(previous.rows[0]?.version ?? 0);
      const { rows } = await client.query<{ version: string; record: string }>('SELECT version, record FROM sandbox_log WHERE tenant = $1 AND version > $2 ORDER BY version', [tenant, from]);
      if (rows.length === 0) return void (await client.query('ROLLBACK'));
      const image = emptyImage();
      for (const record of previous.rows[0] ? (JSON.parse(previous.rows[0].records) as LogRecord[]) : []) applyRecord(image, record);
      for (const row of rows) applyRecord(image, JSON.parse(row.record) as LogRecord);
      const version = Number(rows.at(-1)!.version);
      await client.query(
        'INSERT INTO sandbox_folds (tenant, version, records) VALUES ($1, $2, $3) ON CONFLICT (tenant) DO UPDATE SET version = EXCLUDED.version, records = EXCLUDED.records, folded_at = now() WHERE sandbox_folds.version < EXCLUDED.version',
        [tenant, version, JSON.stringify(tenantAsRecords(image, tenant))],
      );
      await client.query('COMMIT');
    } catch (error) {
      failure = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(failure);
    }
  }
}
