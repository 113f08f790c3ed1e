// Which replica runs the sandbox clock's scheduled moves (the marketplace's and the carriers'
// moves of realtime clocks, src/orders/marketplace-moves.ts): the one holding CLOCK_LOCK, a
// session-level advisory lock on a connection of its own. PostgreSQL lets go of a session lock
// when its connection ends, so a leader that dies (SIGKILL, a crash, a lost network) hands the
// lock over: every other replica tries to take it every `retryMs`, and the first to get it leads.
// The leader checks its connection on the same beat; when the check fails it stops leading at
// once (before PostgreSQL may have noticed), so two replicas never both think they lead for long.
import pg from 'pg';
import { CLOCK_LOCK } from './locks.ts';

export interface ClockLeadershipOptions {
  url: string;
  /** How often a follower tries to take the lock, and the leader checks its connection (ms). */
  retryMs?: number;
  /** Hears of every change of leadership (true: this replica leads now). */
  onChange?: (leading: boolean) => void;
}

export class ClockLeadership {
  private client: pg.Client | null = null;
  private leading = false;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: ClockLeadershipOptions) {}

  /** Whether this replica holds the clock's lock (as of the last check). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries once (so the banner can say who leads), then keeps trying, or checking, on a timer. */
  async start(): Promise<void> {
    if (this.timer || this.stopped) return;
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.retryMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    this.set(false);
    // Ending the session lets go of the lock: another replica takes it on its next try.
    await client?.end().catch(() => undefined);
  }

  /** A follower's try for the lock, or the leader's check that its session (and so the lock) is still there. */
  private async beat(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const client = this.client ?? (await this.connect());
      if (this.leading) {
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [...CLOCK_LOCK]);
      if (rows[0]?.got && !this.stopped) this.set(true);
    } catch {
      this.drop(); // unreachable, or the session broke: not leading; a new connection tries next time
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
      keepAlive: true,
      application_name: 'marketplace-sandbox clock',
    });
    // A connection that breaks while idle: the lock went with it.
    client.on('error', () => {
      if (this.client === client) this.drop();
    });
    client.on('end', () => {
      if (this.client === client) this.drop();
    });
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      if (this.client === client) this.client = null;
      throw error;
    }
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    this.set(false);
    client?.end().catch(() => undefined);
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.onChange?.(leading);
  }
}
