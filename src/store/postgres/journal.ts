// The request journal shared by the replicas of a PostgreSQL store: each replica buffers its
// finished entries and inserts them in one statement per batch (every FLUSH_MS, or at once when
// FLUSH_ENTRIES are waiting), never on a request's path; the same statement trims the tenants it
// touched to their capacity (migrations/004), so the table stays bounded per tenant as the
// embedded ring is.
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
        await this.pool.query('SELECT sandbox_journal_write($1, $2, $3, $4, $5)', [
          this.replica,
          batch.map((row) => row.tenant),
          batch.map((row) => capacities.get(row.tenant)!),
          batch.map((row) => row.at),
          batch.map((row) => row.entry),
        ]);
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
