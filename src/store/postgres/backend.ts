// The PostgreSQL backend (`serve --store postgres://…`): the store's log records in one table all
// replicas share, each numbered per tenant. A replica loads every record at start, appends its
// batches in one transaction each, follows what the others appended (catchUp), and takes a
// tenant's write lock across replicas (an advisory lock) around a write. How it fits together:
// README.md beside this file.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Durability, SharedRateRequest, SharedRateStanding, SharedRateWindows, SharedStateBackend } from '../backend.ts';
import { StorageStartError } from '../file-backend.ts';
import { applyRecord, emptyImage, type LogRecord, type PersistedImage } from '../image.ts';
import { ClockLeadership } from './clock-leader.ts';
import { DEFAULT_FOLDS, LogFolding, type FoldSettings } from './folds.ts';
import { JOURNAL_CHANNEL, PostgresJournal } from './journal.ts';
import { SEED_LOCK, TENANT_LOCK_SQL, TENANT_UNLOCK_SQL } from './locks.ts';
import { migrate, NewerSchemaError } from './migrations.ts';

export interface PostgresBackendOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  durability: Durability;
  /** Connections for appends and reads (default 10); the write locks have a pool of their own. */
  poolSize?: number;
  /** When the log is folded (./folds.ts); default DEFAULT_FOLDS. */
  folds?: FoldSettings;
}

/** The URL as the banner and the errors show it: the password replaced by ***. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** Whether a --store value is a PostgreSQL URL this backend takes. */
export const isPostgresUrl = (value: string): boolean => /^postgres(ql)?:\/\//i.test(value);

/** A failed connection at start as one line: what, where, what to do. */
export function describeConnectError(location: string, error: Error & { code?: string }): string {
  if (error.code === '3D000') return `the database of ${location} does not exist: create it (createdb), or point --store (or SANDBOX_STORE_URL) at another one.`;
  if (error.code === '28P01' || error.code === '28000') return `PostgreSQL at ${location} refused the login (${error.message}): fix the user and password in --store (or SANDBOX_STORE_URL).`;
  return `cannot reach PostgreSQL at ${location} (${error.code ?? error.message}): start it, or point --store (or SANDBOX_STORE_URL) at a running server.`;
}

/** The tenant a record belongs to: the store writes `{"k":"tenant","t":"…"` first; snapshot records name theirs inside. */
export function tenantOfRecord(json: string): string {
  const fast = /^\{"k":"tenant","t":"([^"\\]+)"/.exec(json);
  if (fast) return fast[1]!;
  const record = JSON.parse(json) as LogRecord;
  return record.k === 'tenant' ? record.t : record.k === 'snapshot' ? record.s.tenant_id : record.tenant_id;
}

/** A limit as PostgreSQL's integer: the sandbox's "no limit" (Number.MAX_SAFE_INTEGER) is more than any count. */
const clampInt = (n: number): number => Math.min(n, 2_147_483_647);

/** The channel a committed batch is announced on (NOTIFY, delivered on COMMIT): `replica tenant version` per tenant. */
export const LOG_CHANNEL = 'marketplace_sandbox_log';

/** The application_name of a replica's connections, before its id. */
const APPLICATION = 'marketplace-sandbox';

/**
 * PostgreSQL's side of each connection probes a silent peer after 10 s and drops it after 3 more
 * unanswered probes 5 s apart: a replica whose host vanished has no connection left (so its
 * webhook deliveries are adopted, and its tenant locks let go) within about 25 s, not the
 * system's default two hours. Over TCP only; a Unix socket ignores them.
 */
const SERVER_KEEPALIVE = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

/** How long the listening connection waits before it connects again after it broke. */
const RELISTEN_MS = 1_000;

/** How long a replica's other requests may join a tenant lock it holds before they queue behind the other replicas. */
const JOIN_MS = 50;

interface Hold {
  client: pg.PoolClient;
  /** Requests of this replica in it. */
  count: number;
  since: number;
  /** Resolves once it is let go of. */
  released: Promise<void>;
  done: () => void;
}

/** A rate-limit count waiting for the next batch. */
interface QueuedTake {
  request: SharedRateRequest;
  resolve: (standing: SharedRateStanding) => void;
  reject: (error: Error) => void;
}

/** One tenant's catch-ups: the one running and the one that will run after it. */
interface Follow {
  running: Promise<void> | null;
  queued: Promise<void> | null;
}

export class PostgresBackend implements SharedStateBackend {
  readonly shared = true as const;
  readonly location: string;
  /** This process's id in the log's `replica` column: its own records are never applied twice. */
  readonly replica = `rep_${randomBytes(6).toString('hex')}`;
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  /** Per tenant: the highest version applied here (every one below it too). */
  private readonly applied = new Map<string, number>();
  private readonly following = new Map<string, Follow>();
  private readonly holds = new Map<string, Hold>();
  private readonly acquiring = new Map<string, Promise<Hold>>();
  /** The seeding replica's hold on SEED_LOCK, until its first batch is in. */
  private seedHold: pg.PoolClient | null = null;
  private closed = false;
  /** Whether this replica runs the clock's scheduled moves (./clock-leader.ts); started by leadClock(). */
  private readonly clock: ClockLeadership;
  readonly journal: PostgresJournal;
  private readonly folding: LogFolding;
  /** The connection that LISTENs on LOG_CHANNEL (null while it is being made again). */
  private listener: pg.Client | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private heard: ((tenant: string) => void) | null = null;
  private resync: (() => void) | null = null;

  constructor(private readonly options: PostgresBackendOptions) {
    this.location = redactedUrl(options.url);
    // Every connection names its replica: liveReplicas reads who is connected (a replica that died has none left).
    const common = { connectionString: options.url, connectionTimeoutMillis: 5_000, query_timeout: 15_000, application_name: `${APPLICATION} ${this.replica}` };
    // Relaxed: a commit returns before its WAL flush (PostgreSQL's own synchronous_commit=off).
    this.pool = new pg.Pool({ ...common, max: options.poolSize ?? 10, options: options.durability === 'relaxed' ? `${SERVER_KEEPALIVE} -c synchronous_commit=off` : SERVER_KEEPALIVE });
    // A lock that cannot be had in 10 s is answered 503 rather than waited for.
    this.lockPool = new pg.Pool({ ...common, max: 50, query_timeout: 0, options: `${SERVER_KEEPALIVE} -c lock_timeout=10000` });
    // An idle connection PostgreSQL dropped (a restart): the pool forgets it and makes a new one when needed.
    const forget = (error: Error) => console.error(`marketplace-sandbox: a connection to ${this.location} was lost (${error.message}); new ones are made as needed.`);
    this.pool.on('error', forget);
    this.lockPool.on('error', forget);
    this.journal = new PostgresJournal(this.pool, this.replica);
    this.folding = new LogFolding(this.pool, options.folds ?? DEFAULT_FOLDS);
    this.clock = new ClockLeadership({
      url: options.url,
      onChange: (leading) => console.error(`marketplace-sandbox: this replica ${leading ? 'now runs' : 'no longer runs'} the sandbox clock's scheduled moves (${this.replica}).`),
    });
  }

  get clockLeader(): boolean {
    return this.clock.isLeader;
  }

  leadClock(): Promise<void> {
    return this.clock.start();
  }

  async load(): Promise<PersistedImage | null> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StorageStartError(describeConnectError(this.location, error as Error));
    }
    let keep = false;
    try {
      // One replica at a time reads (and, on an empty database, seeds): two first starts make one set of default tenants.
      await client.query('SELECT pg_advisory_lock($1, $2)', [...SEED_LOCK]);
      await migrate(client, this.location);
      // Each tenant's fold, then its records after it, in one snapshot (a fold committed between two reads would hide records).
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const folds = await client.query<{ tenant: string; version: string; records: string }>('SELECT tenant, version, records FROM sandbox_folds');
      const { rows } = await client.query<{ tenant: string; version: string; record: string }>(
        'SELECT l.tenant, l.version, l.record FROM sandbox_log l LEFT JOIN sandbox_folds f ON f.tenant = l.tenant WHERE l.version > coalesce(f.version, 0) ORDER BY l.tenant, l.version',
      );
      await client.query('COMMIT');
      if (rows.length === 0 && folds.rows.length === 0) {
        keep = true;
        this.seedHold = client;
        return null;
      }
      const image = emptyImage();
      for (const fold of folds.rows) {
        for (const record of JSON.parse(fold.records) as LogRecord[]) applyRecord(image, record);
        this.applied.set(fold.tenant, Number(fold.version));
      }
      for (const row of rows) {
        applyRecord(image, JSON.parse(row.record) as LogRecord);
        this.applied.set(row.tenant, Number(row.version));
      }
      return image;
    } catch (error) {
      if (error instanceof NewerSchemaError || error instanceof StorageStartError) throw new StorageStartError(error.message);
      throw new StorageStartError(`cannot use PostgreSQL at ${this.location}: ${(error as Error).message}`);
    } finally {
      if (!keep) {
        await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
        client.release();
      }
    }
  }

  async append(records: string[]): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    // One statement (migrations/004): the tenants' versions bumped, the records inserted, the batch announced.
    const { rows } = await this.pool.query<{ o_tenant: string; o_last: string; o_count: string }>('SELECT * FROM sandbox_append($1, $2, $3, $4)', [
      this.replica,
      LOG_CHANNEL,
      records.map(tenantOfRecord),
      records,
    ]);
    // This replica has its own records in memory: where nobody else wrote in between, its cursor moves past them.
    for (const row of rows) {
      const last = Number(row.o_last);
      if ((this.applied.get(row.o_tenant) ?? 0) === last - Number(row.o_count)) this.applied.set(row.o_tenant, last);
    }
    this.releaseSeedHold();
  }

  catchUp(tenant: string, apply: (record: LogRecord) => Promise<void>): Promise<void> {
    let follow = this.following.get(tenant);
    if (!follow) this.following.set(tenant, (follow = { running: null, queued: null }));
    const f = follow;
    // A catch-up asked for while one runs must see what committed since it was asked: it runs next (and the others asked meanwhile join it).
    const start = (): Promise<void> => {
      const run = this.follow(tenant, apply).finally(() => {
        if (f.running === run) f.running = null;
      });
      f.running = run;
      return run;
    };
    if (f.queued) return f.queued;
    if (!f.running) return start();
    f.queued = f.running
      .catch(() => undefined)
      .then(() => {
        f.queued = null;
        return start();
      });
    return f.queued;
  }

  async catchUpAll(apply: (record: LogRecord) => Promise<void>): Promise<void> {
    const { rows } = await this.pool.query<{ tenant: string; version: string }>('SELECT tenant, version FROM sandbox_tenants');
    await Promise.all(rows.filter((row) => Number(row.version) > (this.applied.get(row.tenant) ?? 0)).map((row) => this.catchUp(row.tenant, apply)));
  }

  async lockTenant(tenant: string): Promise<{ release: () => void; acquired: boolean }> {
    for (;;) {
      if (this.closed) throw new Error('the store is closed');
      const hold = this.holds.get(tenant);
      if (hold) {
        // Joined while young: no other replica can have written the tenant since it was taken.
        if (performance.now() - hold.since < JOIN_MS) return { release: this.releaser(tenant, hold), acquired: false };
        await hold.released;
        continue;
      }
      const pending = this.acquiring.get(tenant);
      if (pending) {
        await pending.catch(() => undefined);
        continue;
      }
      const acquiring = this.acquire(tenant);
      this.acquiring.set(tenant, acquiring);
      try {
        return { release: this.releaser(tenant, await acquiring), acquired: true };
      } finally {
        this.acquiring.delete(tenant);
      }
    }
  }

  /**
   * Counts are taken in batches: the first request is sent at once, and the ones that arrive
   * while a batch is on its way go together in the next (one statement, one round trip, one
   * row lock per tenant for all of them), so a busy replica makes a call per round trip, not
   * per request.
   */
  readonly rateWindows: SharedRateWindows = {
    take: (request) =>
      new Promise<SharedRateStanding>((resolve, reject) => {
        this.rateQueue.push({ request, resolve, reject });
        if (!this.rateSending) void this.sendRateBatch();
      }),
  };

  private rateQueue: QueuedTake[] = [];
  private rateSending = false;

  private async sendRateBatch(): Promise<void> {
    this.rateSending = true;
    while (this.rateQueue.length > 0) {
      const batch = this.rateQueue;
      this.rateQueue = [];
      const column = <T>(pick: (r: SharedRateRequest) => T) => batch.map((q) => pick(q.request));
      try {
        const { rows } = await this.pool.query<{ o_index: number; o_window_start: number; o_used: number; o_day: number; o_day_used: number; o_group_used: number }>(
          'SELECT * FROM sandbox_take_requests($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
          [
            column((r) => r.tenant),
            column((r) => r.settings),
            column((r) => r.group),
            column((r) => clampInt(r.groupLimit)),
            column((r) => clampInt(r.burst)),
            column((r) => clampInt(r.daily)),
            column((r) => r.nowMs),
            column((r) => r.enforce),
            column((r) => r.prefill?.day ?? null),
            column((r) => (r.prefill ? clampInt(r.prefill.used) : null)),
          ],
        );
        for (const row of rows) batch[row.o_index - 1]!.resolve({ windowStart: row.o_window_start, used: row.o_used, day: row.o_day, dayUsed: row.o_day_used, groupUsed: row.o_group_used });
        // One row per request; should one be missing, its request fails rather than waits forever (a settled promise ignores this).
        if (rows.length < batch.length) for (const q of batch) q.reject(new Error(`the rate-limit count answered ${rows.length} of ${batch.length} requests`));
      } catch (error) {
        for (const q of batch) q.reject(error as Error);
      }
    }
    this.rateSending = false;
  }

  /**
   * Hears of every batch another replica commits (LISTEN on one connection of its own): `heard`
   * gets its tenant, once per batch. When the connection breaks it is made again by itself.
   * `resync` is called each time it starts listening (what committed before was announced to
   * nobody here: catch up on all).
   */
  listen(heard: (tenant: string) => void, resync: () => void): void {
    this.heard = heard;
    this.resync = resync;
    void this.connectListener();
    this.folding.start(); // from now on this replica follows the log, folds included
  }

  /**
   * Which of these replicas are running: those with a connection open to the database (each one's
   * listener stays connected while it runs; a replica that died has none left once PostgreSQL
   * notices, at once for a killed process on the same host, after the TCP keepalive otherwise).
   */
  async liveReplicas(replicas: string[]): Promise<Set<string>> {
    if (replicas.length === 0) return new Set();
    const { rows } = await this.pool.query<{ name: string }>('SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE application_name = ANY($1::text[])', [replicas.map((id) => `${APPLICATION} ${id}`)]);
    return new Set(rows.map((row) => row.name.slice(APPLICATION.length + 1)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.folding.stop();
    await this.clock.stop();
    await this.journal.close();
    if (this.relisten) clearTimeout(this.relisten);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    this.releaseSeedHold();
    for (const [tenant, hold] of this.holds) this.letGo(tenant, hold);
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  private async connectListener(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, application_name: `${APPLICATION} ${this.replica}`, keepAlive: true, options: SERVER_KEEPALIVE });
    let broken = false;
    const retry = (error?: Error) => {
      if (broken) return;
      broken = true;
      if (this.listener === client) this.listener = null;
      client.end().catch(() => undefined);
      if (this.closed) return;
      if (error) console.error(`marketplace-sandbox: the event listener's connection to ${this.location} was lost (${error.message}); listening again in ${RELISTEN_MS} ms.`);
      this.relisten = setTimeout(() => void this.connectListener(), RELISTEN_MS);
      this.relisten.unref();
    };
    client.on('error', retry);
    client.on('end', () => retry(new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === JOURNAL_CHANNEL && message.payload) return this.journal.heard(message.payload);
      if (message.channel !== LOG_CHANNEL || !message.payload) return;
      const [replica, tenant, version] = message.payload.split(' ');
      if (!tenant || replica === this.replica || Number(version) <= (this.applied.get(tenant) ?? 0)) return;
      this.heard?.(tenant);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LOG_CHANNEL}; LISTEN ${JOURNAL_CHANNEL}`);
    } catch (error) {
      retry(error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // What committed before it listened (since the load, or while it was cut off) was announced to nobody here.
    this.resync?.();
  }

  private async follow(tenant: string, apply: (record: LogRecord) => Promise<void>): Promise<void> {
    // With the records after the last one applied: the tenant's fold, when the next record was folded and deleted (this replica fell behind by more than the grace period).
    const { rows } = await this.pool.query<{ version: string; replica: string | null; record: string }>(
      `SELECT version, replica, record FROM sandbox_log WHERE tenant = $1 AND version > $2
       UNION ALL
       SELECT version, NULL, records FROM sandbox_folds WHERE tenant = $1 AND version > $2
         AND NOT EXISTS (SELECT 1 FROM sandbox_log WHERE tenant = $1 AND version = $2 + 1)
       ORDER BY 1`,
      [tenant, this.applied.get(tenant) ?? 0],
    );
    const fold = rows.find((row) => row.replica === null);
    if (fold) {
      for (const record of JSON.parse(fold.record) as LogRecord[]) await apply(record);
      this.applied.set(tenant, Number(fold.version));
    }
    for (const row of rows) {
      if (row.replica === null) continue;
      const version = Number(row.version);
      if (version <= (this.applied.get(tenant) ?? 0)) continue;
      if (row.replica !== this.replica) await apply(JSON.parse(row.record) as LogRecord);
      this.applied.set(tenant, version);
    }
  }

  private async acquire(tenant: string): Promise<Hold> {
    const client = await this.lockPool.connect();
    try {
      await client.query(TENANT_LOCK_SQL, [tenant]);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    let done!: () => void;
    const released = new Promise<void>((resolve) => (done = resolve));
    const hold: Hold = { client, count: 0, since: performance.now(), released, done };
    this.holds.set(tenant, hold);
    return hold;
  }

  private releaser(tenant: string, hold: Hold): () => void {
    hold.count++;
    let once = false;
    return () => {
      if (once) return;
      once = true;
      if (--hold.count === 0) this.letGo(tenant, hold);
    };
  }

  private letGo(tenant: string, hold: Hold): void {
    if (this.holds.get(tenant) === hold) this.holds.delete(tenant);
    hold.count = 0;
    hold.client.query(TENANT_UNLOCK_SQL, [tenant]).then(
      () => hold.client.release(),
      (error: Error) => hold.client.release(error), // a lost connection has let go of its locks already
    );
    hold.done();
  }

  private releaseSeedHold(): void {
    const client = this.seedHold;
    if (!client) return;
    this.seedHold = null;
    client.query('SELECT pg_advisory_unlock_all()').then(
      () => client.release(),
      (error: Error) => client.release(error),
    );
  }
}
