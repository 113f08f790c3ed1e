// Control API: a tenant's API keys (with scopes) and OAuth clients. Keys are named by a key id
// in URLs, never by the key itself, so secrets stay out of URLs and access logs.
import { createHash, randomBytes } from 'node:crypto';
import { accessOf } from '../domain/access.ts';
import { entryOf, revokeClient, SCOPES, type OAuthClient, type Scope } from '../domain/oauth.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { notFound } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { tenantNamed } from './tenant-lookup.ts';

/** A key's stable id, derived from the key so fixture keys have one without storing anything. */
export function keyId(apiKey: string): string {
  return `key_${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

const inSpecOrder = (scopes: readonly string[] | undefined): Scope[] => (scopes ? SCOPES.filter((s) => scopes.includes(s)) : [...SCOPES]);

function describeKey(tenant: Tenant, apiKey: string) {
  const grant = tenant.access?.api_keys[apiKey];
  return {
    key_id: keyId(apiKey),
    api_key: apiKey,
    label: grant?.label ?? null,
    scopes: grant?.scopes ?? [...SCOPES],
    created_at: grant?.created_at ?? tenant.created_at,
  };
}

export const credentialAdminHandlers: Handlers<AdminOperationId> = {
  listApiKeys({ path }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    return { status: 200, body: { data: tenant.api_keys.map((key) => describeKey(tenant, key)) } };
  },

  createApiKey({ path, body }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    const apiKey = `mk_test_${randomBytes(16).toString('hex')}`;
    accessOf(tenant).api_keys[apiKey] = { label: body?.label ?? null, scopes: inSpecOrder(body?.scopes), created_at: new Date().toISOString() };
    ctx.store.addApiKey(tenant, apiKey);
    return { status: 201, body: describeKey(tenant, apiKey) };
  },

  revokeApiKey({ path }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    const apiKey = tenant.api_keys.find((key) => keyId(key) === path.key_id);
    if (!apiKey) throw notFound('API key', path.key_id);
    ctx.store.revokeApiKey(tenant, apiKey);
    if (tenant.access) delete tenant.access.api_keys[apiKey];
    return { status: 204 };
  },

  listOAuthClients({ path }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    return { status: 200, body: { data: Object.values(accessOf(tenant).oauth.clients).map(describeClient) } };
  },

  createOAuthClient({ path, body }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    const clientId = `cli_${randomBytes(6).toString('hex')}`;
    const client: OAuthClient = {
      client_id: clientId,
      client_secret: `cs_test_${randomBytes(16).toString('hex')}`,
      name: body?.name ?? `OAuth client ${clientId}`,
      scopes: inSpecOrder(body?.scopes),
      redirect_uris: [...(body?.redirect_uris ?? [])],
      created_at: new Date().toISOString(),
    };
    accessOf(tenant).oauth.clients[clientId] = client;
    return { status: 201, body: describeClient(client) };
  },

  updateOAuthClient({ path, body }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    const client = entryOf(accessOf(tenant).oauth.clients, path.client_id);
    if (!client) throw notFound('OAuth client', path.client_id);
    if (body.name !== undefined) client.name = body.name;
    if (body.redirect_uris !== undefined) client.redirect_uris = [...body.redirect_uris];
    return { status: 200, body: describeClient(client) };
  },

  deleteOAuthClient({ path }, ctx) {
    const tenant = tenantNamed(ctx, path.tenant_id);
    const oauth = accessOf(tenant).oauth;
    if (!entryOf(oauth.clients, path.client_id)) throw notFound('OAuth client', path.client_id);
    revokeClient(oauth, path.client_id);
    return { status: 204 };
  },
};

/** A client as the control API shows it (clients from older state files have no redirect URIs yet). */
const describeClient = (client: OAuthClient) => ({ ...client, redirect_uris: client.redirect_uris ?? [] });
