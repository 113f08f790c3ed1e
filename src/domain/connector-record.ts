// What a connector did, rolled up per tenant for the readiness report (src/domain/readiness.ts).
// The request journal is a ring buffer that forgets; this record keeps, in bounded memory, what
// the marketplace's integration rules are judged on:
//   - time buckets of requests by operation and status class, plus tallies (notes, problem codes,
//     transitions): at most MAX_BUCKETS of them; when a run outgrows that, neighbours merge and a
//     bucket spans twice the time (1 minute at first; a week of traffic is 2016 buckets of 8 minutes);
//   - evidence: the request ids behind each finding, the latest SAMPLES_PER_KIND per kind;
//   - the recent polls and retries the rules time (the latest RECENT of each);
//   - a little state that spans requests: the last poll per operation, open Retry-After windows,
//     the last failure per method and path, the current run of single-item writes, the last
//     force-token refusal per price path, when each order was confirmed (the latest CONFIRMATIONS).
// Fed once per answered request from the request-journal policy: a few map lookups and counter
// increments; anything allocated is allocated only for a finding or once per bucket.
import type { JournalEntry } from './journal.ts';

export const MAX_BUCKETS = 2016;
export const FIRST_BUCKET_MS = 60_000;
const SAMPLES_PER_KIND = 50;
const RECENT = 4096;
const CONFIRMATIONS = 20_000;
const FAILURES = 1_000;
/** A poll this soon after the previous one, with confirmations between, reads on in the same round. */
const ROUND_GAP_MS = 2_000;
/** Single-item writes further apart than this are not one run (the profile may only narrow it). */
export const RUN_GAP_MS = 10_000;

/** Status classes a bucket counts, by index. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '429', '5xx', 'dropped'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface Bucket {
  start: number; // wall ms
  /** Requests by operationId: a count per status class (STATUS_CLASSES order). */
  ops: Map<string, number[]>;
  /** Counts of notes, problem codes (`code:…`), moves (`move:open>shipping`) and findings. */
  tallies: Map<string, number>;
}

/** One piece of evidence: a request (or delivery) id, when, and what about it. */
export interface Evidence {
  id: string;
  at: number; // wall ms
}

export interface Poll {
  id: string;
  at: number;
  operation: string;
  /** Sandbox ms since the previous poll of the same operation; null for the first. */
  interval: number | null;
  /**
   * The connector confirmed orders since its previous poll, less than ROUND_GAP_MS ago: this one
   * reads on after handling what that poll found (confirmed orders leave the unconfirmed list),
   * in the same round, not a new round of polling.
   */
  continuation: boolean;
}

/** A request to a method and path whose previous answer was a 5xx or no answer. */
export interface Retry {
  id: string;
  at: number;
  after: string; // the failed request's id
  gap_ms: number;
  attempt: number; // 1 for the first retry
  /** The gap grew against the previous retry's (always true for the first). */
  grew: boolean;
}

/** Consecutive single-item availability or inventory writes of one kind. */
export interface SingleItemRun {
  kind: string;
  count: number;
  first: number;
  last: number;
  max_gap_ms: number;
  ids: string[]; // the first ten
}

export interface ConnectorRecord {
  buckets: Bucket[];
  bucketMs: number;
  evidence: Map<string, Evidence[]>;
  polls: Poll[];
  retries: Retry[];
  runs: SingleItemRun[];
  run: SingleItemRun | null;
  lastPoll: Map<string, number>;
  /** Wall ms of the same. */
  lastPollAt: Map<string, number>;
  /** Wall ms until which a group (429) or an operation (503) was told to wait, by `group:…`/`op:…`. */
  retryAfter: Map<string, number>;
  failures: Map<string, { at: number; id: string; gap: number; attempt: number }>;
  priceRefusals: Map<string, { id: string; at: number }>;
  /** Sandbox ms at which the connector confirmed each order. */
  confirmations: Map<string, number>;
  /** Sandbox ms of the first request recorded: orders are judged from when the connector could see them. */
  firstSandboxAt: number | null;
  /** An order was confirmed since the last poll. */
  ordersTouched: boolean;
}

export function newConnectorRecord(): ConnectorRecord {
  return {
    buckets: [],
    bucketMs: FIRST_BUCKET_MS,
    evidence: new Map(),
    polls: [],
    retries: [],
    runs: [],
    run: null,
    lastPoll: new Map(),
    lastPollAt: new Map(),
    retryAfter: new Map(),
    failures: new Map(),
    priceRefusals: new Map(),
    confirmations: new Map(),
    firstSandboxAt: null,
    ordersTouched: false,
  };
}

/** What the journal entry does not hold and the rules need. */
export interface AnswerFacts {
  /** The problem's code for an error answer, else null. */
  code: string | null;
  /** Retry-After of the answer in seconds, when it had one. */
  retryAfterSeconds: number | null;
  /** The operation's rate-limit group. */
  group: string;
}

const POLLS = new Set(['listUnconfirmedOrders', 'listOrders']);
/** Writes that set something the marketplace already has or not: judged by "only real changes". */
export const UPDATE_OPERATIONS = new Set(['updateProductPrice', 'updateVariantPrice', 'updateAvailability', 'updateInventoryItem', 'updateOrderStatus', 'updateProduct', 'activateProducts']);
const PRICE_OPERATIONS = new Set(['updateProductPrice', 'updateVariantPrice']);
const ORDER_WRITES = new Set(['updateOrderStatus', 'cancelOrder']);

function statusClass(status: number | null): number {
  if (status === null) return 5;
  if (status === 429) return 3;
  if (status >= 500) return 4;
  if (status >= 400) return 2;
  return status >= 300 ? 1 : 0;
}

/** The bucket `at` falls in, opening (and, past MAX_BUCKETS, coarsening) as time goes on. */
function bucketAt(record: ConnectorRecord, at: number): Bucket {
  const last = record.buckets[record.buckets.length - 1];
  if (last && at < last.start + record.bucketMs) return last;
  const start = at - (at % record.bucketMs);
  const bucket: Bucket = { start, ops: new Map(), tallies: new Map() };
  record.buckets.push(bucket);
  if (record.buckets.length > MAX_BUCKETS) coarsen(record);
  return record.buckets[record.buckets.length - 1]!;
}

/** Doubles the bucket span: each pair of neighbours on the new grid becomes one bucket. */
function coarsen(record: ConnectorRecord): void {
  record.bucketMs *= 2;
  const merged: Bucket[] = [];
  for (const bucket of record.buckets) {
    const start = bucket.start - (bucket.start % record.bucketMs);
    const into = merged[merged.length - 1];
    if (into && into.start === start) {
      for (const [op, counts] of bucket.ops) {
        const target = into.ops.get(op);
        if (target) for (let i = 0; i < counts.length; i++) target[i]! += counts[i]!;
        else into.ops.set(op, counts);
      }
      for (const [key, n] of bucket.tallies) into.tallies.set(key, (into.tallies.get(key) ?? 0) + n);
    } else merged.push({ start, ops: bucket.ops, tallies: bucket.tallies });
  }
  record.buckets = merged;
}

const tally = (bucket: Bucket, key: string, n = 1): void => void bucket.tallies.set(key, (bucket.tallies.get(key) ?? 0) + n);

function keep<T>(list: T[], item: T, capacity: number): void {
  if (list.length >= capacity) list.shift();
  list.push(item);
}

/** Counts a finding and keeps its request as evidence (the latest SAMPLES_PER_KIND of each kind). */
function prove(record: ConnectorRecord, bucket: Bucket, kind: string, id: string, at: number): void {
  tally(bucket, kind);
  let list = record.evidence.get(kind);
  if (!list) record.evidence.set(kind, (list = []));
  keep(list, { id, at }, SAMPLES_PER_KIND);
}

/**
 * `prefix` + `name`, made once: the Retry-After and error tallies are keyed by group, operation
 * and problem code, and a 429 storm would otherwise build the same strings on every request.
 */
const keyMemo = new Map<string, Map<string, string>>();
function keyOf(prefix: string, name: string): string {
  let byName = keyMemo.get(prefix);
  if (!byName) keyMemo.set(prefix, (byName = new Map()));
  let key = byName.get(name);
  if (key === undefined) {
    if (byName.size >= 4096) byName.clear(); // codes and groups come from the spec; bounded anyway
    byName.set(name, (key = prefix + name));
  }
  return key;
}

export const requestId = (seq: number): string => `req_${seq}`;

/** The order id of PATCH /orders/{id}/status and POST /orders/{id}/cancel. */
const orderIdOf = (path: string): string => path.split('/')[4] ?? '';

/** Rolls one answered (or dropped) request into the record. */
export function observeRequest(record: ConnectorRecord, entry: JournalEntry, facts: AnswerFacts): void {
  const at = entry.at;
  const op = entry.operation_id;
  const bucket = bucketAt(record, at);
  record.firstSandboxAt ??= entry.sandbox_at;
  let counts = bucket.ops.get(op);
  if (!counts) bucket.ops.set(op, (counts = [0, 0, 0, 0, 0, 0]));
  const cls = statusClass(entry.status);
  counts[cls]!++;
  const ok = cls <= 1;
  // The request's id as text only where it is kept: most requests keep none, and a string per request shows in the throughput.
  const seq = entry.seq;
  const notes = entry.notes;

  // Retry-After: a request of a group (429) or an operation (503) before the window it was told to wait.
  if (record.retryAfter.size > 0) {
    for (const key of [keyOf('group:', facts.group), keyOf('op:', op)]) {
      const until = record.retryAfter.get(key);
      if (until === undefined) continue;
      if (at >= until) record.retryAfter.delete(key);
      else prove(record, bucket, 'retry_after_ignored', requestId(seq), at);
    }
  }
  if (facts.retryAfterSeconds !== null && (entry.status === 429 || entry.status === 503)) {
    record.retryAfter.set(entry.status === 429 ? keyOf('group:', facts.group) : keyOf('op:', op), at + facts.retryAfterSeconds * 1000);
    tally(bucket, 'told_to_wait');
  }

  // Retries after a 5xx or no answer: the gap to the failure, and whether it grows.
  if (record.failures.size > 0 || cls >= 4) {
    const key = `${entry.method} ${entry.path}`;
    const failed = record.failures.get(key);
    let gap = 0;
    let attempt = 0;
    if (failed) {
      gap = at - failed.at;
      attempt = failed.attempt + 1;
      keep(record.retries, { id: requestId(seq), at, after: failed.id, gap_ms: gap, attempt, grew: attempt === 1 || gap > failed.gap }, RECENT);
      tally(bucket, 'retry');
      record.failures.delete(key);
    }
    if (cls >= 4) {
      if (record.failures.size >= FAILURES) record.failures.clear();
      record.failures.set(key, { at, id: requestId(seq), gap, attempt });
    }
  }

  if (entry.status === 429) tally(bucket, 'refused');
  if (cls === 2 || cls === 3) tally(bucket, keyOf('code:', facts.code ?? `http_${entry.status}`));
  if (facts.code === 'validation_failed') prove(record, bucket, 'validation_failed', requestId(seq), at);

  // Polling, timed on the sandbox clock (the business cadence; certify runs it faster).
  if (POLLS.has(op) && entry.method === 'GET') {
    const last = record.lastPoll.get(op);
    const lastAt = record.lastPollAt.get(op);
    record.lastPoll.set(op, entry.sandbox_at);
    record.lastPollAt.set(op, at);
    const continuation = record.ordersTouched && lastAt !== undefined && at - lastAt < ROUND_GAP_MS;
    keep(record.polls, { id: requestId(seq), at, operation: op, interval: last === undefined ? null : entry.sandbox_at - last, continuation }, RECENT);
    record.ordersTouched = false;
    tally(bucket, 'poll');
  }
  if (ok && notes?.includes('confirmed')) record.ordersTouched = true;

  if (UPDATE_OPERATIONS.has(op) && ok) tally(bucket, 'update');
  if (notes) observeNotes(record, bucket, entry, requestId(seq), notes);

  // Single-item availability and inventory writes in a row: one batch call would have done.
  const single = op === 'updateInventoryItem' || (op === 'updateAvailability' && notes?.includes('single_item') === true) ? op : null;
  if (single) {
    tally(bucket, 'single_item');
    const run = record.run;
    if (run && run.kind === single && at - run.last <= RUN_GAP_MS) {
      run.count++;
      run.max_gap_ms = Math.max(run.max_gap_ms, at - run.last);
      run.last = at;
      if (run.ids.length < 10) run.ids.push(requestId(seq));
    } else {
      closeRun(record);
      record.run = { kind: single, count: 1, first: at, last: at, max_gap_ms: 0, ids: [requestId(seq)] };
    }
  } else if (record.run && (op === 'updateAvailability' || op === 'syncInventory' || at - record.run.last > RUN_GAP_MS)) closeRun(record);

  // Price protection: after a 409 asking for confirmation, the next change of that price.
  if (PRICE_OPERATIONS.has(op)) {
    const refused = record.priceRefusals.get(entry.path);
    if (refused) {
      record.priceRefusals.delete(entry.path);
      if (notes?.includes('force_token_used')) prove(record, bucket, 'price_resubmitted', requestId(seq), at);
      else prove(record, bucket, 'price_blind_retry', requestId(seq), at);
    }
    if (facts.code === 'price_change_requires_confirmation') {
      if (record.priceRefusals.size >= FAILURES) record.priceRefusals.clear();
      record.priceRefusals.set(entry.path, { id: requestId(seq), at });
      tally(bucket, 'price_confirmation_required');
    }
  }

  if (op === 'createToken' && ok) tally(bucket, 'token_grant');
  if (entry.credential === 'oauth_token') tally(bucket, 'oauth_request');
}

function observeNotes(record: ConnectorRecord, bucket: Bucket, entry: JournalEntry, id: string, notes: string[]): void {
  const at = entry.at;
  for (const note of notes) {
    switch (note) {
      case 'unchanged_update':
      case 'duplicate_update':
        prove(record, bucket, 'unchanged_update', id, at);
        break;
      case 'deleted_product':
      case 'inactive_product':
        prove(record, bucket, note, id, at);
        break;
      case 'shipped_missing_tracking':
        prove(record, bucket, note, id, at);
        break;
      case 'token_while_valid':
        prove(record, bucket, note, id, at);
        break;
      case 'refresh_token_reused':
        prove(record, bucket, note, id, at);
        break;
      case 'confirmed':
        if (ORDER_WRITES.has(entry.operation_id)) {
          if (record.confirmations.size >= CONFIRMATIONS) record.confirmations.delete(record.confirmations.keys().next().value!);
          record.confirmations.set(orderIdOf(entry.path), entry.sandbox_at);
        }
        break;
      default:
        if (note.startsWith('move:')) tally(bucket, note);
    }
  }
}

function closeRun(record: ConnectorRecord): void {
  const run = record.run;
  record.run = null;
  if (run && run.count > 1) keep(record.runs, run, RECENT);
}

/** The runs so far, the open one included. */
export function singleItemRuns(record: ConnectorRecord): SingleItemRun[] {
  return record.run && record.run.count > 1 ? [...record.runs, record.run] : record.runs;
}
