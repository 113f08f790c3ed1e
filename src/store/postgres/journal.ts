// The request journal shared by the replicas of a PostgreSQL store: each replica buffers its
// finished entries and inserts them in one statement per batch (every FLUSH_MS, or at once when
// FLUSH_ENTRIES are waiting), never on a request's path; after each batch the tenants it touched
// are trimmed to their capacity, so the table stays bounded per tenant as the embedded ring is.
// Newest means latest arrival (the entry's wall time, then the row id), not latest insert: the
// replicas' batches land in any order. A list reads the tenant's newest entries here, from every replica.
import type pg from 'pg';
import type { JournalEntry } from '../../domain/journal.ts';
import type { SharedJournal } from '../backend.ts';

const FLUSH_MS = 100;
const FLUSH_ENTRIES = 200;

export class PostgresJournal implements SharedJournal {
  private queue: Array<{ tenant: string; at: number; entry: string }> = [];
  private readonly capacities = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastFailure: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly replica: string,
  ) {}

  add(tenant: string, capacity: number, entry: JournalEntry): void {
    this.queue.push({ tenant, at: entry.at, entry: JSON.stringify(entry) });
    this.capacities.set(tenant, capacity);
    if (this.queue.length >= FLUSH_ENTRIES) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is queued (after the batch being written); a batch PostgreSQL refuses is dropped, said once. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    const capacities = new Map(this.capacities);
    this.queue = [];
    this.capacities.clear();
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.pool.query('INSERT INTO sandbox_journal (tenant, replica, at, entry) SELECT t, $2, a, e FROM unnest($1::text[], $3::float8[], $4::text[]) AS u(t, a, e)', [
          batch.map((row) => row.tenant),
          this.replica,
          batch.map((row) => row.at),
          batch.map((row) => row.entry),
        ]);
        const tenants = [...capacities.keys()];
        await this.pool.query(
          `DELETE FROM sandbox_journal j USING (SELECT t, c FROM unnest($1::text[], $2::int[]) AS u(t, c)) AS cap
            WHERE j.tenant = cap.t AND (j.at, j.id) <= (SELECT at, id FROM sandbox_journal WHERE tenant = cap.t ORDER BY at DESC, id DESC OFFSET cap.c LIMIT 1)`,
          [tenants, tenants.map((t) => capacities.get(t)!)],
        );
        this.lastFailure = null;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== this.lastFailure) console.error(`marketplace-sandbox: request journal entries could not be written to PostgreSQL (${message}); they are left out of the shared journal.`);
        this.lastFailure = message;
      }
    });
    return this.writing;
  }

  async entries(tenant: string, capacity: number): Promise<JournalEntry[]> {
    await this.flush();
    const { rows } = await this.pool.query<{ id: string; entry: string }>('SELECT id, entry FROM (SELECT id, at, entry FROM sandbox_journal WHERE tenant = $1 ORDER BY at DESC, id DESC LIMIT $2) AS newest ORDER BY at, id', [tenant, capacity]);
    // Each replica numbers its entries from 1: the row's id is the number unique across them (req_<id>).
    return rows.map((row) => ({ ...(JSON.parse(row.entry) as JournalEntry), seq: Number(row.id) }));
  }

  async clear(tenant: string): Promise<number> {
    await this.flush();
    const { rowCount } = await this.pool.query('DELETE FROM sandbox_journal WHERE tenant = $1', [tenant]);
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
