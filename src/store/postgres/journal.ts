// The request journal shared by the replicas of a PostgreSQL store: each replica buffers its
// finished entries and inserts them in one statement per batch (every FLUSH_MS, or at once when
// FLUSH_ENTRIES are waiting), never on a request's path; the same statement trims the tenants it
// touched to their capacity (migrations/004), so the table stays bounded per tenant as the
// embedded ring is.
// Newest means latest arrival (the entry's wall time, then the row id), not latest insert: the
// replicas' batches land in any order. A list reads the tenant's newest entries here, from every replica.
//
// Every batch is announced (NOTIFY on JOURNAL_CHANNEL, with its ids): the other replicas read it
// and hand each entry, with the facts the readiness record needs, to their own request journal
// (`follow`), so a replica's live journal stream and readiness record include the requests the
// others served, about FLUSH_MS after them. A clear is announced the same way.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { AnswerFacts } from '../../domain/connector-record.ts';
import type { JournalEntry } from '../../domain/journal.ts';
import type { ForeignJournalEntries, SharedJournal } from '../backend.ts';

const FLUSH_MS = 100;
const FLUSH_ENTRIES = 200;

/** The channel each journal batch and clear is announced on. */
export const JOURNAL_CHANNEL = 'marketplace_sandbox_journal';

export class PostgresJournal implements SharedJournal {
  private queue: Array<{ tenant: string; at: number; entry: string; facts: string }> = [];
  private foreign: ForeignJournalEntries | null = null;
  /** Per tenant: the reading of the other replicas' batches, in the order they were announced. */
  private readonly reading = new Map<string, Promise<void>>();
  private readonly capacities = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastFailure: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly replica: string,
  ) {}

  add(tenant: string, capacity: number, entry: JournalEntry, facts: AnswerFacts): void {
    this.queue.push({ tenant, at: entry.at, entry: JSON.stringify(entry), facts: JSON.stringify(facts) });
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
        await this.pool.query('SELECT sandbox_journal_write($1, $2, $3, $4, $5, $6, $7)', [
          this.replica,
          JOURNAL_CHANNEL,
          batch.map((row) => row.tenant),
          batch.map((row) => capacities.get(row.tenant)!),
          batch.map((row) => row.at),
          batch.map((row) => row.entry),
          batch.map((row) => row.facts),
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
    const { rows } = await this.pool.query<{ cleared: string }>(
      'WITH gone AS (DELETE FROM sandbox_journal WHERE tenant = $1 RETURNING 1) SELECT count(*) AS cleared, pg_notify($2, $3) FROM gone',
      [tenant, JOURNAL_CHANNEL, `${this.replica} ${tenant} clear`],
    );
    return Number(rows[0]?.cleared ?? 0);
  }

  follow(foreign: ForeignJournalEntries): void {
    this.foreign = foreign;
  }

  /** An announcement on JOURNAL_CHANNEL (the backend's listener): another replica's batch is read, or its clear applied. */
  heard(payload: string): void {
    const [replica, tenant, first, last] = payload.split(' ');
    if (!tenant || replica === this.replica || !this.foreign) return;
    const foreign = this.foreign;
    const previous = this.reading.get(tenant) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (first === 'clear') return foreign.cleared(tenant);
      try {
        const { rows } = await this.pool.query<{ id: string; entry: string; facts: string | null }>(
          'SELECT id, entry, facts FROM sandbox_journal WHERE tenant = $1 AND id BETWEEN $2 AND $3 AND replica = $4 ORDER BY id',
          [tenant, first, last, replica],
        );
        for (const row of rows) foreign.entry(tenant, { ...(JSON.parse(row.entry) as JournalEntry), seq: Number(row.id) }, row.facts ? (JSON.parse(row.facts) as AnswerFacts) : null);
      } catch (error) {
        const message = (error as Error).message;
        if (message !== this.lastFailure) console.error(`marketplace-sandbox: another replica's request journal entries could not be read (${message}); this replica's stream and readiness record miss them.`);
        this.lastFailure = message;
      }
    });
    this.reading.set(tenant, next);
    void next.finally(() => {
      if (this.reading.get(tenant) === next) this.reading.delete(tenant);
    });
  }

  /** Resolves once the batches the other replicas wrote by now (and this one's) have been read here: what a readiness report waits for. */
  async settle(tenant: string): Promise<void> {
    await this.flush();
    // Another replica writes what it served within FLUSH_MS; its announcement arrives a moment later.
    await sleep(FLUSH_MS + 50);
    await this.reading.get(tenant);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
