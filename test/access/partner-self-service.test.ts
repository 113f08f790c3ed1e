// Partner self-service on the control API, through a real socket in strict mode: with its own key
// or access token a tenant resets itself, saves and restores snapshots, runs its clock, injects
// faults and latency, reads its journal, generates and moves its orders and reads its readiness;
// another tenant's id is answered as one that does not exist; the operator's calls stay the
// admin token's; the admin token keeps its full reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';

const [A, B] = DEFAULT_TENANTS;
let served: Served;

beforeAll(async () => {
  served = await serveSandbox({ strict: true, rateLimits: false, clock: { mode: 'manual', factor: 1 } });
});
afterAll(() => served?.close());

async function call(credential: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${served.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, contentType: res.headers.get('content-type') };
}

describe('a tenant on the control API with its own credential', () => {
  it('acts on itself: clock, faults and latency, journal, orders, snapshots, readiness, reset', async () => {
    const key = A.api_key;
    expect((await call(key, 'GET', '/__sandbox/clock')).body.tenant_id).toBe(A.id);
    const advanced = await call(key, 'POST', '/__sandbox/clock/advance', { seconds: 3600 });
    expect(advanced.status).toBe(200);
    expect(advanced.body.tenant_id).toBe(A.id);

    const faults = await call(key, 'PUT', '/__sandbox/faults', { rules: [{ operation_ids: ['listLabels'], latency: { fixed_ms: 5 } }] });
    expect(faults.status).toBe(200);
    expect(faults.body.tenant_id).toBe(A.id);
    expect((await call(ADMIN_TOKEN, 'GET', `/__sandbox/faults?tenant_id=${B.id}`)).body.rules).toEqual([]);
    expect((await call(key, 'DELETE', '/__sandbox/faults')).status).toBe(204);

    await fetch(`${served.url}/api/v2/labels`, { headers: { authorization: `Bearer ${key}` } });
    const journal = await call(key, 'GET', '/__sandbox/requests');
    expect(journal.body.tenant_id).toBe(A.id);
    expect(journal.body.data.some((e: { operation_id: string }) => e.operation_id === 'listLabels')).toBe(true);

    const generated = await call(key, 'POST', '/__sandbox/orders/generate', { count: 1 });
    expect(generated.status).toBe(201);
    expect(generated.body.tenant_id).toBe(A.id);

    const saved = await call(key, 'POST', '/__sandbox/snapshots', { name: 'mine' });
    expect(saved.status).toBe(201);
    expect((await call(key, 'GET', '/__sandbox/snapshots')).body.data.map((s: { tenant_id: string }) => s.tenant_id)).toEqual([A.id]);
    expect((await call(key, 'POST', '/__sandbox/snapshots/mine/restore')).status).toBe(200);

    expect((await call(key, 'GET', `/__sandbox/tenants/${A.id}/readiness`)).status).toBe(200);
    const reset = await call(key, 'POST', '/__sandbox/reset', {});
    expect(reset.status).toBe(200);
    expect(reset.body.tenant_id).toBe(A.id);
  });

  it('works with an OAuth access token as with a key', async () => {
    const client = DEFAULT_OAUTH_CLIENTS[B.id]!;
    const token = await (
      await fetch(`${served.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
      })
    ).json();
    const clock = await call(token.access_token, 'GET', '/__sandbox/clock');
    expect(clock.status).toBe(200);
    expect(clock.body.tenant_id).toBe(B.id);
  });

  it('gets the same 404 for another tenant as for one that does not exist', async () => {
    const other = await call(A.api_key, 'GET', `/__sandbox/clock?tenant_id=${B.id}`);
    const none = await call(A.api_key, 'GET', '/__sandbox/clock?tenant_id=ten_nosuchtenant');
    expect(other.status).toBe(404);
    expect(none.status).toBe(404);
    expect(other.contentType).toBe('application/problem+json');
    expect(Object.keys(other.body).sort()).toEqual(Object.keys(none.body).sort());
    expect(other.body.code).toBe(none.body.code);
    expect(other.body.detail.replace(B.id, 'X')).toBe(none.body.detail.replace('ten_nosuchtenant', 'X'));
    for (const [method, path, body] of [
      ['POST', '/__sandbox/reset', { tenant_id: B.id }],
      ['PUT', '/__sandbox/faults', { tenant_id: B.id, rules: [] }],
      ['GET', `/__sandbox/requests?tenant_id=${B.id}`, undefined],
      ['GET', `/__sandbox/tenants/${B.id}/readiness`, undefined],
      ['POST', '/__sandbox/orders/generate', { tenant_id: B.id, count: 1 }],
    ] as const) {
      expect((await call(A.api_key, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await call(ADMIN_TOKEN, 'GET', `/__sandbox/requests?tenant_id=${B.id}`)).status).toBe(200);
  });

  it('cannot make the operator\'s calls: tenants, keys, rate limits, state import', async () => {
    for (const [method, path, body] of [
      ['GET', '/__sandbox/tenants', undefined],
      ['POST', '/__sandbox/tenants', { name: 'x' }],
      ['POST', `/__sandbox/tenants/${A.id}/api-keys`, {}],
      ['PUT', `/__sandbox/tenants/${A.id}/rate-limits`, { plan: 'enterprise' }],
    ] as const) {
      const res = await call(A.api_key, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.code).toBe('admin_token_required');
      // The same answer as to a key that does not exist: it tells nothing about the key.
      const guessed = await call('mk_test_nosuchkey_0000000000000000', method, path, body);
      // Each answer has its own request id; everything else is the same.
      const withoutId = (r: typeof res) => ({ ...r, body: { ...r.body, request_id: undefined } });
      expect(guessed.body.request_id).not.toBe(res.body.request_id);
      expect(withoutId(guessed)).toEqual(withoutId(res));
    }
    expect((await call(ADMIN_TOKEN, 'GET', '/__sandbox/tenants')).body.data).toHaveLength(2);
  });

  it('is what the spec declares: partnerCredential beside adminToken', async () => {
    const doc = await (await fetch(`${served.url}/__sandbox/openapi.json`)).json();
    expect(doc.components.securitySchemes.partnerCredential).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/__sandbox/clock'].get.security).toEqual([{ adminToken: [] }, { partnerCredential: [] }]);
    expect(doc.paths['/__sandbox/tenants'].get.security).toBeUndefined(); // the document's default: the admin token only
  });
});
