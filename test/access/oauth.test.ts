// OAuth 2.0 and API keys as a partner meets them: the client credentials grant (body or Basic),
// refresh rotation with replay detection, expiry on the sandbox clock, scopes per API area,
// and API keys / OAuth clients managed through the control API.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { expectProblem, KEY_A, startSandbox, type TestSandbox } from '../support/sandbox.ts';

const CLIENT = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
const CLIENT_B = DEFAULT_OAUTH_CLIENTS.ten_suedhafen!;

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});

const token = (form: Record<string, string>, headers: Record<string, string> = {}) => sb.call('POST', '/oauth/token', { key: null, form, headers });
const clientCredentials = (extra: Record<string, string> = {}) =>
  token({ grant_type: 'client_credentials', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, ...extra });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('client credentials grant', () => {
  it('issues a bearer token pair with every scope of the client, not to be cached', async () => {
    const res = await clientCredentials();
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(res.body.access_token).toMatch(/^mat_/);
    expect(res.body.refresh_token).toMatch(/^mrt_/);
    expect(res.body.scope.split(' ')).toEqual(['products', 'prices', 'availability', 'inventory', 'orders', 'shipments', 'returns', 'webhooks', 'finance']);
    const products = await sb.call('GET', '/api/v2/products?limit=1', { key: res.body.access_token });
    expect(products.status).toBe(200);
  });

  it('accepts the client credentials by HTTP Basic', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'orders' }, { authorization: basic(CLIENT.client_id, CLIENT.client_secret) });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('orders');
  });

  it('refuses a wrong secret or an unknown client alike, with an RFC 6749 body and a Basic challenge', async () => {
    for (const form of [
      { grant_type: 'client_credentials', client_id: CLIENT.client_id, client_secret: 'cs_test_wrong' },
      { grant_type: 'client_credentials', client_id: 'cli_nobody', client_secret: CLIENT.client_secret },
    ]) {
      const res = await token(form);
      expect(res.status).toBe(401);
      expect(res.contentType).toBe('application/json');
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed: unknown client or wrong secret.' });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('refuses requests without client authentication, or with two methods at once', async () => {
    const none = await token({ grant_type: 'client_credentials' });
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_client');
    const both = await token(
      { grant_type: 'client_credentials', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret },
      { authorization: basic(CLIENT.client_id, CLIENT.client_secret) },
    );
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('answers contract errors the OAuth way: unsupported_grant_type and invalid_request', async () => {
    const password = await token({ grant_type: 'password', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(password.status).toBe(400);
    expect(password.contentType).toBe('application/json');
    expect(password.body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials, refresh_token or authorization_code.' });
    const missing = await token({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    expect(missing.body.error_description).toContain('grant_type');
  });

  it('refuses scopes the client does not hold or that do not exist (invalid_scope)', async () => {
    const unknown = await clientCredentials({ scope: 'orders admin' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_scope');
    expect(unknown.body.error_description).toContain('admin');
  });
});

describe('scopes', () => {
  it('a token without the area scope gets 403 insufficient_scope naming the scope', async () => {
    const { body } = await clientCredentials({ scope: 'orders' });
    expect((await sb.call('GET', '/api/v2/orders?limit=1', { key: body.access_token })).status).toBe(200);
    const refused = await sb.call('GET', '/api/v2/products?limit=1', { key: body.access_token });
    const problem = expectProblem(refused, 403, 'insufficient_scope');
    expect(problem.detail).toContain('`products`');
    expect(problem.required_scopes).toEqual(['products']);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="products"');
  });

  it('an API key created with fewer scopes is held to them; fixture keys carry all', async () => {
    const created = await sb.control('POST', '/__sandbox/tenants/ten_nordwind/api-keys', { label: 'orders only', scopes: ['orders'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ label: 'orders only', scopes: ['orders'] });
    const key = created.body.api_key;
    expect((await sb.call('GET', '/api/v2/orders?limit=1', { key })).status).toBe(200);
    expectProblem(await sb.call('PUT', `/api/v2/products/${firstProductId()}/price`, { key, body: { price: 10 } }), 403, 'insufficient_scope');
    expect((await sb.call('GET', '/api/v2/products?limit=1', { key: KEY_A })).status).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotate: the used refresh token dies, the new pair works', async () => {
    const first = (await clientCredentials()).body;
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect((await sb.call('GET', '/api/v2/orders?limit=1', { key: second.body.access_token })).status).toBe(200);
  });

  it('a replayed refresh token revokes the whole family (replay detection)', async () => {
    const first = (await clientCredentials()).body;
    const refresh = (refresh_token: string) => token({ grant_type: 'refresh_token', refresh_token }, { authorization: basic(CLIENT.client_id, CLIENT.client_secret) });
    const second = (await refresh(first.refresh_token)).body;
    const other = (await clientCredentials()).body; // another family, untouched

    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(replay.body.error_description).toContain('already used');

    // Every token of the family is dead now, including the newest pair.
    const revoked = await sb.call('GET', '/api/v2/orders?limit=1', { key: second.access_token });
    expectProblem(revoked, 401, 'unauthorized');
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await refresh(second.refresh_token)).body.error).toBe('invalid_grant');
    expect((await sb.call('GET', '/api/v2/orders?limit=1', { key: other.access_token })).status).toBe(200);
  });

  it('belong to their client: another client cannot use them', async () => {
    const first = (await clientCredentials()).body;
    const stolen = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: CLIENT_B.client_id, client_secret: CLIENT_B.client_secret });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
  });

  it('may narrow the scope but not widen it', async () => {
    const narrow = (await clientCredentials({ scope: 'orders shipments' })).body;
    const narrower = await token({ grant_type: 'refresh_token', refresh_token: narrow.refresh_token, scope: 'orders', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(narrower.body.scope).toBe('orders');
    const wider = await token({ grant_type: 'refresh_token', refresh_token: narrower.body.refresh_token, scope: 'orders products', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });
});

describe('expiry on the sandbox clock', () => {
  it('an access token dies when the tenant clock passes its hour; the refresh token still works', async () => {
    const sandbox = await startSandbox(); // its own clock, so advancing it disturbs no other test
    const issue = await sandbox.call('POST', '/oauth/token', {
      key: null,
      form: { grant_type: 'client_credentials', client_id: CLIENT.client_id, client_secret: CLIENT.client_secret },
    });
    const { access_token, refresh_token } = issue.body;
    expect((await sandbox.call('GET', '/api/v2/orders?limit=1', { key: access_token })).status).toBe(200);

    expect((await sandbox.control('POST', '/__sandbox/clock/advance', { tenant_id: 'ten_nordwind', seconds: 3590 })).status).toBe(200);
    expect((await sandbox.call('GET', '/api/v2/orders?limit=1', { key: access_token })).status).toBe(200);
    expect((await sandbox.control('POST', '/__sandbox/clock/advance', { tenant_id: 'ten_nordwind', seconds: 20 })).status).toBe(200);

    const expired = await sandbox.call('GET', '/api/v2/orders?limit=1', { key: access_token });
    expectProblem(expired, 401, 'token_expired');
    expect(expired.headers.get('www-authenticate')).toContain('Bearer');
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(JSON.stringify(expired.body)).not.toContain(access_token);

    const renewed = await sandbox.call('POST', '/oauth/token', {
      key: null,
      form: { grant_type: 'refresh_token', refresh_token, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret },
    });
    expect(renewed.status).toBe(200);
    expect((await sandbox.call('GET', '/api/v2/orders?limit=1', { key: renewed.body.access_token })).status).toBe(200);
    await sandbox.close();
  });
});

describe('credentials through the control API', () => {
  it('a revoked API key gets 401 at once; the list shows only live keys', async () => {
    const created = (await sb.control('POST', '/__sandbox/tenants/ten_suedhafen/api-keys', { label: 'ci' })).body;
    expect(created.scopes).toHaveLength(9);
    expect((await sb.call('GET', '/api/v2/orders?limit=1', { key: created.api_key })).status).toBe(200);

    const listed = (await sb.control('GET', '/__sandbox/tenants/ten_suedhafen/api-keys')).body.data;
    expect(listed.map((k: { key_id: string }) => k.key_id)).toContain(created.key_id);

    expect((await sb.control('DELETE', `/__sandbox/tenants/ten_suedhafen/api-keys/${created.key_id}`)).status).toBe(204);
    const refused = await sb.call('GET', '/api/v2/orders?limit=1', { key: created.api_key });
    expectProblem(refused, 401, 'unauthorized');
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const after = (await sb.control('GET', '/__sandbox/tenants/ten_suedhafen/api-keys')).body.data;
    expect(after.map((k: { key_id: string }) => k.key_id)).not.toContain(created.key_id);
    expectProblem(await sb.control('DELETE', `/__sandbox/tenants/ten_suedhafen/api-keys/${created.key_id}`), 404, 'not_found');
  });

  it('a created OAuth client gets tokens up to its scopes; deleting it kills its tokens', async () => {
    const client = (await sb.control('POST', '/__sandbox/tenants/ten_suedhafen/oauth-clients', { name: 'Returns bot', scopes: ['returns'] })).body;
    expect(client.client_id).toMatch(/^cli_/);
    const issued = await token({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret });
    expect(issued.body.scope).toBe('returns');
    expect((await sb.call('GET', '/api/v2/returns?limit=1', { key: issued.body.access_token })).status).toBe(200);

    expect((await sb.control('DELETE', `/__sandbox/tenants/ten_suedhafen/oauth-clients/${client.client_id}`)).status).toBe(204);
    expectProblem(await sb.call('GET', '/api/v2/returns?limit=1', { key: issued.body.access_token }), 401, 'unauthorized');
    expect((await token({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret })).status).toBe(401);
  });

  it('lists the documented clients of the default tenants', async () => {
    const clients = (await sb.control('GET', '/__sandbox/tenants/ten_nordwind/oauth-clients')).body.data;
    expect(clients).toEqual([expect.objectContaining({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret })]);
  });
});

function firstProductId(): string {
  return Object.keys(sb.store.tenant('ten_nordwind')!.state.products)[0]!;
}
