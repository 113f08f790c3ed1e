// Webhook delivery quotas: how many deliveries a partner (tenant) may receive, by plan, per UTC
// calendar day, plus one per-minute cap for every plan. Counted in wall time, like the API's
// daily quota (src/domain/rate-limit.ts): the day is the UTC calendar day of the wall clock and
// the minute the UTC calendar minute, whatever the tenant's sandbox clock says.
//
// A delivery counts once, when its event is queued for a subscription (and again when it is
// redelivered); its retries do not count. A ping neither counts nor is refused. A delivery over
// quota counts nothing.
import type { Plan } from './rate-limit.ts';

export const WEBHOOK_DAILY_QUOTAS: Record<Plan, number> = { basic: 100, growth: 1_000, enterprise: 10_000 };
export const WEBHOOK_PER_MINUTE = 1_000;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Deliveries counted so far (persisted in tenant state, so a restart does not refill the day). */
export type WebhookQuotaCounter = {
  day: number; // UTC day number (wall ms / 86 400 000) that day_used counts
  day_used: number;
  minute: number; // UTC minute number that minute_used counts
  minute_used: number;
};

export const newWebhookQuotaCounter = (): WebhookQuotaCounter => ({ day: -1, day_used: 0, minute: -1, minute_used: 0 });

export type WebhookQuotaVerdict =
  | { allowed: true }
  | { allowed: false; window: 'day' | 'minute'; limit: number; resets_at_ms: number };

/** Counts one delivery of a tenant on `plan` at wall time `nowMs`, or refuses it (counting nothing). */
export function takeWebhookDelivery(counter: WebhookQuotaCounter, plan: Plan, nowMs: number): WebhookQuotaVerdict {
  const day = Math.floor(nowMs / DAY_MS);
  const minute = Math.floor(nowMs / MINUTE_MS);
  if (counter.day !== day) Object.assign(counter, { day, day_used: 0 });
  if (counter.minute !== minute) Object.assign(counter, { minute, minute_used: 0 });
  const daily = WEBHOOK_DAILY_QUOTAS[plan];
  if (counter.day_used >= daily) return { allowed: false, window: 'day', limit: daily, resets_at_ms: (day + 1) * DAY_MS };
  if (counter.minute_used >= WEBHOOK_PER_MINUTE) return { allowed: false, window: 'minute', limit: WEBHOOK_PER_MINUTE, resets_at_ms: (minute + 1) * MINUTE_MS };
  counter.day_used++;
  counter.minute_used++;
  return { allowed: true };
}
