// Idempotent writes (draft-ietf-httpapi-idempotency-key-header): a write sent again with the same
// `Idempotency-Key` gets the first answer again instead of being applied twice. The rules (valid
// keys, fingerprints, expiry, which answers are remembered, the decision) are plain data in
// src/domain/idempotency.ts; this is the HTTP side. What a partner sees: README.md next to it.
//
// Carried by the operations whose spec entry declares the Idempotency-Key header. Placed after
// tenant auth (keys are the tenant's own: another tenant's same key is another key) and after the
// rate limiter (a replay is a request like any other and counts; a 429 is decided before a key
// is looked at, so it is never remembered), and before fault injection, so an injected latency
// holds the key (a duplicate meanwhile is 409 idempotency_key_in_use) and an injected failure or
// dropped connection is an answer this policy sees and does not remember: the retry is real.
//
// A request without the header costs one header lookup. With one: its body is read (the
// pipeline reuses it), fingerprinted, and the decision made synchronously, so two concurrent
// requests with one key cannot both be new. Keys a request holds while it runs are in memory
// only (`held`, per tenant state, so a reset starts clean); remembered answers are in the
// tenant's state, which persists with the state file and resets with the tenant's world.
import { clockNowMs } from '../../clock/clock.ts';
import type { Operation } from '../../contract/operations.ts';
import { answerRecord, bodyFingerprint, decide, idempotencyKeyError, idempotencyOf, isRemembered, remember, type KeyedRequest } from '../../domain/idempotency.ts';
import type { TenantState } from '../../domain/types.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { invalid, Problem } from '../../server/problem.ts';
import { requestHeader } from '../../server/request-header.ts';
import type { SandboxStore } from '../../store/store.ts';
import { noteChange } from '../../state/changes.ts';

/** The answer header that marks a replay. */
export const REPLAY_HEADER = 'idempotent-replayed';

/** Headers of an answer that are part of it and are replayed; the policies' own (rate limits, security) are fresh on every answer. */
const ANSWER_HEADERS = ['content-type', 'location', 'content-location'];

/** Where the policy belongs: operations that declare the Idempotency-Key header. */
export const takesIdempotencyKey = (op: Operation): boolean => op.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');

type Held = Map<string, KeyedRequest>;

export function idempotency(store: SandboxStore): Policy {
  // Keys held by running requests, per tenant state: a reset gives the tenant a new state, and the keys held in the old one go with it.
  const heldKeys = new WeakMap<TenantState, Held>();
  const heldIn = (state: TenantState): Held => {
    let held = heldKeys.get(state);
    if (!held) heldKeys.set(state, (held = new Map()));
    return held;
  };

  return {
    name: 'idempotency',
    appliesTo: takesIdempotencyKey,
    before(c) {
      const key = requestHeader(c, 'idempotency-key');
      if (key === undefined || !c.get('tenant')) return;
      const problem = idempotencyKeyError(key);
      if (problem) {
        throw invalid([{ pointer: '/headers/idempotency-key', message: problem }], `The Idempotency-Key header ${problem}. Send one new key per intended write and the same key with each retry of it.`);
      }
      return c.get('operation').body ? c.req.text().then((text) => claim(c, key, text)) : claim(c, key, '');
    },
    after(c) {
      const held = c.get('idempotency');
      if (!held) return;
      const res = c.res;
      const faults = c.get('faults');
      const injected = faults?.some((f) => f.kind !== 'latency') ?? false;
      const tenant = c.get('tenant');
      if (!isRemembered(res.status, res.headers.has('retry-after'), injected) || tenant.state !== held.state) return release(c);
      return res
        .clone()
        .text()
        .then((body) => {
          const headers: Record<string, string> = {};
          for (const name of ANSWER_HEADERS) {
            const value = res.headers.get(name);
            if (value !== null) headers[name] = value;
          }
          const now = clockNowMs(tenant.clock);
          if (tenant.state === held.state) {
            const keys = idempotencyOf(held.state);
            // Keys the sweep drops are not written as gone: they are expired or the oldest, and a start sweeps them again.
            noteChange(keys.keys, held.key, keys.keys[held.key]);
            remember(keys, answerRecord(held.key, held.request, now, res.status, headers, body), now);
            store.changed(tenant);
          }
        })
        .finally(() => release(c));
    },
    dropped: release,
  };

  function claim(c: RequestContext, key: string, text: string): Response | undefined {
    const tenant = c.get('tenant');
    const url = c.req.url;
    const q = url.indexOf('?');
    const contentType = requestHeader(c, 'content-type') ?? '';
    const request: KeyedRequest = {
      method: c.req.method,
      path: c.req.path,
      query: q < 0 ? '' : url.slice(q + 1),
      fingerprint: bodyFingerprint(text, contentType.includes('json')),
    };
    const state = tenant.state;
    const held = heldIn(state);
    const decision = decide(request, state.idempotency?.keys[key], held.get(key), clockNowMs(tenant.clock));
    switch (decision.kind) {
      case 'new':
        held.set(key, request);
        c.set('idempotency', { key, request, state, held });
        return undefined;
      case 'replay': {
        const { record } = decision;
        c.set('notes', ['idempotent_replay']);
        c.set('responseBytes', Buffer.byteLength(record.body));
        return new Response(record.body.length > 0 ? record.body : null, { status: record.status, headers: { ...record.headers, [REPLAY_HEADER]: 'true' } });
      }
      case 'in_use':
        throw new Problem(
          409,
          'idempotency_key_in_use',
          `A request with Idempotency-Key "${key}" is still being processed. Retry after 1 second (Retry-After): once it is answered, the retry gets its answer.`,
          { idempotency_key: key, retry_after: 1 },
          { 'retry-after': '1' },
        );
      case 'mismatch': {
        const { first, differs } = decision;
        const what = differs.map((d) => (d === 'body' ? 'a different body' : d === 'query' ? `another query (first: "${first.query}")` : d === 'path' ? `another path (first: ${first.path})` : `another method (first: ${first.method})`));
        throw new Problem(
          422,
          'idempotency_key_mismatch',
          `Idempotency-Key "${key}" was first used for ${first.method} ${first.path}; this request has ${what.join(', ')}. A key stands for one request: send a changed or new request with a new key.`,
          { idempotency_key: key, differs, first_request: { method: first.method, path: first.path } },
        );
      }
    }
  }
}

/** The request gives up the key it holds (answered, dropped or not to be remembered). */
function release(c: RequestContext): void {
  const held = c.get('idempotency');
  if (held && held.held.get(held.key) === held.request) held.held.delete(held.key);
}
