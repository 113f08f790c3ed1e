// Idempotency-Key rules over plain data: valid keys, fingerprints, the decision, what is
// remembered, expiry and the per-tenant bound.
import { describe, expect, it } from 'vitest';
import {
  answerRecord,
  bodyFingerprint,
  canonicalJson,
  decide,
  IDEMPOTENCY_KEY_TTL_MS,
  IDEMPOTENCY_KEYS_PER_TENANT,
  idempotencyKeyError,
  idempotencyOf,
  isRemembered,
  remember,
  type KeyedRequest,
} from '../../src/domain/idempotency.ts';

const T0 = Date.parse('2026-01-15T09:00:00.000Z');
const request = (extra: Partial<KeyedRequest> = {}): KeyedRequest => ({ method: 'POST', path: '/api/v2/products', query: '', fingerprint: bodyFingerprint('{"sku":"a"}', true), ...extra });

describe('keys', () => {
  it('are 1 to 255 letters, digits and - _ . : ~ + / =', () => {
    expect(idempotencyKeyError('0b9f3c2e-5d7a-4e61-9a8c-2f4b6d1e7a90')).toBeNull();
    expect(idempotencyKeyError('01HZX:order/42+retry=~_.')).toBeNull();
    expect(idempotencyKeyError('k'.repeat(255))).toBeNull();
    expect(idempotencyKeyError('')).toContain('empty');
    expect(idempotencyKeyError('k'.repeat(256))).toContain('256 characters');
    expect(idempotencyKeyError('a b')).toContain('may contain only');
    expect(idempotencyKeyError('a,b')).toContain('may contain only');
  });
});

describe('fingerprints', () => {
  it('of JSON ignore member order and whitespace, not values or array order', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: null, c: 'x' } })).toBe('{"a":{"c":"x","d":null},"b":[2,1]}');
    expect(bodyFingerprint('{"a":1,"b":2}', true)).toBe(bodyFingerprint('{ "b": 2,\n "a": 1 }', true));
    expect(bodyFingerprint('{"a":1}', true)).not.toBe(bodyFingerprint('{"a":2}', true));
    expect(bodyFingerprint('[1,2]', true)).not.toBe(bodyFingerprint('[2,1]', true));
  });

  it('of other bodies are of the text as sent', () => {
    expect(bodyFingerprint('a=1&b=2', false)).not.toBe(bodyFingerprint('b=2&a=1', false));
    expect(bodyFingerprint('{not json', true)).toBe(bodyFingerprint('{not json', false));
    expect(bodyFingerprint('', false)).toMatch(/^sha-256:/);
  });
});

describe('the decision', () => {
  const record = answerRecord('k1', request(), T0, 201, { location: '/api/v2/products/prod_1' }, '{"id":"prod_1"}');

  it('is new for an unknown key, replay for the same request, in use while the first runs', () => {
    expect(decide(request(), undefined, undefined, T0)).toEqual({ kind: 'new' });
    expect(decide(request(), record, undefined, T0 + 1000)).toEqual({ kind: 'replay', record });
    expect(decide(request(), undefined, request(), T0)).toEqual({ kind: 'in_use' });
  });

  it('is a mismatch naming what differs, whether the first is answered or still running', () => {
    const other = request({ method: 'PATCH', path: '/api/v2/products/prod_1', fingerprint: bodyFingerprint('{"sku":"b"}', true) });
    expect(decide(other, record, undefined, T0)).toMatchObject({ kind: 'mismatch', differs: ['method', 'path', 'body'], first: { method: 'POST', path: '/api/v2/products' } });
    expect(decide(request({ query: 'force_token=x' }), undefined, request(), T0)).toMatchObject({ kind: 'mismatch', differs: ['query'] });
  });

  it('forgets a key 24 sandbox hours after its first answer', () => {
    expect(decide(request(), record, undefined, T0 + IDEMPOTENCY_KEY_TTL_MS - 1).kind).toBe('replay');
    expect(decide(request(), record, undefined, T0 + IDEMPOTENCY_KEY_TTL_MS).kind).toBe('new');
    expect(decide(request({ fingerprint: 'other' }), record, undefined, T0 + IDEMPOTENCY_KEY_TTL_MS).kind).toBe('new');
  });
});

describe('what is remembered', () => {
  it('2xx and deterministic 4xx; not 5xx, injected faults, or answers that say to try later', () => {
    for (const status of [200, 201, 202, 204, 400, 404, 409, 422]) expect(isRemembered(status, false, false), String(status)).toBe(true);
    for (const status of [408, 425, 429, 500, 502, 503, 504]) expect(isRemembered(status, false, false), String(status)).toBe(false);
    expect(isRemembered(409, true, false)).toBe(false);
    expect(isRemembered(201, false, true)).toBe(false);
  });

  it('is bounded per tenant: expired keys are swept, then the oldest make room', () => {
    const holder: { idempotency?: ReturnType<typeof idempotencyOf> } = {};
    const state = idempotencyOf(holder);
    remember(state, answerRecord('old', request(), T0, 201, {}, ''), T0);
    remember(state, answerRecord('fresh', request(), T0 + IDEMPOTENCY_KEY_TTL_MS, 201, {}, ''), T0 + IDEMPOTENCY_KEY_TTL_MS);
    expect(Object.keys(state.keys)).toEqual(['fresh']);

    const now = T0 + IDEMPOTENCY_KEY_TTL_MS;
    for (let i = 0; i < IDEMPOTENCY_KEYS_PER_TENANT + 5; i++) remember(state, answerRecord(`k${i}`, request(), now + i, 201, {}, ''), now + i);
    const keys = Object.keys(state.keys);
    expect(keys).toHaveLength(IDEMPOTENCY_KEYS_PER_TENANT);
    expect(keys).not.toContain('fresh');
    expect(keys).not.toContain('k4');
    expect(keys).toContain('k5');
    expect(keys).toContain(`k${IDEMPOTENCY_KEYS_PER_TENANT + 4}`);
    expect(holder.idempotency).toBe(state);
  });
});
