// The request journal's storage: every partner-API request of a tenant, in a bounded ring buffer
// per tenant (oldest dropped first), and beside it the tenant's connector record, the bounded
// rollup the readiness report judges (src/domain/connector-record.ts), which outlives the ring.
// The HTTP layer that fills both is src/policies/request-journal.
import { accessOf, DEFAULT_JOURNAL, type JournalSettings } from '../domain/access.ts';
import { newConnectorRecord, observeRequest, type AnswerFacts, type ConnectorRecord } from '../domain/connector-record.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { Tenant } from '../store/store.ts';
import type { SharedJournal } from '../store/backend.ts';

/**
 * A fixed-capacity buffer. Once full it hands out its oldest entry to be overwritten, so a busy
 * journal allocates nothing per request and keeps no garbage flowing into the old generation.
 */
class Ring {
  private items: JournalEntry[] = [];
  private start = 0; // index of the oldest entry once full

  constructor(readonly capacity: number) {}

  /** The entry to fill next (fill it synchronously: readers must never see it half-written). */
  claim(): JournalEntry {
    if (this.items.length < this.capacity) {
      const entry = blankEntry();
      this.items.push(entry);
      return entry;
    }
    const oldest = this.items[this.start]!;
    this.start = (this.start + 1) % this.capacity;
    return oldest;
  }

  /** Oldest first. */
  toArray(): JournalEntry[] {
    return this.start === 0 ? [...this.items] : [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }

  /** Moves the newest entries that fit into a ring of another capacity. */
  resized(capacity: number): Ring {
    const ring = new Ring(capacity);
    ring.items = this.toArray().slice(-capacity);
    return ring;
  }
}

/** Every field present from the start, so all entries share one shape. */
function blankEntry(): JournalEntry {
  return {
    seq: 0,
    request_id: '',
    at: 0,
    sandbox_at: 0,
    method: '',
    path: '',
    query: '',
    operation_id: '',
    status: null,
    latency_ms: 0,
    request_bytes: 0,
    response_bytes: null,
    rl_policy: null,
    rl_allowed: true,
    rl_limit: 0,
    rl_remaining: 0,
    rl_reset: 0,
    faults: null,
    notes: null,
    credential: null,
    graphql_operation: null,
    request_headers: undefined,
    request_body: undefined,
    response_body: undefined,
  };
}

/** Hears each entry as it is completed (it is reused later: read it at once). */
export type EntryListener = (entry: JournalEntry) => void;

export class RequestJournal {
  private readonly rings = new Map<string, Ring>();
  private readonly records = new Map<string, ConnectorRecord>();
  private readonly listeners = new Map<string, Set<EntryListener>>();
  private seq = 0;
  /** Whether anybody listens to any tenant, or a shared journal takes every entry: the one field a request checks (src/policies/request-journal). */
  listened = false;
  /** With a shared store: the journal every replica writes to, which lists and clears read (src/store/postgres/journal.ts). */
  private shared: SharedJournal | null = null;

  /**
   * Sends every finished entry to the replicas' shared journal too, and reads lists from it. The
   * entries the other replicas served come back from it: they go into the tenant's connector
   * record and to its live listeners (not into this replica's ring: lists read the shared one).
   */
  share(shared: SharedJournal): void {
    this.shared = shared;
    this.listened = true;
    shared.follow({
      entry: (tenantId, entry, facts) => {
        if (facts) observeRequest(this.recordById(tenantId), entry, facts);
        this.tell(tenantId, entry);
      },
      cleared: (tenantId) => {
        this.rings.delete(tenantId);
        this.records.delete(tenantId);
      },
    });
  }

  /** Resolves once the entries the other replicas served until now are in the connector record (at once without a shared store). */
  async settle(tenant: Tenant): Promise<void> {
    await this.shared?.settle(tenant.id);
  }

  /** Calls `listener` with each entry of the tenant once it is complete; returns the unsubscribe. */
  listen(tenant: Tenant, listener: EntryListener): () => void {
    let set = this.listeners.get(tenant.id);
    if (!set) this.listeners.set(tenant.id, (set = new Set()));
    set.add(listener);
    this.listened = true;
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(tenant.id) === set) this.listeners.delete(tenant.id);
      this.listened = this.listeners.size > 0 || this.shared !== null;
    };
  }

  /** The entry is complete: its tenant's listeners hear of it (and the other replicas, with its readiness facts). */
  completed(tenant: Tenant, entry: JournalEntry, facts: AnswerFacts): void {
    this.shared?.add(tenant.id, this.settingsOf(tenant).capacity, entry, facts);
    this.tell(tenant.id, entry);
  }

  private tell(tenantId: string, entry: JournalEntry): void {
    const set = this.listeners.get(tenantId);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(entry);
      } catch (error) {
        console.error(`marketplace-sandbox: a request journal listener failed: ${(error as Error).message}`);
      }
    }
  }

  settingsOf(tenant: Tenant): JournalSettings {
    return tenant.access?.journal ?? DEFAULT_JOURNAL;
  }

  /** Changes capacity or body keeping; the newest entries that fit are kept. */
  configure(tenant: Tenant, settings: JournalSettings): void {
    accessOf(tenant).journal = settings;
    const old = this.rings.get(tenant.id);
    if (old && old.capacity !== settings.capacity) this.rings.set(tenant.id, old.resized(settings.capacity));
  }

  /** The entry to fill for a new request of the tenant (reused once the ring is full). */
  claim(tenant: Tenant): JournalEntry {
    let ring = this.rings.get(tenant.id);
    if (!ring) this.rings.set(tenant.id, (ring = new Ring(this.settingsOf(tenant).capacity)));
    return ring.claim();
  }

  /** Sequence numbers are unique across tenants, so request ids never repeat within a run. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** The tenant's entries, oldest first. */
  entries(tenant: Tenant): JournalEntry[] {
    return this.rings.get(tenant.id)?.toArray() ?? [];
  }

  /** The tenant's entries as lists and checks read them, oldest first: with a shared store, every replica's. */
  async served(tenant: Tenant): Promise<JournalEntry[]> {
    return this.shared ? this.shared.entries(tenant.id, this.settingsOf(tenant).capacity) : this.entries(tenant);
  }

  /** What the tenant's connector did since the journal was last cleared, rolled up for the readiness report. */
  recordOf(tenant: Tenant): ConnectorRecord {
    return this.recordById(tenant.id);
  }

  private recordById(tenantId: string): ConnectorRecord {
    let record = this.records.get(tenantId);
    if (!record) this.records.set(tenantId, (record = newConnectorRecord()));
    return record;
  }

  /**
   * Empties the ring and the connector record (a reset, a scenario, DELETE /__sandbox/requests);
   * with a shared store, the tenant's shared journal too (resolved once it is emptied).
   */
  clear(tenant: Tenant): Promise<number> {
    const cleared = this.rings.get(tenant.id)?.toArray().length ?? 0;
    this.rings.delete(tenant.id);
    this.records.delete(tenant.id);
    if (!this.shared) return Promise.resolve(cleared);
    const emptied = this.shared.clear(tenant.id);
    emptied.catch((error: Error) => console.error(`marketplace-sandbox: the shared request journal of ${tenant.id} could not be cleared (${error.message}).`));
    return emptied;
  }
}
