// The authorization-code grant with PKCE (RFC 6749 §4.1, RFC 7636) as an app meets it, over a real
// socket: the consent page, the redirect with a code, the exchange with the code verifier, the
// tokens working on the API, and the RFC's errors — shown on the page when the client or redirect
// URI cannot be trusted, sent to the app otherwise, and §5.2 bodies at the token endpoint.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS, DEFAULT_REDIRECT_URIS } from '../../src/domain/access.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';

const CLIENT = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
const REDIRECT = DEFAULT_REDIRECT_URIS[0]!;
const verifier = () => randomBytes(32).toString('base64url'); // 43 characters
const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');

let served: Served;
beforeAll(async () => {
  served = await serveSandbox({ adminToken: ADMIN_TOKEN });
});
afterAll(() => served?.close());

const authorizeUrl = (params: Record<string, string>) => `${served.url}/oauth/authorize?${new URLSearchParams(params)}`;
const get = (url: string) => fetch(url, { redirect: 'manual' });
const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${served.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
const control = (method: string, path: string, body?: unknown) =>
  fetch(`${served.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** The query of a redirect's Location, checking that it goes to the app's redirect URI. */
function redirectedTo(res: Response, base = REDIRECT): URLSearchParams {
  const location = res.headers.get('location');
  expect(location, `status ${res.status}`).toBeTruthy();
  const url = new URL(location!);
  expect(`${url.origin}${url.pathname}`).toBe(base);
  return url.searchParams;
}

/** The request an app sends, approved on the consent page: the code and state from the redirect. */
async function approve(v: string, extra: Record<string, string> = {}): Promise<URLSearchParams> {
  const request = { response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'orders shipments', state: 'st-123', code_challenge: challengeOf(v), code_challenge_method: 'S256', ...extra };
  const page = await get(authorizeUrl(request));
  expect(page.status).toBe(200);
  const res = await form('/oauth/authorize', { ...request, decision: 'approve' });
  expect(res.status).toBe(303);
  return redirectedTo(res);
}

const exchange = (code: string, v: string, extra: Record<string, string> = {}) =>
  form('/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: v, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, ...extra });

describe('the whole flow', () => {
  it('consent page, approval, code for tokens with the verifier, tokens that work with the granted scopes', async () => {
    const v = verifier();
    const page = await get(authorizeUrl({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'orders shipments', state: 'st-123', code_challenge: challengeOf(v), code_challenge_method: 'S256' }));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain(CLIENT.name);
    expect(html).toContain('Nordwind'); // the seller the sandbox plays
    expect(html).toContain('<code>orders</code>');
    expect(html).toContain('<code>shipments</code>');

    const back = await approve(v);
    expect(back.get('state')).toBe('st-123');
    const code = back.get('code')!;
    expect(code).toMatch(/^mac_/);

    const tokens = await exchange(code, v);
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    const body = await tokens.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders shipments' });

    const orders = await fetch(`${served.url}/api/v2/orders?limit=1`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(orders.status).toBe(200);
    const products = await fetch(`${served.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(products.status).toBe(403); // the seller granted orders and shipments only

    // The refresh token rotates like any other.
    const refreshed = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(refreshed.status).toBe(200);
  });

  it('the plain method works too', async () => {
    const v = verifier();
    const back = await approve(v, { code_challenge: v, code_challenge_method: 'plain' });
    const res = await form('/oauth/token', { grant_type: 'authorization_code', code: back.get('code')!, redirect_uri: REDIRECT, code_verifier: v, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(res.status).toBe(200);
  });

  it('a denial sends the app access_denied with its state', async () => {
    const v = verifier();
    const res = await form('/oauth/authorize', { response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 'st-9', code_challenge: challengeOf(v), code_challenge_method: 'S256', decision: 'deny' });
    expect(res.status).toBe(303);
    const back = redirectedTo(res);
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('state')).toBe('st-9');
    expect(back.get('code')).toBeNull();
  });
});

describe('errors of the authorization request (RFC 6749 §4.1.2.1)', () => {
  it('an unknown client or an unregistered redirect URI is shown on the page, and nobody is redirected', async () => {
    const unknown = await get(authorizeUrl({ response_type: 'code', client_id: 'cli_nobody', redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()) }));
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
    expect(await unknown.text()).toContain('cli_nobody');
    const elsewhere = await get(authorizeUrl({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: 'https://attacker.example/steal', code_challenge: challengeOf(verifier()) }));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
    expect(await elsewhere.text()).toContain('not registered');
  });

  it('other errors go to the app: unsupported_response_type, a missing PKCE challenge, an unknown scope', async () => {
    const base = { client_id: CLIENT.client_id, redirect_uri: REDIRECT, state: 's1' };
    const token = redirectedTo(await get(authorizeUrl({ ...base, response_type: 'token', code_challenge: challengeOf(verifier()) })));
    expect(token.get('error')).toBe('unsupported_response_type');
    expect(token.get('state')).toBe('s1');
    const noPkce = redirectedTo(await get(authorizeUrl({ ...base, response_type: 'code' })));
    expect(noPkce.get('error')).toBe('invalid_request');
    expect(noPkce.get('error_description')).toContain('code_challenge');
    const scope = redirectedTo(await get(authorizeUrl({ ...base, response_type: 'code', scope: 'everything', code_challenge: challengeOf(verifier()) })));
    expect(scope.get('error')).toBe('invalid_scope');
  });

  it('redirect URIs are registered through the control API; a client without one cannot use the grant', async () => {
    const created = await (await control('POST', '/__sandbox/tenants/ten_nordwind/oauth-clients', { name: 'Storefront app' })).json();
    expect(created.redirect_uris).toEqual([]);
    const closed = await get(authorizeUrl({ response_type: 'code', client_id: created.client_id, code_challenge: challengeOf(verifier()) }));
    expect(closed.status).toBe(400);
    expect(await closed.text()).toContain('no redirect URI');
    const updated = await control('PATCH', `/__sandbox/tenants/ten_nordwind/oauth-clients/${created.client_id}`, { redirect_uris: ['https://app.example.com/cb'] });
    expect(updated.status).toBe(200);
    expect((await updated.json()).redirect_uris).toEqual(['https://app.example.com/cb']);
    // With one registered URI the request may leave redirect_uri out.
    const open = await get(authorizeUrl({ response_type: 'code', client_id: created.client_id, code_challenge: challengeOf(verifier()) }));
    expect(open.status).toBe(200);
    const bad = await control('PATCH', `/__sandbox/tenants/ten_nordwind/oauth-clients/${created.client_id}`, { redirect_uris: ['https://app.example.com/cb#frag'] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].pointer).toBe('/body/redirect_uris/0');
  });
});

describe('errors of the code exchange (RFC 6749 §5.2)', () => {
  it('a wrong verifier, another redirect URI and a spent code are invalid_grant; a spent code revokes its tokens', async () => {
    const v = verifier();
    const code = (await approve(v)).get('code')!;
    const wrongVerifier = await exchange(code, verifier());
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('code_verifier') });
    const wrongRedirect = await exchange(code, v, { redirect_uri: 'http://localhost:3000/other' });
    expect((await wrongRedirect.json()).error).toBe('invalid_grant');

    const first = await (await exchange(code, v)).json();
    expect(first.access_token).toMatch(/^mat_/);
    const replay = await exchange(code, v);
    expect(replay.status).toBe(400);
    expect((await replay.json()).error_description).toContain('already used');
    const revoked = await fetch(`${served.url}/api/v2/orders?limit=1`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(revoked.status).toBe(401);
  });

  it('a missing code or verifier is invalid_request; an unknown code invalid_grant; a code expires after 10 sandbox minutes', async () => {
    const missing = await form('/oauth/token', { grant_type: 'authorization_code', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect((await missing.json()).error).toBe('invalid_request');
    const unknown = await exchange('mac_nothing', verifier());
    expect((await unknown.json()).error).toBe('invalid_grant');
    const v = verifier();
    const code = (await approve(v)).get('code')!;
    const noVerifier = await form('/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect((await noVerifier.json()).error).toBe('invalid_request');
    const advanced = await control('POST', '/__sandbox/clock/advance', { tenant_id: 'ten_nordwind', seconds: 601 });
    expect(advanced.status).toBe(200);
    const late = await exchange(code, v);
    expect(await late.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  });

  it('a code is good only for the client it was issued to', async () => {
    const v = verifier();
    const code = (await approve(v)).get('code')!;
    const other = DEFAULT_OAUTH_CLIENTS.ten_suedhafen!;
    const res = await exchange(code, v, { client_id: other.client_id, client_secret: other.client_secret });
    expect((await res.json()).error).toBe('invalid_grant');
  });
});
