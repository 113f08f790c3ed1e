// A subscription's own retry settings and the schedule that applies to its deliveries.
//
// Precedence, first that is set wins: the subscription's `retry_policy`, the tenant's scenario
// (`webhooks.retry_schedule_seconds`), the server's (`serve --webhook-retries`), the default
// 1, 2, 4, 8, 16 s. Within a retry_policy, `max_retries` is how many retries follow a failed first
// attempt and `schedule_seconds` the waits before them; a schedule shorter than max_retries repeats
// its last wait, a longer one is cut; either member alone takes the other from the schedule that
// would apply without the policy (max_retries alone: those waits, the last repeated; a schedule
// alone: one retry per wait).

/** The bounds of the spec's RetryPolicy schema (specs/marketplace.openapi.yaml validates them; a unit test keeps the two equal). */
export const RETRY_POLICY_BOUNDS = { max_retries: { min: 0, max: 10 }, wait_seconds: { min: 1, max: 86_400 }, schedule_entries: { min: 1, max: 10 } } as const;

export interface SubscriptionRetryPolicy {
  max_retries?: number;
  schedule_seconds?: number[];
}

/** The waits (seconds) before each retry of a delivery; its length is the number of retries. */
export function effectiveRetrySchedule(policy: SubscriptionRetryPolicy | null | undefined, fallback: readonly number[]): number[] {
  if (!policy || (policy.max_retries === undefined && policy.schedule_seconds === undefined)) return [...fallback];
  const waits = policy.schedule_seconds ?? fallback;
  const retries = policy.max_retries ?? waits.length;
  if (waits.length === 0) return [];
  return Array.from({ length: retries }, (_, i) => waits[Math.min(i, waits.length - 1)]!);
}
