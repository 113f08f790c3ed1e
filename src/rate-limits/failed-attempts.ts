// Failed credential attempts per client address: wrong admin tokens, unknown or revoked keys and
// access tokens, wrong OAuth client secrets. After `slowAfter` failures in a window each further
// failed answer waits longer; at `refuseAfter` the address is refused for `refuseMs`. Guessing a
// token or key then costs more than it can bring. A good request pays one Map lookup, and only
// while some address has failed at all.

export interface FailedAttemptLimits {
  /** Failures in a window before failed answers are slowed down. */
  slowAfter: number;
  /** Failures in a window at which the address is refused. */
  refuseAfter: number;
  /** The window failures are counted in, in ms. */
  windowMs: number;
  /** How long a refused address stays refused, in ms. */
  refuseMs: number;
  /** Added delay per failure over `slowAfter`, in ms, up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_FAILED_ATTEMPT_LIMITS: FailedAttemptLimits = {
  slowAfter: 5,
  refuseAfter: 20,
  windowMs: 10 * 60_000,
  refuseMs: 5 * 60_000,
  delayMs: 250,
  maxDelayMs: 3000,
};

/** Addresses remembered at most; the oldest entry goes first (memory stays bounded under a spray of addresses). */
const MAX_ADDRESSES = 10_000;

interface Record_ {
  count: number;
  since: number;
  refusedUntil: number;
}

export class FailedAttempts {
  readonly limits: FailedAttemptLimits;
  readonly #byAddress = new Map<string, Record_>();

  constructor(limits: Partial<FailedAttemptLimits> = {}) {
    this.limits = { ...DEFAULT_FAILED_ATTEMPT_LIMITS, ...limits };
  }

  /** Whether any address has failed at all: while none has, a request is not even asked its address. */
  get isEmpty(): boolean {
    return this.#byAddress.size === 0;
  }

  /** Milliseconds the address stays refused, 0 when it is not. */
  refusedFor(address: string, now: number): number {
    if (this.#byAddress.size === 0) return 0;
    const record = this.#byAddress.get(address);
    if (!record || record.refusedUntil <= now) return 0;
    return record.refusedUntil - now;
  }

  /** Counts one failure; returns how long its answer should wait (ms). */
  record(address: string, now: number): number {
    let record = this.#byAddress.get(address);
    if (!record || now - record.since > this.limits.windowMs) {
      this.#byAddress.delete(address);
      if (this.#byAddress.size >= MAX_ADDRESSES) this.#byAddress.delete(this.#byAddress.keys().next().value!);
      record = { count: 0, since: now, refusedUntil: 0 };
      this.#byAddress.set(address, record);
    }
    record.count++;
    if (record.count >= this.limits.refuseAfter) {
      record.refusedUntil = now + this.limits.refuseMs;
      record.since = now; // the window starts again after the refusal: one more failure is not a second refusal at once
      record.count = 0;
    }
    const over = record.count - this.limits.slowAfter;
    return over > 0 ? Math.min(over * this.limits.delayMs, this.limits.maxDelayMs) : 0;
  }

  /** Forgets every address (for tests and a reset of the whole sandbox). */
  clear(): void {
    this.#byAddress.clear();
  }
}
