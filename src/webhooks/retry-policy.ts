// When a failed delivery is tried again. The default schedule waits 1, 2, 4, 8 and 16 seconds
// after the first, second, … failed attempt; after the last one the delivery is `failed`.
// A receiver's Retry-After is honoured (the wait is at least that long). `scale` multiplies every
// wait, Retry-After included, so tests can run the whole schedule in milliseconds.

export interface RetryPolicy {
  /** Seconds to wait after the 1st, 2nd, … failed attempt; its length is the number of retries. */
  schedule_seconds: number[];
  /** Multiplies every wait (1 = real time, 0.01 = a hundred times faster). */
  scale: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { schedule_seconds: [1, 2, 4, 8, 16], scale: 1 };

/** Longest Retry-After the sandbox agrees to wait, so a typo on the receiver's side cannot park a queue for days. */
const MAX_RETRY_AFTER_SECONDS = 3600;

/** Retry-After as seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), MAX_RETRY_AFTER_SECONDS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, (date - nowMs) / 1000), MAX_RETRY_AFTER_SECONDS);
}

/**
 * The wait before the next attempt, after `failedAttempts` failures in a row (1 after the first),
 * or null when the schedule is used up.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number, retryAfterSeconds: number | null): number | null {
  const scheduled = policy.schedule_seconds[failedAttempts - 1];
  if (scheduled === undefined) return null;
  return Math.round(Math.max(scheduled, retryAfterSeconds ?? 0) * 1000 * policy.scale);
}

/** Parses "1,2,4,8,16" (seconds); null when it is not a list of non-negative numbers. */
export function parseRetrySchedule(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  return parts.map(Number);
}
