// Guessing is not worth it, through a real socket in strict mode: wrong keys, admin tokens and
// client secrets from one address are slowed down after a few, then refused with a documented 429
// (problem+json, Retry-After) for a while, good credentials included; the answers to a wrong key,
// a revoked one and a well-formed guess are the same. Limits are small here so the test is quick.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';

let served: Served & { sandbox: { attempts: { clear(): void } } };

beforeAll(async () => {
  served = await serveSandbox({ strict: true, rateLimits: false, failedAttempts: { slowAfter: 2, refuseAfter: 5, delayMs: 100, maxDelayMs: 200, refuseMs: 60_000 } });
});
afterAll(() => served?.close());

const get = (path: string, credential: string) => fetch(`${served.url}${path}`, { headers: { authorization: `Bearer ${credential}` } });

describe('failed credential attempts per client address', () => {
  it('slows the failures down, then refuses the address with 429 and Retry-After, good keys too', async () => {
    served.sandbox.attempts.clear();
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const res = await get('/api/v2/products?limit=1', `mk_test_guess${i}`);
      times.push(performance.now() - started);
      expect(res.status).toBe(401);
    }
    // The 3rd and 4th failures are over slowAfter: each waits at least delayMs.
    expect(times[2]).toBeGreaterThanOrEqual(95);
    expect(times[3]).toBeGreaterThanOrEqual(190);

    expect((await get('/__sandbox/tenants', 'not-the-admin-token')).status).toBe(401); // the 5th: refused from now on

    const refused = await get('/api/v2/products?limit=1', DEFAULT_TENANTS[0].api_key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await refused.json();
    expect(body).toMatchObject({ code: 'too_many_failed_attempts', status: 429, policy: 'failed_attempts' });

    const control = await get('/__sandbox/tenants', ADMIN_TOKEN);
    expect(control.status).toBe(429);
    expect((await control.json()).code).toBe('too_many_failed_attempts');

    // Without credentials nothing is to be guessed: the health check still answers.
    expect((await fetch(`${served.url}/__sandbox/health`)).status).toBe(200);
    served.sandbox.attempts.clear();
    expect((await get('/api/v2/products?limit=1', DEFAULT_TENANTS[0].api_key)).status).toBe(200);
  });

  it('counts wrong OAuth client secrets too', async () => {
    served.sandbox.attempts.clear();
    const client = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
    const token = (secret: string) =>
      fetch(`${served.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: secret }),
      });
    for (let i = 0; i < 5; i++) expect((await token(`cs_test_guess${i}`)).status).toBe(401);
    expect((await token(client.client_secret)).status).toBe(429);
    served.sandbox.attempts.clear();
  });

  it('answers a guessed key, a revoked one and a malformed-looking one alike: nothing says whether a key exists', async () => {
    served.sandbox.attempts.clear();
    const created = await (
      await fetch(`${served.url}/__sandbox/tenants/ten_nordwind/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' })
    ).json();
    const revoked = await fetch(`${served.url}/__sandbox/tenants/ten_nordwind/api-keys/${created.key_id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(revoked.status).toBe(204);
    const bodies = [];
    for (const credential of [created.api_key, 'mk_test_nordwind_00000000000000000', 'whatever']) {
      const res = await get('/api/v2/products', credential);
      expect(res.status).toBe(401);
      const body = await res.json();
      bodies.push({ code: body.code, detail: body.detail, challenge: res.headers.get('www-authenticate') });
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    served.sandbox.attempts.clear();
  });
});
