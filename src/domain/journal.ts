// The request journal's entries and the questions CI asks of them: "which requests match these
// filters?" and "did the connector make this request the expected number of times, and if not,
// what came closest?". Entries hold numbers (ms since epoch) and flat fields, so a journal full
// of them keeps no per-request objects alive; ISO strings and nesting are made on reading.
import { globToRegExp } from './glob.ts';
import type { InjectedFault } from './faults.ts';

export interface JournalEntry {
  seq: number;
  /** The request's X-Request-Id (the caller's or a generated one). */
  request_id: string;
  at: number; // wall ms
  sandbox_at: number; // the tenant's sandbox clock, ms
  method: string;
  path: string;
  query: string; // raw query string without '?', secrets redacted
  operation_id: string;
  /** null when the connection was dropped (injected timeout). */
  status: number | null;
  latency_ms: number;
  request_bytes: number;
  response_bytes: number | null;
  /** The rate-limit decision: rl_policy null when the request was refused before counting. */
  rl_policy: string | null;
  rl_allowed: boolean;
  rl_limit: number;
  rl_remaining: number;
  rl_reset: number;
  faults: InjectedFault[] | null;
  notes: string[] | null;
  credential: 'api_key' | 'oauth_token' | 'oauth_client' | null;
  /** The GraphQL operation a /graphql request ran (its name, or query/mutation when unnamed). */
  graphql_operation: string | null;
  /** Only when the tenant keeps bodies (else undefined); always redacted. */
  request_headers: Record<string, string> | undefined;
  request_body: string | undefined;
  response_body: string | undefined;
}

/** An entry as the control API answers it. */
export function entryToWire(entry: JournalEntry) {
  return {
    id: `req_${entry.seq}`,
    request_id: entry.request_id,
    at: new Date(entry.at).toISOString(),
    sandbox_at: new Date(entry.sandbox_at).toISOString(),
    method: entry.method,
    path: entry.path,
    query: entry.query,
    operation_id: entry.operation_id,
    status: entry.status,
    latency_ms: Math.round(entry.latency_ms * 1000) / 1000,
    request_bytes: entry.request_bytes,
    response_bytes: entry.response_bytes,
    credential: entry.credential,
    rate_limit:
      entry.rl_policy === null
        ? null
        : { allowed: entry.rl_allowed, policy: entry.rl_policy, limit: entry.rl_limit, remaining: entry.rl_remaining, reset_seconds: entry.rl_reset },
    faults: entry.faults ?? [],
    notes: entry.notes ?? [],
    ...(entry.graphql_operation !== null ? { graphql_operation: entry.graphql_operation } : {}),
    ...(entry.request_headers ? { request_headers: entry.request_headers } : {}),
    ...(entry.request_body !== undefined ? { request_body: entry.request_body } : {}),
    ...(entry.response_body !== undefined ? { response_body: entry.response_body } : {}),
  };
}

export interface JournalFilter {
  operation_id?: string;
  status?: number;
  since?: number; // wall ms, inclusive
  until?: number; // wall ms, exclusive
}

export function matchesFilter(entry: JournalEntry, filter: JournalFilter): boolean {
  return (
    (filter.operation_id === undefined || entry.operation_id === filter.operation_id) &&
    (filter.status === undefined || entry.status === filter.status) &&
    (filter.since === undefined || entry.at >= filter.since) &&
    (filter.until === undefined || entry.at < filter.until)
  );
}

/** What the live journal stream sends: listRequests' filters, a glob for operation_id, and injected faults. */
export interface StreamFilter {
  operation_id?: string;
  status?: number;
  /** `any`: entries with an injected fault; a kind: entries with a fault of that kind. */
  fault?: 'any' | InjectedFault['kind'];
  since?: number;
}

/** The stream filter as one check per entry, compiled once. */
export function streamFilter(filter: StreamFilter): (entry: JournalEntry) => boolean {
  const operation = filter.operation_id === undefined ? null : globToRegExp(filter.operation_id);
  const { status, fault, since } = filter;
  return (entry) =>
    (operation === null || operation.test(entry.operation_id)) &&
    (status === undefined || entry.status === status) &&
    (since === undefined || entry.at >= since) &&
    (fault === undefined || (entry.faults !== null && entry.faults.some((f) => fault === 'any' || f.kind === fault)));
}

/** What CI expects a connector to have done. Every given member must hold. */
export interface RequestPattern {
  method?: string;
  /** Glob on the path: /api/v2/orders/*\/status */
  path?: string;
  /** Glob on the operationId: update* */
  operation_id?: string;
  /** An exact status, or a class such as "4XX". */
  status?: number | string;
  /** Substring of the (redacted) request body; needs the tenant to keep bodies. */
  body_contains?: string;
  /** A practice note the handler attached (e.g. duplicate_update). */
  note?: string;
  injected_fault?: boolean;
  rate_limited?: boolean;
}

export interface Mismatch {
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CountExpectation {
  min: number;
  max: number | null; // null: no upper bound
}

export interface Verification {
  ok: boolean;
  matched: number;
  expected: CountExpectation;
  reason: string;
  near_misses: { request: ReturnType<typeof entryToWire>; mismatches: Mismatch[] }[];
}

/** How many near misses a failed verification lists. */
const NEAR_MISSES = 5;

export function countExpectation(count: number | { min?: number; max?: number } | undefined): CountExpectation {
  if (count === undefined) return { min: 1, max: null };
  if (typeof count === 'number') return { min: count, max: count };
  return { min: count.min ?? 0, max: count.max ?? null };
}

type Check = (entry: JournalEntry) => Mismatch | null;

/** Compiles a pattern once into field checks (globs become regular expressions). */
function compilePattern(pattern: RequestPattern): Check[] {
  const checks: Check[] = [];
  const miss = (field: string, expected: unknown, actual: unknown): Mismatch => ({ field, expected, actual });
  if (pattern.method !== undefined) {
    const method = pattern.method.toUpperCase();
    checks.push((e) => (e.method === method ? null : miss('method', method, e.method)));
  }
  if (pattern.path !== undefined) {
    const re = globToRegExp(pattern.path);
    checks.push((e) => (re.test(e.path) ? null : miss('path', pattern.path, e.path)));
  }
  if (pattern.operation_id !== undefined) {
    const re = globToRegExp(pattern.operation_id);
    checks.push((e) => (re.test(e.operation_id) ? null : miss('operation_id', pattern.operation_id, e.operation_id)));
  }
  if (pattern.status !== undefined) {
    const status = pattern.status;
    const statusClass = typeof status === 'string' ? /^([1-5])XX$/i.exec(status)?.[1] : undefined;
    checks.push((e) => {
      const ok = statusClass !== undefined ? e.status !== null && String(e.status)[0] === statusClass : e.status === Number(status);
      return ok ? null : miss('status', status, e.status);
    });
  }
  if (pattern.body_contains !== undefined) {
    const needle = pattern.body_contains;
    checks.push((e) =>
      e.request_body !== undefined && e.request_body.includes(needle)
        ? null
        : miss('body_contains', needle, e.request_body === undefined ? '(body not kept: PUT /__sandbox/requests/settings {"keep_bodies": true})' : e.request_body.slice(0, 200)),
    );
  }
  if (pattern.note !== undefined) {
    const note = pattern.note;
    checks.push((e) => (e.notes?.includes(note) ? null : miss('note', note, e.notes ?? [])));
  }
  if (pattern.injected_fault !== undefined) {
    const wanted = pattern.injected_fault;
    checks.push((e) => {
      const actual = (e.faults?.length ?? 0) > 0;
      return actual === wanted ? null : miss('injected_fault', wanted, actual);
    });
  }
  if (pattern.rate_limited !== undefined) {
    const wanted = pattern.rate_limited;
    checks.push((e) => {
      const actual = e.rl_policy !== null && !e.rl_allowed;
      return actual === wanted ? null : miss('rate_limited', wanted, actual);
    });
  }
  return checks;
}

/**
 * Checks a pattern against the journal (oldest first). When it does not hold because too few
 * requests matched, the entries that failed the fewest checks are listed as near misses.
 */
export function verify(entries: JournalEntry[], pattern: RequestPattern, count: CountExpectation): Verification {
  const checks = compilePattern(pattern);
  let matched = 0;
  const near: { entry: JournalEntry; mismatches: Mismatch[] }[] = [];
  for (const entry of entries) {
    const mismatches: Mismatch[] = [];
    for (const check of checks) {
      const m = check(entry);
      if (m) mismatches.push(m);
    }
    if (mismatches.length === 0) matched++;
    else if (mismatches.length < checks.length) near.push({ entry, mismatches });
  }
  const tooFew = matched < count.min;
  const tooMany = count.max !== null && matched > count.max;
  const range = count.max === null ? `at least ${count.min}` : count.min === count.max ? `exactly ${count.min}` : `${count.min} to ${count.max}`;
  const reason = tooFew
    ? `${matched} request(s) matched; expected ${range}.${near.length ? ' The closest requests are listed in near_misses.' : ' No request came close.'}`
    : tooMany
      ? `${matched} request(s) matched; expected ${range}.`
      : `${matched} request(s) matched, as expected (${range}).`;
  // Fewest failed checks first, then the most recent.
  near.sort((a, b) => a.mismatches.length - b.mismatches.length || b.entry.seq - a.entry.seq);
  return {
    ok: !tooFew && !tooMany,
    matched,
    expected: count,
    reason,
    near_misses: tooFew ? near.slice(0, NEAR_MISSES).map((n) => ({ request: entryToWire(n.entry), mismatches: n.mismatches })) : [],
  };
}
