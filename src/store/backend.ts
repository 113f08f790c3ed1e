// The seam between the sandbox's state and where it is kept. The store (src/store/store.ts)
// holds the state in memory and turns each batch of changes into records (src/store/image.ts);
// a backend makes them durable and gives the image back at start. The file backend
// (src/store/file-backend.ts) is the embedded one; another (PostgreSQL) implements the same three
// calls without touching handlers or the domain.
import type { AnswerFacts } from '../domain/connector-record.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { LogRecord, PersistedImage } from './image.ts';

export interface StateBackend {
  /** Where the state is kept, for the banner (a file path, a database URL without its password). */
  readonly location: string;
  /** The image at start: the last snapshot with every later record folded in; null for a new store. */
  load(): Promise<PersistedImage | null>;
  /**
   * Keeps a batch of records (JSON text of LogRecord, in order) and resolves once they are
   * durable. On a rejection none of them is kept, and the caller undoes the batch in memory.
   */
  append(records: string[]): Promise<void>;
  /** Makes everything appended durable and lets go of the files or connections. */
  close(): Promise<void>;
}

/** How writes are acknowledged: after the fsync of their batch, or at once, written a moment later. */
export type Durability = 'durable' | 'relaxed';

/**
 * A backend several replicas share (src/store/postgres): besides keeping this replica's records it
 * hands over the ones other replicas appended, and serializes a tenant's writes across replicas.
 */
export interface SharedStateBackend extends StateBackend {
  readonly shared: true;
  /** This replica's id (its records in the log, its connections, the webhook deliveries it sends). */
  readonly replica: string;
  /** Which of these replica ids are running now (connected to the shared store). */
  liveReplicas(replicas: string[]): Promise<Set<string>>;
  /**
   * Applies, in order, the records other replicas appended for `tenant` since this replica last
   * applied one. Catch-ups of one tenant run one at a time; one asked for while another waits joins it.
   */
  catchUp(tenant: string, apply: (record: LogRecord) => Promise<void>): Promise<void>;
  /** The same for every tenant with records this replica has not applied (a credential it does not know). */
  catchUpAll(apply: (record: LogRecord) => Promise<void>): Promise<void>;
  /**
   * Takes the tenant's write lock across replicas; `release` lets go of it. `acquired` is false
   * when the request joined a hold of this replica's taken a moment ago: it is caught up already.
   */
  lockTenant(tenant: string): Promise<{ release: () => void; acquired: boolean }>;
  /**
   * Whether this replica runs the sandbox clock's scheduled moves: exactly one of the replicas
   * does, the holder of an advisory lock (src/store/postgres/clock-leader.ts).
   */
  readonly clockLeader: boolean;
  /** Tries for the clock's lock now, then keeps trying (and, leading, checking it) until close. */
  leadClock(): Promise<void>;
  /**
   * Hears of every batch another replica commits (PostgreSQL's LISTEN/NOTIFY): `heard` gets the
   * tenant it wrote; `resync` is called each time the listener (re)connects, when announcements
   * may have been missed.
   */
  listen(heard: (tenant: string) => void, resync: () => void): void;
  /** The rate-limit windows the replicas share. */
  readonly rateWindows: SharedRateWindows;
  /** The request journal the replicas share, bounded per tenant (src/store/postgres/journal.ts). */
  readonly journal: SharedJournal;
}

/** A request journal every replica writes to and reads, bounded per tenant. */
export interface SharedJournal {
  /** Queues a finished entry of `tenant` (copied now: the ring reuses it), with its readiness facts; the tenant keeps its newest `capacity`. */
  add(tenant: string, capacity: number, entry: JournalEntry, facts: AnswerFacts): void;
  /** Where the entries the other replicas served, and their clears, are handed as they are announced. */
  follow(foreign: ForeignJournalEntries): void;
  /** Resolves once what the other replicas served until now has been handed over (a readiness report waits for it). */
  settle(tenant: string): Promise<void>;
  /** The tenant's newest `capacity` entries from every replica, oldest first (this replica's queued ones written first). */
  entries(tenant: string, capacity: number): Promise<JournalEntry[]>;
  /** Empties the tenant's journal for every replica. */
  clear(tenant: string): Promise<number>;
}

/** What a replica hears of the other replicas' journals. */
export interface ForeignJournalEntries {
  /** An entry another replica served (its `seq` the shared journal's id); facts null for an entry written before they were kept. */
  entry(tenant: string, entry: JournalEntry, facts: AnswerFacts | null): void;
  /** Another replica emptied the tenant's journal. */
  cleared(tenant: string): void;
}

export const isShared = (backend: StateBackend | null): backend is SharedStateBackend => (backend as Partial<SharedStateBackend> | null)?.shared === true;

/** A tenant's rate-limit standing before a request, as kept where every replica counts (src/rate-limits/counters.ts). */
export interface SharedRateStanding {
  windowStart: number;
  used: number;
  day: number;
  dayUsed: number;
  groupUsed: number;
}

/** One request to count in the shared windows. */
export interface SharedRateRequest {
  /** '' for anonymous callers of the token endpoint. */
  tenant: string;
  /** The windows' key: they start afresh when it changes. */
  settings: string;
  group: string;
  groupLimit: number;
  burst: number;
  daily: number;
  nowMs: number;
  enforce: boolean;
  /** What a day opened for new settings starts with (a scenario's `daily_used`). */
  prefill?: { day: number; used: number };
}

/** Rate-limit windows every replica counts in, atomically. */
export interface SharedRateWindows {
  /** Counts the request unless a budget is used up (or `enforce` is off); the standing before it. */
  take(request: SharedRateRequest): Promise<SharedRateStanding>;
}
