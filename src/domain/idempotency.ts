// Idempotent writes (draft-ietf-httpapi-idempotency-key-header) as plain data: what a valid key
// is, the fingerprint of a request, which answers are remembered, how long, and the decision a
// keyed request meets: new, replay, mismatch or in use. The HTTP side (reading the header and the
// body, answering, storing) is the policy in src/policies/idempotency/.
import { createHash } from 'node:crypto';
import type { IdempotencyRecord, IdempotencyState } from './types.ts';

/** A key is 1–255 of these characters: letters, digits and `-_.:~+/=` (a UUID, a ULID, base64 all fit). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
const KEY_CHARACTERS = /^[A-Za-z0-9\-_.:~+/=]+$/;

/** How long a key is remembered, in sandbox time. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** At most this many keys per tenant; when full, expired keys go first, then the oldest. */
export const IDEMPOTENCY_KEYS_PER_TENANT = 1000;

/** Why the key cannot be used, or null when it can. */
export function idempotencyKeyError(key: string): string | null {
  if (key.length === 0) return 'is empty; send 1 to 255 characters (a UUID is a good key)';
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return `is ${key.length} characters long; at most ${IDEMPOTENCY_KEY_MAX_LENGTH} are allowed`;
  if (!KEY_CHARACTERS.test(key)) return 'may contain only letters, digits and - _ . : ~ + / = (a UUID is a good key)';
  return null;
}

/** JSON with object members in code-point order at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * The fingerprint of a request body: sha-256 of its canonical JSON when it is JSON (so member
 * order and whitespace do not make a different request), of the text as sent otherwise.
 */
export function bodyFingerprint(text: string, isJson: boolean): string {
  let canonical = text;
  if (isJson && text.length > 0) {
    try {
      canonical = canonicalJson(JSON.parse(text));
    } catch {
      // Not JSON after all: the contract will refuse it; the text itself identifies it.
    }
  }
  return `sha-256:${createHash('sha256').update(canonical).digest('base64')}`;
}

/** What identifies a request under a key. */
export interface KeyedRequest {
  method: string;
  path: string;
  /** The query string as sent, without `?` ('' when none). */
  query: string;
  fingerprint: string;
}

export type IdempotencyDecision =
  | { kind: 'new' }
  | { kind: 'replay'; record: IdempotencyRecord }
  | { kind: 'mismatch'; differs: ('method' | 'path' | 'query' | 'body')[]; first: KeyedRequest }
  | { kind: 'in_use' };

/**
 * What a request with a key meets: the key's remembered answer (if not expired at `nowMs`), or
 * the request that holds the key right now, or nothing. A different request under a used key is
 * a mismatch whether the first is answered or still running; the same one is replayed or in use.
 */
export function decide(request: KeyedRequest, remembered: IdempotencyRecord | undefined, inFlight: KeyedRequest | undefined, nowMs: number): IdempotencyDecision {
  const first = remembered && remembered.expires_at_ms > nowMs ? remembered : inFlight;
  if (!first) return { kind: 'new' };
  const differs = differences(first, request);
  if (differs.length > 0) return { kind: 'mismatch', differs, first: { method: first.method, path: first.path, query: first.query, fingerprint: first.fingerprint } };
  return first === remembered ? { kind: 'replay', record: remembered } : { kind: 'in_use' };
}

function differences(a: KeyedRequest, b: KeyedRequest): ('method' | 'path' | 'query' | 'body')[] {
  const differs: ('method' | 'path' | 'query' | 'body')[] = [];
  if (a.method !== b.method) differs.push('method');
  if (a.path !== b.path) differs.push('path');
  if (a.query !== b.query) differs.push('query');
  if (a.fingerprint !== b.fingerprint) differs.push('body');
  return differs;
}

/**
 * Whether an answer is remembered for its key: 2xx and the deterministic 4xx (the request was
 * decided, a retry would get the same). Not remembered, so a retry is tried for real: 5xx, an
 * injected fault, and answers that say to try again later (408, 425, 429, or any with Retry-After).
 */
export function isRemembered(status: number, retryAfter: boolean, injectedFailure: boolean): boolean {
  if (injectedFailure || retryAfter) return false;
  if (status === 408 || status === 425 || status === 429) return false;
  return status >= 200 && status < 500;
}

/** The tenant's key table, made on first use. */
export function idempotencyOf(holder: { idempotency?: IdempotencyState }): IdempotencyState {
  return (holder.idempotency ??= { keys: {} });
}

/**
 * Remembers an answer under its key. Expired keys are swept first; when the table is still full,
 * the oldest keys make room, so a tenant never holds more than IDEMPOTENCY_KEYS_PER_TENANT.
 */
export function remember(state: IdempotencyState, record: IdempotencyRecord, nowMs: number): void {
  const keys = state.keys;
  delete keys[record.key];
  let count = 0;
  for (const key in keys) {
    if (keys[key]!.expires_at_ms <= nowMs) delete keys[key];
    else count++;
  }
  if (count >= IDEMPOTENCY_KEYS_PER_TENANT) {
    const oldest = Object.values(keys).sort((a, b) => a.created_at_ms - b.created_at_ms);
    for (const old of oldest.slice(0, count - IDEMPOTENCY_KEYS_PER_TENANT + 1)) delete keys[old.key];
  }
  keys[record.key] = record;
}

/** A remembered answer for `request`, made at `nowMs`. */
export function answerRecord(key: string, request: KeyedRequest, nowMs: number, status: number, headers: Record<string, string>, body: string): IdempotencyRecord {
  return { key, ...request, created_at_ms: nowMs, expires_at_ms: nowMs + IDEMPOTENCY_KEY_TTL_MS, status, headers, body };
}
