// The go-live readiness report: the marketplace's integration rules judged over what a connector
// did (its ConnectorRecord, src/domain/connector-record.ts) and the state it left (orders, webhook
// deliveries). Plain data in, a report out; the control API (src/admin/readiness.ts) gathers the
// input, the CLI (src/readiness/) renders it as JSON, HTML and JUnit.
//
// Each rule has checks; a check is exercised when the run gave it something to judge, and a rule
// none of whose checks was exercised is "not_exercised", never "pass". The rule's verdict is its
// worst exercised check. The report fails when a rule fails, or when a rule the profile requires
// was not exercised.
import { singleItemRuns, STATUS_CLASSES, UPDATE_OPERATIONS, type Bucket, type ConnectorRecord, type Evidence } from './connector-record.ts';
import type { Order } from './types.ts';

export type Verdict = 'pass' | 'warn' | 'fail' | 'not_exercised';
export const RULE_IDS = [
  'only_real_changes',
  'batch_use',
  'polling_discipline',
  'retry_after_and_backoff',
  'rate_limit_headroom',
  'writes_to_inactive_products',
  'order_handling',
  'price_protection',
  'token_hygiene',
  'webhook_receiver',
  'error_profile',
  'coverage',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** Thresholds, by rule; profiles/go-live.yaml states every default below. */
export interface ReadinessProfile {
  name: string;
  /** Rules that must be exercised: not exercising one fails the report. */
  required: RuleId[];
  only_real_changes: { warn_share: number; fail_share: number };
  batch_use: { min_run: number; max_gap_seconds: number };
  polling_discipline: { min_interval_seconds: number; with_webhooks_min_interval_seconds: number; fail_share: number };
  retry_after_and_backoff: { min_retry_delay_ms: number };
  rate_limit_headroom: { warn_share: number; fail_share: number };
  order_handling: { confirm_within_minutes: number; ship_within_hours: number; shipped_within_hours: number };
  token_hygiene: { max_early_tokens: number };
  webhook_receiver: { min_success_rate: number; max_p95_ms: number };
  error_profile: { warn_validation_share: number; fail_validation_share: number };
  coverage: { operations: string[]; transitions: string[] };
}

export const DEFAULT_PROFILE: ReadinessProfile = {
  name: 'go-live',
  required: ['only_real_changes', 'polling_discipline', 'order_handling', 'error_profile', 'coverage'],
  only_real_changes: { warn_share: 0, fail_share: 0.05 },
  batch_use: { min_run: 5, max_gap_seconds: 10 },
  polling_discipline: { min_interval_seconds: 300, with_webhooks_min_interval_seconds: 900, fail_share: 0.05 },
  retry_after_and_backoff: { min_retry_delay_ms: 1000 },
  rate_limit_headroom: { warn_share: 0.8, fail_share: 1 },
  order_handling: { confirm_within_minutes: 120, ship_within_hours: 24, shipped_within_hours: 48 },
  token_hygiene: { max_early_tokens: 2 },
  webhook_receiver: { min_success_rate: 0.95, max_p95_ms: 2000 },
  error_profile: { warn_validation_share: 0, fail_validation_share: 0.01 },
  coverage: {
    operations: ['listUnconfirmedOrders', 'updateOrderStatus', 'updateAvailability', 'updateProductPrice'],
    transitions: ['open>shipping', 'shipping>shipped'],
  },
};

/** A profile as a file gives it: any part may be left out and takes the default. */
export type ProfileOverrides = { [K in keyof ReadinessProfile]?: ReadinessProfile[K] extends unknown[] | string ? ReadinessProfile[K] : Partial<ReadinessProfile[K]> };

export function resolveProfile(overrides: ProfileOverrides | undefined): ReadinessProfile {
  const profile = structuredClone(DEFAULT_PROFILE);
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) continue;
    const slot = key as keyof ReadinessProfile;
    if (typeof value === 'object' && !Array.isArray(value)) Object.assign(profile[slot] as object, value);
    else (profile as unknown as Record<string, unknown>)[slot] = value;
  }
  return profile;
}

export interface Check {
  name: string;
  verdict: Verdict;
  /** What was measured, in words with the figures. */
  measured: string;
  /** The profile's threshold, in words. */
  threshold: string;
  evidence: string[];
}

export interface RuleResult {
  id: RuleId;
  title: string;
  /** The marketplace rule it comes from. */
  source: string;
  verdict: Verdict;
  required: boolean;
  checks: Check[];
  /** Request ids (req_…), delivery ids (dlv_…) or order ids behind the findings. */
  evidence: string[];
  counts: Record<string, number>;
  /** What to change, when the rule did not pass. */
  advice: string | null;
}

export interface AttemptFact {
  delivery_id: string;
  at: number; // wall ms
  ok: boolean;
  latency_ms: number | null;
  /** The subscription receives order events. */
  orders: boolean;
}

export interface SignatureProbe {
  subscription_id: string;
  status_code: number | null;
  error: string | null;
}

export interface ReadinessInput {
  tenant_id: string;
  record: ConnectorRecord;
  profile: ReadinessProfile;
  /** Wall ms; null: from the start, or up to now. */
  since: number | null;
  until: number | null;
  now: number;
  /** The tenant's sandbox clock at a wall time. */
  sandboxAt: (wallMs: number) => number;
  orders: Iterable<Order>;
  attempts: AttemptFact[];
  probes: SignatureProbe[] | null;
  /** The plan's limits: per group per minute, burst per minute, daily quota. */
  limits: { groups: Record<string, number>; burst_per_minute: number; daily_quota: number };
  /** Rate-limit group of each operation. */
  groupOf: Record<string, string>;
}

export interface TimelineColumn {
  start: string;
  /** By operation: requests per status class. */
  operations: Record<string, Record<(typeof STATUS_CLASSES)[number], number>>;
}

export interface ReadinessReport {
  tenant_id: string;
  generated_at: string;
  profile: string;
  window: { since: string | null; until: string | null; bucket_seconds: number };
  verdict: 'pass' | 'fail';
  summary: Record<Verdict, number>;
  requests: { total: number; by_operation: { operation_id: string; total: number; by_status: Record<(typeof STATUS_CLASSES)[number], number> }[] };
  timeline: { column_seconds: number; columns: TimelineColumn[] };
  rules: RuleResult[];
}

const TIMELINE_COLUMNS = 120;
const pct = (share: number): string => `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)} %`;
const ids = (evidence: Evidence[] | undefined, since: number, until: number): string[] => (evidence ?? []).filter((e) => e.at >= since && e.at < until).map((e) => e.id);
const worst = (verdicts: Verdict[]): Verdict => {
  const exercised = verdicts.filter((v) => v !== 'not_exercised');
  if (!exercised.length) return 'not_exercised';
  return exercised.includes('fail') ? 'fail' : exercised.includes('warn') ? 'warn' : 'pass';
};
const check = (name: string, verdict: Verdict, measured: string, threshold: string, evidence: string[] = []): Check => ({ name, verdict, measured, threshold, evidence: evidence.slice(0, 20) });
const idle = (name: string, measured: string, threshold: string): Check => check(name, 'not_exercised', measured, threshold);
const minutes = (ms: number): string => (ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);

/** Everything the buckets of the window add up to. */
interface Totals {
  buckets: Bucket[];
  ops: Map<string, number[]>;
  tallies: Map<string, number>;
  requests: number;
}

function totalsOf(record: ConnectorRecord, since: number, until: number): Totals {
  // A bucket belongs to the window when it starts inside it (the window is as fine as a bucket).
  const buckets = record.buckets.filter((b) => b.start + record.bucketMs > since && b.start < until);
  const ops = new Map<string, number[]>();
  const tallies = new Map<string, number>();
  let requests = 0;
  for (const b of buckets) {
    for (const [op, counts] of b.ops) {
      let sum = ops.get(op);
      if (!sum) ops.set(op, (sum = [0, 0, 0, 0, 0, 0]));
      for (let i = 0; i < counts.length; i++) {
        sum[i]! += counts[i]!;
        requests += counts[i]!;
      }
    }
    for (const [key, n] of b.tallies) tallies.set(key, (tallies.get(key) ?? 0) + n);
  }
  return { buckets, ops, tallies, requests };
}

export function readinessReport(input: ReadinessInput): ReadinessReport {
  const since = input.since ?? -Infinity;
  const until = input.until ?? Infinity;
  const totals = totalsOf(input.record, since, until);
  const t = (key: string): number => totals.tallies.get(key) ?? 0;
  const ev = (kind: string): string[] => ids(input.record.evidence.get(kind), since, until);
  const p = input.profile;
  const inWindow = (at: number) => at >= since && at < until;

  const rules: Omit<RuleResult, 'verdict' | 'required'>[] = [];

  // Only real changes.
  {
    const updates = t('update');
    const unchanged = t('unchanged_update');
    const share = updates ? unchanged / updates : 0;
    const { warn_share, fail_share } = p.only_real_changes;
    const verdict: Verdict = !updates ? 'not_exercised' : share > fail_share ? 'fail' : share > warn_share ? 'warn' : 'pass';
    rules.push({
      id: 'only_real_changes',
      title: 'Only real changes',
      source: 'MALL integration rules: send only changes; an update that sets what the marketplace already has wastes your quota and ours.',
      checks: [check('unchanged updates', verdict, `${unchanged} of ${updates} price, availability, inventory and status updates changed nothing (${pct(share)})`, `warn above ${pct(warn_share)}, fail above ${pct(fail_share)}`, ev('unchanged_update'))],
      evidence: ev('unchanged_update'),
      counts: { updates, unchanged },
      advice: 'Compare with what you last sent (or read) and send only what changed; keep a hash of the last state you pushed per item.',
    });
  }

  // Batch use.
  {
    const { min_run, max_gap_seconds } = p.batch_use;
    const runs = singleItemRuns(input.record).filter((r) => inWindow(r.first) && r.count >= min_run && r.max_gap_ms <= max_gap_seconds * 1000);
    const single = t('single_item');
    const stockWrites = ['updateAvailability', 'updateInventoryItem', 'syncInventory'].reduce((n, op) => n + (totals.ops.get(op)?.reduce((a, b) => a + b, 0) ?? 0), 0);
    const wasted = runs.reduce((n, r) => n + r.count - 1, 0);
    const evidence = runs.flatMap((r) => r.ids);
    const verdict: Verdict = !stockWrites ? 'not_exercised' : runs.length ? 'fail' : 'pass';
    rules.push({
      id: 'batch_use',
      title: 'Batch endpoints for stock',
      source: 'MALL integration rules: use the batch endpoints; availability goes in batches of up to 1000 items, inventory in a bulk sync.',
      checks: [
        check(
          'runs of single-item writes',
          verdict,
          `${runs.length} runs of ${min_run} or more single-item availability or inventory calls (${single} single-item calls in all); one batch call each would have saved ${wasted} requests`,
          `no run of ${min_run} single-item calls less than ${max_gap_seconds} s apart`,
          evidence,
        ),
      ],
      evidence,
      counts: { stock_writes: stockWrites, single_item_calls: single, runs: runs.length, calls_a_batch_would_save: wasted },
      advice: 'Collect stock changes and send them with PUT /api/v2/availability (up to 1000 items per call) or POST /api/v2/inventory/sync (up to 10 000 lines).',
    });
  }

  // Polling discipline.
  {
    const { min_interval_seconds, with_webhooks_min_interval_seconds, fail_share } = p.polling_discipline;
    const polls = input.record.polls.filter((poll) => inWindow(poll.at));
    const orderAttempts = input.attempts.filter((a) => a.orders).sort((a, b) => a.at - b.at);
    const webhookWorkingAt = (at: number): boolean => {
      let last: AttemptFact | undefined;
      for (const a of orderAttempts) {
        if (a.at > at) break;
        last = a;
      }
      return last?.ok === true;
    };
    // A read-on after handling what the previous poll found is part of that round, not a new poll.
    const timed = polls.filter((poll) => poll.interval !== null && !poll.continuation);
    const fast = timed.filter((poll) => poll.interval! < min_interval_seconds * 1000);
    const withWebhook = timed.filter((poll) => poll.interval! < with_webhooks_min_interval_seconds * 1000 && poll.interval! >= min_interval_seconds * 1000 && webhookWorkingAt(poll.at));
    const judge = (n: number): Verdict => (!timed.length ? 'not_exercised' : n / timed.length > fail_share ? 'fail' : n ? 'warn' : 'pass');
    const shortest = timed.reduce((m, poll) => Math.min(m, poll.interval!), Infinity);
    rules.push({
      id: 'polling_discipline',
      title: 'Polling discipline',
      source: 'Marketplace order documentation: poll new and unconfirmed orders every few minutes at most, and rely on webhooks where a subscription works.',
      checks: [
        check(
          'poll interval',
          judge(fast.length),
          timed.length ? `${fast.length} of ${timed.length} polls of the order lists came sooner than ${min_interval_seconds} s (sandbox time) after the previous one; the shortest gap was ${(shortest / 1000).toFixed(1)} s` : `${polls.length} polls: too few to time`,
          `at least ${min_interval_seconds} s between polls; fail when more than ${pct(fail_share)} are sooner`,
          fast.map((poll) => poll.id),
        ),
        check(
          'polling beside a working webhook',
          timed.length && orderAttempts.length ? judge(withWebhook.length) : 'not_exercised',
          orderAttempts.length ? `${withWebhook.length} polls sooner than ${with_webhooks_min_interval_seconds} s while order webhooks were being delivered` : 'no order webhook was delivered',
          `with a working order webhook, at least ${with_webhooks_min_interval_seconds} s between polls`,
          withWebhook.map((poll) => poll.id),
        ),
      ],
      evidence: [...fast, ...withWebhook].map((poll) => poll.id).slice(0, 50),
      counts: { polls: polls.length, too_soon: fast.length, too_soon_with_webhooks: withWebhook.length },
      advice: `Poll GET /api/v2/orders/unconfirmed at most every ${Math.round(min_interval_seconds / 60)} minutes, and with a working webhook subscription react to order.created instead, polling only as a slow safety net.`,
    });
  }

  // Retry-After and back-off.
  {
    const { min_retry_delay_ms } = p.retry_after_and_backoff;
    const toldToWait = t('told_to_wait');
    const early = ev('retry_after_ignored');
    const retries = input.record.retries.filter((r) => inWindow(r.at));
    const hasty = retries.filter((r) => r.gap_ms < min_retry_delay_ms || !r.grew);
    const failures = [...totals.ops.values()].reduce((n, c) => n + c[4]! + c[5]!, 0);
    rules.push({
      id: 'retry_after_and_backoff',
      title: 'Retry-After and back-off',
      source: 'MALL integration rules: respect the limiter; after a 429 or 503 wait as long as Retry-After says, and back off exponentially after errors.',
      checks: [
        check(
          'Retry-After respected',
          !toldToWait && !early.length ? 'not_exercised' : early.length ? 'fail' : 'pass',
          `${t('retry_after_ignored')} requests were sent before the Retry-After of an earlier 429 or 503 had passed (${toldToWait} 429 and 503 answers gave a Retry-After)`,
          'none',
          early,
        ),
        check(
          'back-off after 5xx and timeouts',
          !retries.length ? 'not_exercised' : hasty.length ? 'fail' : 'pass',
          `${retries.length} retries after ${failures} 5xx answers or timeouts; ${hasty.length} came sooner than ${min_retry_delay_ms} ms or without a growing wait`,
          `at least ${min_retry_delay_ms} ms before the first retry, each wait longer than the last`,
          hasty.map((r) => r.id),
        ),
      ],
      evidence: [...early, ...hasty.map((r) => r.id)].slice(0, 50),
      counts: { asked_to_wait: toldToWait, sent_too_early: t('retry_after_ignored'), retries: retries.length, retries_without_backoff: hasty.length, failures },
      advice: 'On 429 and 503 wait exactly Retry-After (seconds or an HTTP date) before the next request of that group; after a 5xx or a timeout wait 1 s, then 2 s, 4 s … with jitter, and give up after a few tries.',
    });
  }

  rules.push(headroom(input, totals));

  // Writes to deleted or inactive products.
  {
    const writes = [...totals.ops.entries()].filter(([op]) => UPDATE_OPERATIONS.has(op) && op !== 'updateOrderStatus').reduce((n, [, c]) => n + c.reduce((a, b) => a + b, 0), 0);
    const deleted = ev('deleted_product');
    const inactive = ev('inactive_product');
    rules.push({
      id: 'writes_to_inactive_products',
      title: 'No writes to deleted or inactive products',
      source: 'Marketplace catalogue documentation: deleted products are gone and inactive ones are not sold; keep your product map in step with product.deleted and product.updated.',
      checks: [
        check('writes to deleted products', !writes ? 'not_exercised' : deleted.length ? 'fail' : 'pass', `${t('deleted_product')} of ${writes} product writes went to deleted products`, 'none', deleted),
        check('writes to inactive products', !writes ? 'not_exercised' : inactive.length ? 'warn' : 'pass', `${t('inactive_product')} of ${writes} product writes went to inactive products`, 'none (warn)', inactive),
      ],
      evidence: [...deleted, ...inactive],
      counts: { product_writes: writes, to_deleted: t('deleted_product'), to_inactive: t('inactive_product') },
      advice: 'Drop a product from your sync when product.deleted arrives (or its GET answers 404), and skip price and stock pushes for inactive products.',
    });
  }

  rules.push(orderHandling(input, t, ev));

  // Price protection.
  {
    const refused = t('price_confirmation_required');
    const blind = ev('price_blind_retry');
    const resubmitted = t('price_resubmitted');
    rules.push({
      id: 'price_protection',
      title: 'Price protection',
      source: 'Marketplace price documentation: a change of more than 30 % is refused with a force token; resubmit the same change with it, deliberately.',
      checks: [
        check(
          'answers to force-token refusals',
          !refused ? 'not_exercised' : blind.length ? 'fail' : 'pass',
          `${refused} price changes were refused for confirmation; ${resubmitted} were resubmitted with the force token, ${t('price_blind_retry')} were sent again without it`,
          'no blind retry',
          blind,
        ),
      ],
      evidence: [...blind, ...ev('price_resubmitted')].slice(0, 50),
      counts: { refusals: refused, resubmitted, blind_retries: t('price_blind_retry') },
      advice: 'On 409 price_change_requires_confirmation either resubmit the same price with force_token from the answer, or drop the change and flag it; never send it again unchanged.',
    });
  }

  // Token hygiene.
  {
    const grants = t('token_grant');
    const early = ev('token_while_valid');
    const reused = ev('refresh_token_reused');
    const { max_early_tokens } = p.token_hygiene;
    const oauth = grants > 0 || t('oauth_request') > 0;
    rules.push({
      id: 'token_hygiene',
      title: 'OAuth token hygiene',
      source: 'Marketplace OAuth documentation: access tokens live an hour; reuse one until it is about to expire, and use each rotated refresh token once.',
      checks: [
        check(
          'tokens reused until they expire',
          !oauth ? 'not_exercised' : t('token_while_valid') > max_early_tokens ? 'fail' : t('token_while_valid') ? 'warn' : 'pass',
          `${grants} tokens issued for ${t('oauth_request')} requests with a token; ${t('token_while_valid')} were asked for while the last one had more than half its life left`,
          `at most ${max_early_tokens} early tokens (a restart may ask for one)`,
          early,
        ),
        check('refresh tokens used once', !oauth ? 'not_exercised' : reused.length ? 'fail' : 'pass', `${t('refresh_token_reused')} spent refresh tokens were sent again (each revoked its family)`, 'none', reused),
      ],
      evidence: [...early, ...reused].slice(0, 50),
      counts: { tokens_issued: grants, requests_with_token: t('oauth_request'), early_tokens: t('token_while_valid'), refresh_reuse: t('refresh_token_reused') },
      advice: 'Cache the access token and its expiry; refresh a minute before it expires, one refresh at a time, and keep the rotated refresh token.',
    });
  }

  rules.push(webhookReceiver(input));

  // Error profile.
  {
    const codes = [...totals.tallies.entries()].filter(([k]) => k.startsWith('code:')).map(([k, n]) => [k.slice(5), n] as const).sort((a, b) => b[1] - a[1]);
    const validation = t('code:validation_failed');
    const share = totals.requests ? validation / totals.requests : 0;
    const { warn_validation_share, fail_validation_share } = p.error_profile;
    const fivexx = [...totals.ops.values()].reduce((n, c) => n + c[4]!, 0);
    const dropped = [...totals.ops.values()].reduce((n, c) => n + c[5]!, 0);
    const retried = input.record.retries.filter((r) => inWindow(r.at)).length;
    rules.push({
      id: 'error_profile',
      title: 'Error profile',
      source: 'Marketplace API guidelines: a 4xx is the caller\'s mistake; validation errors are connector bugs to fix before go-live.',
      checks: [
        check(
          'validation errors',
          !totals.requests ? 'not_exercised' : share > fail_validation_share ? 'fail' : share > warn_validation_share ? 'warn' : 'pass',
          `${validation} of ${totals.requests} requests were refused as invalid (${pct(share)}); 4xx by code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`,
          `warn above ${pct(warn_validation_share)}, fail above ${pct(fail_validation_share)}`,
          ev('validation_failed'),
        ),
        check(
          'reaction to 5xx and timeouts',
          fivexx + dropped === 0 ? 'not_exercised' : 'pass',
          `${fivexx} 5xx answers and ${dropped} dropped connections; ${retried} requests were retried (their timing is judged by retry_after_and_backoff)`,
          'retried with back-off, or given up',
        ),
      ],
      evidence: ev('validation_failed'),
      counts: { requests: totals.requests, validation_errors: validation, server_errors: fivexx, timeouts: dropped, ...Object.fromEntries(codes.map(([c, n]) => [`4xx_${c}`, n])) },
      advice: 'Validate bodies against specs/marketplace.openapi.yaml before sending (the typed client does); each validation_failed answer names the pointer that was wrong.',
    });
  }

  // Coverage.
  {
    const exercised = new Set([...totals.ops.entries()].filter(([, c]) => c[0]! + c[1]! > 0).map(([op]) => op));
    const moves = new Set([...totals.tallies.keys()].filter((k) => k.startsWith('move:')).map((k) => k.slice(5)));
    const missingOps = p.coverage.operations.filter((op) => !exercised.has(op));
    const missingMoves = p.coverage.transitions.filter((m) => !moves.has(m));
    rules.push({
      id: 'coverage',
      title: 'Coverage',
      source: 'Marketplace go-live pilot: the integration must have exercised every operation and order transition it will use in production.',
      checks: [
        check(
          'operations',
          !totals.requests ? 'not_exercised' : missingOps.length ? 'fail' : 'pass',
          `${exercised.size} operations answered 2xx: ${[...exercised].sort().join(', ') || 'none'}${missingOps.length ? `; never: ${missingOps.join(', ')}` : ''}`,
          `the profile's ${p.coverage.operations.length} operations`,
        ),
        check(
          'order transitions',
          !totals.requests ? 'not_exercised' : missingMoves.length ? 'fail' : 'pass',
          `transitions made: ${[...moves].sort().join(', ') || 'none'}${missingMoves.length ? `; never: ${missingMoves.join(', ')}` : ''}`,
          `the profile's transitions: ${p.coverage.transitions.join(', ')}`,
        ),
      ],
      evidence: [],
      counts: { operations_exercised: exercised.size, transitions_made: moves.size, operations_missing: missingOps.length, transitions_missing: missingMoves.length },
      advice: `Run the flows that use ${[...missingOps, ...missingMoves].join(', ') || 'every operation you need'} against the sandbox, or take what you do not use out of the profile.`,
    });
  }

  const results: RuleResult[] = rules.map((rule) => {
    const verdict = worst(rule.checks.map((c) => c.verdict));
    return { ...rule, verdict, required: p.required.includes(rule.id), advice: verdict === 'pass' ? null : rule.advice };
  });
  const summary: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, not_exercised: 0 };
  for (const r of results) summary[r.verdict]++;
  const failed = results.some((r) => r.verdict === 'fail' || (r.required && r.verdict === 'not_exercised'));

  const byOperation = [...totals.ops.entries()]
    .map(([operation_id, c]) => ({ operation_id, total: c.reduce((a, b) => a + b, 0), by_status: byStatus(c) }))
    .sort((a, b) => b.total - a.total);
  return {
    tenant_id: input.tenant_id,
    generated_at: new Date(input.now).toISOString(),
    profile: p.name,
    window: { since: input.since === null ? null : new Date(input.since).toISOString(), until: input.until === null ? null : new Date(input.until).toISOString(), bucket_seconds: input.record.bucketMs / 1000 },
    verdict: failed ? 'fail' : 'pass',
    summary,
    requests: { total: totals.requests, by_operation: byOperation },
    timeline: timeline(totals.buckets, input.record.bucketMs),
    rules: results,
  };
}

const byStatus = (c: number[]): Record<(typeof STATUS_CLASSES)[number], number> =>
  Object.fromEntries(STATUS_CLASSES.map((name, i) => [name, c[i]!])) as Record<(typeof STATUS_CLASSES)[number], number>;

/** At most TIMELINE_COLUMNS columns, each summing whole buckets. */
function timeline(buckets: Bucket[], bucketMs: number): ReadinessReport['timeline'] {
  if (!buckets.length) return { column_seconds: bucketMs / 1000, columns: [] };
  const span = buckets[buckets.length - 1]!.start + bucketMs - buckets[0]!.start;
  const per = Math.max(1, Math.ceil(span / bucketMs / TIMELINE_COLUMNS));
  const columnMs = per * bucketMs;
  const origin = buckets[0]!.start;
  const columns = new Map<number, Map<string, number[]>>();
  for (const b of buckets) {
    const index = Math.floor((b.start - origin) / columnMs);
    let column = columns.get(index);
    if (!column) columns.set(index, (column = new Map()));
    for (const [op, counts] of b.ops) {
      const sum = column.get(op) ?? [0, 0, 0, 0, 0, 0];
      counts.forEach((n, i) => (sum[i]! += n));
      column.set(op, sum);
    }
  }
  return {
    column_seconds: columnMs / 1000,
    columns: [...columns.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, ops]) => ({ start: new Date(origin + index * columnMs).toISOString(), operations: Object.fromEntries([...ops].map(([op, c]) => [op, byStatus(c)])) })),
  };
}

function headroom(input: ReadinessInput, totals: Totals): Omit<RuleResult, 'verdict' | 'required'> {
  const { warn_share, fail_share } = input.profile.rate_limit_headroom;
  // Peaks per bucket: exact per calendar minute while buckets are a minute wide, else an average over the bucket.
  const minutesPerBucket = input.record.bucketMs / 60_000;
  const groupPeak = new Map<string, number>();
  let burstPeak = 0;
  const days = new Map<number, number>();
  for (const b of totals.buckets) {
    const perGroup = new Map<string, number>();
    let all = 0;
    for (const [op, c] of b.ops) {
      // Refused requests (429) consume nothing.
      const counted = c[0]! + c[1]! + c[2]! + c[4]! + c[5]!;
      const group = input.groupOf[op] ?? 'default';
      perGroup.set(group, (perGroup.get(group) ?? 0) + counted);
      all += counted;
    }
    for (const [g, n] of perGroup) groupPeak.set(g, Math.max(groupPeak.get(g) ?? 0, n / minutesPerBucket));
    burstPeak = Math.max(burstPeak, all / minutesPerBucket);
    const day = Math.floor(b.start / 86_400_000);
    days.set(day, (days.get(day) ?? 0) + all);
  }
  const dayPeak = Math.max(0, ...days.values());
  const uses: { name: string; peak: number; limit: number }[] = [
    ...[...groupPeak].filter(([g]) => input.limits.groups[g] !== undefined).map(([g, peak]) => ({ name: `group ${g} (per minute)`, peak, limit: input.limits.groups[g]! })),
    { name: 'burst (all groups, per minute)', peak: burstPeak, limit: input.limits.burst_per_minute },
    { name: 'daily quota', peak: dayPeak, limit: input.limits.daily_quota },
  ];
  const refused = totals.tallies.get('refused') ?? 0;
  const checks = uses.map((u) => {
    const share = u.limit ? u.peak / u.limit : 0;
    return check(`peak use of the ${u.name}`, !totals.requests ? 'not_exercised' : share >= fail_share ? 'fail' : share >= warn_share ? 'warn' : 'pass', `peak ${Math.round(u.peak)} of ${u.limit} (${pct(share)})`, `warn at ${pct(warn_share)}, fail at ${pct(fail_share)} of the plan`);
  });
  return {
    id: 'rate_limit_headroom',
    title: 'Rate-limit headroom',
    source: 'Marketplace rate-limit documentation: stay inside your plan\'s per-group limits, its burst per minute and its daily quota, with room for peaks.',
    checks,
    evidence: [],
    counts: { refused_429: refused, daily_peak: dayPeak, burst_peak_per_minute: Math.round(burstPeak) },
    advice: 'Spread requests over the window (pace by X-RateLimit-Remaining and X-RateLimit-Reset), batch stock updates, and poll less often; a plan upgrade is the last resort.',
  };
}

function orderHandling(input: ReadinessInput, t: (key: string) => number, ev: (kind: string) => string[]): Omit<RuleResult, 'verdict' | 'required'> {
  const { confirm_within_minutes, ship_within_hours, shipped_within_hours } = input.profile.order_handling;
  const confirmMs = confirm_within_minutes * 60_000;
  const shipMs = ship_within_hours * 3_600_000;
  const shippedMs = shipped_within_hours * 3_600_000;
  const from = Math.max(input.record.firstSandboxAt ?? Infinity, input.since === null ? -Infinity : input.sandboxAt(input.since));
  const to = input.until === null ? input.sandboxAt(input.now) : input.sandboxAt(Math.min(input.until, input.now));
  const lateConfirm: string[] = [];
  const lateAck: string[] = [];
  let confirmable = 0;
  let cancellationsInShipping = 0;
  const lateShipping: string[] = [];
  const lateShipped: string[] = [];
  let toShip = 0;
  let toMarkShipped = 0;
  for (const order of input.orders) {
    const history = order.history;
    // The moment the order last needed the partner's confirmation (it entered open or cancelled).
    let index = history.length - 1;
    while (index >= 0 && history[index]!.status !== 'open' && history[index]!.status !== 'cancelled') index--;
    const episode = history[index];
    if (episode) {
      const entered = Date.parse(episode.at);
      const start = Math.max(entered, from);
      const current = index === history.length - 1;
      const confirmedAt = input.record.confirmations.get(order.id);
      // Confirmed as recorded since then; else, still waiting in that status; anything else (moved on
      // before the record began, confirmed by someone else) is not the connector's doing to judge.
      const took = confirmedAt !== undefined && confirmedAt >= entered ? confirmedAt - start : current && !order.confirmed ? to - start : null;
      // An unconfirmed order still within its time is pending, not judged yet.
      const judged = start <= to && took !== null && (confirmedAt !== undefined || took > confirmMs);
      if (judged) {
        const duringShipping = episode.status === 'cancelled' && history[index - 1]?.status === 'shipping';
        confirmable++;
        if (duringShipping) cancellationsInShipping++;
        if (took > confirmMs) (duringShipping ? lateAck : lateConfirm).push(`${order.id} (${confirmedAt !== undefined ? `confirmed after ${minutes(took)}` : `unconfirmed for ${minutes(took)}`})`);
      }
    }
    // Open → shipping and shipping → shipped, counted from when the connector could act.
    for (let i = 0; i < history.length; i++) {
      const step = history[i]!;
      const next = history[i + 1];
      const limit = step.status === 'open' ? shipMs : step.status === 'shipping' ? shippedMs : null;
      if (limit === null) continue;
      const start = Math.max(Date.parse(step.at), from);
      if (start > to) continue;
      const end = next ? Date.parse(next.at) : to;
      // Moved on before the record began, or cancelled: nothing the connector had to do.
      if (next && (next.status === 'cancelled' || end < from)) continue;
      if (!next && end - start <= limit) continue; // still within its time
      if (step.status === 'open') toShip++;
      else toMarkShipped++;
      if (end - start > limit) (step.status === 'open' ? lateShipping : lateShipped).push(`${order.id} (${next ? `after ${minutes(end - start)}` : `still ${step.status} after ${minutes(end - start)}`})`);
    }
  }
  const refusedShipped = ev('shipped_missing_tracking');
  const judge = (n: number, late: string[]): Verdict => (!n ? 'not_exercised' : late.length ? 'fail' : 'pass');
  const statusWrites = t('move:open>shipping') + t('move:shipping>shipped') + refusedShipped.length;
  return {
    id: 'order_handling',
    title: 'Order handling',
    source: 'MALL integration rules: confirm every order (open ones to accept them, cancelled ones to acknowledge the cancel), ship in time, and send shipped with carrier, tracking number and tracking URL in one call.',
    checks: [
      check('orders confirmed in time', judge(confirmable - cancellationsInShipping, lateConfirm), `${lateConfirm.length} of ${confirmable - cancellationsInShipping} open or cancelled orders were confirmed later than ${confirm_within_minutes} min (sandbox time), or are still waiting`, `within ${confirm_within_minutes} min`, lateConfirm),
      check('cancellations in shipping acknowledged', judge(cancellationsInShipping, lateAck), `${lateAck.length} of ${cancellationsInShipping} customer cancellations during shipping were not acknowledged within ${confirm_within_minutes} min`, `within ${confirm_within_minutes} min`, lateAck),
      check('moved to shipping in time', judge(toShip, lateShipping), `${lateShipping.length} of ${toShip} open orders reached shipping later than ${ship_within_hours} h`, `within ${ship_within_hours} h`, lateShipping),
      check('shipped in time', judge(toMarkShipped, lateShipped), `${lateShipped.length} of ${toMarkShipped} orders in shipping were marked shipped later than ${shipped_within_hours} h`, `within ${shipped_within_hours} h`, lateShipped),
      check(
        'shipped with all tracking in one call',
        !statusWrites ? 'not_exercised' : refusedShipped.length ? 'fail' : 'pass',
        `${t('shipped_missing_tracking')} attempts to mark an order shipped were refused for missing carrier, tracking number or tracking URL; ${t('move:shipping>shipped')} succeeded`,
        'no refused attempt',
        refusedShipped,
      ),
    ],
    evidence: [...lateConfirm, ...lateAck, ...lateShipping, ...lateShipped].map((e) => e.split(' ')[0]!).concat(refusedShipped).slice(0, 50),
    counts: { confirmable, late_confirmations: lateConfirm.length, cancellations_in_shipping: cancellationsInShipping, late_acknowledgements: lateAck.length, late_shipping: lateShipping.length, late_shipped: lateShipped.length, refused_shipped: t('shipped_missing_tracking') },
    advice: `Poll GET /api/v2/orders/unconfirmed (or react to order.created and order.cancelled) and confirm each order within ${confirm_within_minutes} minutes; move accepted orders to shipping at once and to shipped with carrier, tracking_number and tracking_url in the same PATCH.`,
  };
}

function webhookReceiver(input: ReadinessInput): Omit<RuleResult, 'verdict' | 'required'> {
  const { min_success_rate, max_p95_ms } = input.profile.webhook_receiver;
  const since = input.since ?? -Infinity;
  const until = input.until ?? Infinity;
  const attempts = input.attempts.filter((a) => a.at >= since && a.at < until);
  const ok = attempts.filter((a) => a.ok).length;
  const rate = attempts.length ? ok / attempts.length : 0;
  const latencies = attempts.map((a) => a.latency_ms).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const p95 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.95) - 1)]! : 0;
  const failed = attempts.filter((a) => !a.ok).map((a) => a.delivery_id);
  const slow = attempts.filter((a) => (a.latency_ms ?? 0) > max_p95_ms).map((a) => a.delivery_id);
  const probes = input.probes;
  const notRefused = probes?.filter((pr) => pr.status_code === null || pr.status_code < 400 || pr.status_code >= 500) ?? [];
  return {
    id: 'webhook_receiver',
    title: 'Webhook receiver',
    source: 'Marketplace webhook documentation: answer 2xx within 2 s and verify the signature of every delivery.',
    checks: [
      check('success rate', !attempts.length ? 'not_exercised' : rate < min_success_rate ? 'fail' : 'pass', `${ok} of ${attempts.length} delivery attempts were answered 2xx (${pct(rate)})`, `at least ${pct(min_success_rate)}`, failed),
      check('response time', !latencies.length ? 'not_exercised' : p95 > max_p95_ms ? 'fail' : 'pass', `p95 ${Math.round(p95)} ms over ${latencies.length} attempts`, `p95 at most ${max_p95_ms} ms`, slow),
      probes === null
        ? idle('signature checking', 'not probed (run with --probe-signatures)', 'a delivery with a wrong signature is refused with a 4xx')
        : check(
            'signature checking',
            !probes.length ? 'not_exercised' : notRefused.length ? 'fail' : 'pass',
            probes.length ? probes.map((pr) => `${pr.subscription_id}: ${pr.status_code ?? pr.error}`).join('; ') : 'no active subscription to probe',
            'a delivery with a wrong signature is refused with a 4xx',
            notRefused.map((pr) => pr.subscription_id),
          ),
    ],
    evidence: [...failed, ...slow].slice(0, 50),
    counts: { attempts: attempts.length, succeeded: ok, p95_ms: Math.round(p95), probes: probes?.length ?? 0, probes_not_refused: notRefused.length },
    advice: 'Acknowledge with 2xx as soon as the delivery is stored and do the work afterwards; verify webhook-signature over the raw body with the subscription secret and answer 400 when it does not match.',
  };
}
