// The token endpoint's HTTP side (POST /oauth/token; the grants themselves are in
// src/handlers/oauth.ts):
//   - reads HTTP Basic client credentials (RFC 6749 §2.3.1) for the handler;
//   - attributes the request to the tenant owning the presented client id, so the token
//     endpoint is rate-limited per tenant, gets that tenant's fault rules and lands in its
//     journal (the secret is checked by the handler, not here);
//   - answers errors the RFC 6749 §5.2 way ({error, error_description}, application/json)
//     instead of problem details, including the pipeline's own validation errors.
// Mounted on the token endpoint only (isTokenEndpoint).
import type { Operation } from '../../contract/operations.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import type { SandboxStore } from '../../store/store.ts';
import { findOAuthClient } from '../../store/oauth-clients.ts';

export const TOKEN_OPERATION = 'createToken';

/** Where the policy belongs: the token endpoint's operation. */
export const isTokenEndpoint = (op: Operation): boolean => op.operationId === TOKEN_OPERATION;

export function tokenEndpoint(store: SandboxStore): Policy {
  return {
    name: 'oauth-token',
    appliesTo: isTokenEndpoint,
    before: (c) => nameTheClient(store, c),
    after: asTokenError,
  };
}

/** The client's credentials for the handler, and its tenant for the limiter, faults and journal. */
async function nameTheClient(store: SandboxStore, c: RequestContext): Promise<void> {
  const basic = basicCredentials(c.req.header('authorization'));
  if (basic) c.set('clientAuth', basic);
  const clientId = await presentedClientId(c, basic);
  const owner = clientId ? findOAuthClient(store, clientId) : undefined;
  if (owner) c.set('tenant', owner.tenant);
  c.set('credential', 'oauth_client');
}

/**
 * A problem from the contract layer (missing body, unknown grant_type, extra members…) becomes
 * the RFC 6749 error a token client understands.
 */
function asTokenError(c: RequestContext): void {
  const error = c.error;
  if (error instanceof Problem && error.status === 400 && c.res.status === 400) {
    const grantTypeInvalid = (error.body.errors ?? []).some((e) => e.pointer === '/body/grant_type' && e.message !== 'is required');
    const body = JSON.stringify({
      error: grantTypeInvalid ? 'unsupported_grant_type' : 'invalid_request',
      error_description: grantTypeInvalid ? 'grant_type must be client_credentials, refresh_token or authorization_code.' : error.body.detail,
    });
    c.res = new Response(body, { status: 400, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
    c.set('responseBytes', Buffer.byteLength(body));
  }
}

/** `Authorization: Basic base64(urlencode(id):urlencode(secret))`, or null. */
function basicCredentials(header: string | undefined): { client_id: string; client_secret: string } | null {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { client_id: form(decoded.slice(0, colon)), client_secret: form(decoded.slice(colon + 1)) };
  } catch {
    return null; // malformed percent-encoding: treated as no Basic credentials
  }
}

/** The client id a token request presents: HTTP Basic's, else the form's (also what replica-sync locks by). */
export async function presentedClientId(c: RequestContext, basic = basicCredentials(c.req.header('authorization'))): Promise<string | null> {
  return basic ? basic.client_id || null : formClientId(c);
}

/** client_id from a form body. Reading it here is free later: hono caches the body text. */
async function formClientId(c: RequestContext): Promise<string | null> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  return new URLSearchParams(await c.req.text()).get('client_id');
}
