// Durable copy of the sandbox state on a JSON file, written by lowdb (temp file + rename, so a
// crash never leaves a half-written file). State lives in memory; writes are debounced off the
// request path and coalesced, and `flush()` waits for the last one (used on shutdown).
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';

export interface PersistenceOptions {
  file: string;
  /** Quiet time after the last change before writing. */
  debounceMs?: number;
  /** Upper bound on how long a stream of changes can delay a write. */
  maxDelayMs?: number;
}

export class Persistence<T> {
  readonly file: string;
  private readonly db: Low<T | null>;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private firstPendingAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private snapshot: (() => T) | null = null;
  private lastError: Error | null = null;
  /** Hears of every write: how long it took (seconds) and whether it failed (for /metrics). */
  onWritten: ((seconds: number, failed: boolean) => void) | null = null;

  constructor(options: PersistenceOptions) {
    this.file = options.file;
    this.debounceMs = options.debounceMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    // Compact JSON: lowdb's JSONFile pretty-prints, which costs 3-4× more time and disk.
    this.db = new Low<T | null>(new DataFile<T | null>(this.file, { parse: JSON.parse, stringify: (d) => JSON.stringify(d) }), null);
  }

  async read(): Promise<T | null> {
    await mkdir(dirname(this.file), { recursive: true });
    await this.db.read();
    return this.db.data;
  }

  /** `snapshot` returns the whole state to write; it is called when the write happens. */
  schedule(snapshot: () => T): void {
    this.snapshot = snapshot;
    const now = Date.now();
    if (this.timer) {
      if (now - this.firstPendingAt >= this.maxDelayMs) return; // let the pending timer fire
      clearTimeout(this.timer);
    } else {
      this.firstPendingAt = now;
    }
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstPendingAt + this.maxDelayMs - now));
    this.timer = setTimeout(() => void this.writeNow(), wait);
    this.timer.unref();
  }

  /** Writes what is pending, if anything, and waits for every write so far. */
  async flush(): Promise<void> {
    if (this.timer) await this.writeNow();
    await this.writing;
    if (this.lastError) throw this.lastError;
  }

  get error(): Error | null {
    return this.lastError;
  }

  private writeNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const snapshot = this.snapshot;
    this.snapshot = null;
    if (!snapshot) return this.writing;
    this.writing = this.writing.then(async () => {
      const started = performance.now();
      try {
        this.db.data = snapshot();
        await this.db.write();
        this.lastError = null;
        this.onWritten?.((performance.now() - started) / 1000, false);
      } catch (error) {
        this.onWritten?.((performance.now() - started) / 1000, true);
        // Keep serving from memory; the next change retries, and flush() reports it.
        this.lastError = error as Error;
        console.error(`marketplace-sandbox: could not write ${this.file}: ${(error as Error).message}`);
      }
    });
    return this.writing;
  }
}
