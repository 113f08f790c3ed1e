// Back-off on 429: the marketplace says how long to wait in `Retry-After`, so wait exactly that
// (never less, never a tight loop), and give up after a few tries with the wait still attached,
// so the caller can reschedule the work instead of hammering a limit that resets in an hour.

export interface BackoffPolicy {
  /** Retries after the first 429 (0 = never retry). */
  maxRetries: number;
  /** A longer Retry-After is not waited for in-process: the request fails with it instead. */
  maxWaitSeconds: number;
  /** Waits used when a 429 carries no Retry-After: 1 s, 2 s, 4 s, … */
  fallbackSeconds: number;
  /** How to wait; tests pass a recorder instead of a real timer. */
  sleep(ms: number): Promise<void>;
  /** Told before each wait, e.g. to log it. */
  onWait?(info: { attempt: number; waitSeconds: number; url: string }): void;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxRetries: 3,
  maxWaitSeconds: 60,
  fallbackSeconds: 1,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, nowMs = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Sends a request, waiting and resending while the answer is 429 and the policy allows it.
 * `send` is called once per attempt so each attempt gets fresh headers (e.g. a renewed token)
 * and a fresh body stream. The last response is returned as is: a 429 after the last retry is
 * the caller's to report.
 */
export async function sendWithBackoff(send: () => Promise<Response>, policy: BackoffPolicy, url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await send();
    if (response.status !== 429 || attempt >= policy.maxRetries) return response;
    const wait = retryAfterSeconds(response.headers.get('retry-after')) ?? policy.fallbackSeconds * 2 ** attempt;
    if (wait > policy.maxWaitSeconds) return response;
    await response.body?.cancel();
    policy.onWait?.({ attempt: attempt + 1, waitSeconds: wait, url });
    await policy.sleep(wait * 1000);
  }
}
