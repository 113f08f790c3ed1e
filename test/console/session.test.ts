// The console's session, CSRF and forwarding rules over a real socket: the login sets an HttpOnly,
// SameSite=Strict cookie and answers a CSRF token; the forwarded calls carry the session's
// credential; writes need the token and no other site's Origin; a partner session reaches only
// its own tenant, whatever tenant it names and whatever path it takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';

const ADMIN = 'console-admin-token';
const [A, B] = DEFAULT_TENANTS;

let served: Served;
beforeAll(async () => {
  served = await serveSandbox({ adminToken: ADMIN });
});
afterAll(async () => {
  await served?.close();
});

interface Session {
  cookie: string;
  csrf: string;
  body: { role: string; tenant_id: string | null; csrf_token: string };
}

async function login(token: string): Promise<Session> {
  const res = await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = await res.json();
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, csrf: body.csrf_token, body };
}

const call = (session: Session | null, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${served.url}${path}`, {
    method,
    headers: {
      ...(session ? { cookie: session.cookie } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json();
  expect(body.code).toBe(code);
  expect(body.detail).toBeTruthy();
  return body;
}

describe('POST /console/session', () => {
  it('logs an operator in with the admin token: HttpOnly, SameSite=Strict, Path=/console, no Secure over http', async () => {
    const res = await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN }) });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sandbox_console=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    const body = await res.json();
    expect(body).toEqual({ role: 'operator', tenant_id: null, csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });
    expect(JSON.stringify(body)).not.toContain(ADMIN);
  });

  it('marks the cookie Secure when the browser came over https', async () => {
    const res = await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token: ADMIN }) });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('logs a partner in with a tenant key, as that tenant', async () => {
    const session = await login(A!.api_key);
    expect(session.body).toMatchObject({ role: 'partner', tenant_id: A!.id });
    const me = await call(session, 'GET', '/console/session');
    expect(await me.json()).toMatchObject({ role: 'partner', tenant_id: A!.id });
  });

  it('refuses a wrong token with 401 problem+json naming the field, and bad bodies with 400', async () => {
    const wrong = await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'mk_test_nope' }) });
    const problem = await expectProblem(wrong, 401, 'invalid_credentials');
    expect(problem.errors).toEqual([{ pointer: '/token', message: expect.any(String) }]);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    await expectProblem(await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }), 400, 'invalid_json');
    await expectProblem(await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token": 5}' }), 400, 'validation_failed');
  });

  it('refuses a login posted from another site', async () => {
    const res = await fetch(`${served.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ token: ADMIN }) });
    await expectProblem(res, 403, 'cross_origin_refused');
  });

  it('logs out: the session is gone, and logging out needs the CSRF token too', async () => {
    const session = await login(ADMIN);
    await expectProblem(await call(session, 'DELETE', '/console/session'), 403, 'csrf_token_required');
    const out = await call(session, 'DELETE', '/console/session', { headers: { 'x-csrf-token': session.csrf } });
    expect(out.status).toBe(204);
    await expectProblem(await call(session, 'GET', '/console/session'), 401, 'console_login_required');
  });
});

describe('/console/api', () => {
  it('needs a session: 401 problem+json without one or with an unknown cookie', async () => {
    await expectProblem(await call(null, 'GET', '/console/api/__sandbox/tenants'), 401, 'console_login_required');
    await expectProblem(await call({ cookie: 'sandbox_console=forged', csrf: '', body: null as never }, 'GET', '/console/api/__sandbox/tenants'), 401, 'console_login_required');
  });

  it('forwards an operator to the control API with the admin token, and to the partner API as the tenant named', async () => {
    const session = await login(ADMIN);
    const tenants = await call(session, 'GET', '/console/api/__sandbox/tenants');
    expect(tenants.status).toBe(200);
    const list = await tenants.json();
    expect(list.data.map((t: { tenant_id: string }) => t.tenant_id)).toEqual(expect.arrayContaining([A!.id, B!.id]));
    expect(JSON.stringify(list)).not.toContain('mk_test_'); // the picker gets names, not keys
    const orders = await call(session, 'GET', '/console/api/api/v2/orders?limit=1', { headers: { 'x-console-tenant': B!.id } });
    expect(orders.status).toBe(200);
    const journal = await (await call(session, 'GET', `/console/api/__sandbox/requests?tenant_id=${B!.id}&operation_id=listOrders`)).json();
    expect(journal.data[0]).toMatchObject({ path: '/api/v2/orders', credential: 'api_key', status: 200 });
    await expectProblem(await call(session, 'GET', '/console/api/api/v2/orders'), 400, 'tenant_required');
  });

  it('forwards only the two APIs', async () => {
    const session = await login(ADMIN);
    for (const path of ['/console/api/metrics', '/console/api/console/session', '/console/api/api/v2/../../metrics', '/console/api/']) {
      await expectProblem(await call(session, 'GET', path), 404, 'route_not_found');
    }
  });

  it('refuses writes without the CSRF token, with a wrong one, or from another Origin', async () => {
    const session = await login(ADMIN);
    const reset = { tenant_id: A!.id };
    await expectProblem(await call(session, 'POST', '/console/api/__sandbox/reset', { body: reset }), 403, 'csrf_token_required');
    await expectProblem(await call(session, 'POST', '/console/api/__sandbox/reset', { body: reset, headers: { 'x-csrf-token': 'x'.repeat(session.csrf.length) } }), 403, 'csrf_token_required');
    await expectProblem(await call(session, 'POST', '/console/api/__sandbox/reset', { body: reset, headers: { 'x-csrf-token': session.csrf, origin: 'https://evil.example' } }), 403, 'cross_origin_refused');
    // Another session's token is no good either.
    const other = await login(ADMIN);
    await expectProblem(await call(session, 'POST', '/console/api/__sandbox/reset', { body: reset, headers: { 'x-csrf-token': other.csrf } }), 403, 'csrf_token_required');
    const ok = await call(session, 'POST', '/console/api/__sandbox/reset', { body: reset, headers: { 'x-csrf-token': session.csrf, origin: served.url } });
    expect(ok.status).toBe(200);
  });

  it('passes the control API\'s problems through, pointers and all', async () => {
    const session = await login(ADMIN);
    const res = await call(session, 'PUT', '/console/api/__sandbox/faults', { body: { tenant_id: A!.id, rules: [{ error: { rate: 2, status: 500 } }] }, headers: { 'x-csrf-token': session.csrf } });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/rules/0/error/rate');
  });

  it('keeps a partner in its own tenant, whatever tenant_id, header or path it tries', async () => {
    const session = await login(A!.api_key);
    const own = await call(session, 'GET', '/console/api/__sandbox/requests');
    expect(own.status).toBe(200);
    expect((await own.json()).tenant_id).toBe(A!.id);
    await expectProblem(await call(session, 'GET', `/console/api/__sandbox/requests?tenant_id=${B!.id}`), 404, 'not_found');
    await expectProblem(await call(session, 'GET', `/console/api/__sandbox/tenants/${B!.id}/readiness`), 404, 'not_found');
    await expectProblem(await call(session, 'POST', '/console/api/__sandbox/reset', { body: { tenant_id: B!.id }, headers: { 'x-csrf-token': session.csrf } }), 404, 'not_found');
    // Operator-only calls answer the partner 401, as the control API does for a tenant's key.
    await expectProblem(await call(session, 'GET', '/console/api/__sandbox/tenants'), 401, 'admin_token_required');
    await expectProblem(await call(session, 'GET', `/console/api/__sandbox/tenants/${B!.id}/api-keys`), 401, 'admin_token_required');
    // The operator's tenant header is ignored: the partner API answers with the session's tenant.
    const orders = await call(session, 'GET', '/console/api/api/v2/orders?limit=100', { headers: { 'x-console-tenant': B!.id } });
    expect(orders.status).toBe(200);
    const partnerBJournal = await fetch(`${served.url}/__sandbox/requests?tenant_id=${B!.id}&operation_id=listOrders`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await partnerBJournal.json()).data.filter((e: { query: string }) => e.query.includes('limit=100'))).toEqual([]);
    // The browser's own Authorization header is not passed on.
    const smuggled = await call(session, 'GET', `/console/api/__sandbox/tenants`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(smuggled.status).toBe(401);
  });
});
