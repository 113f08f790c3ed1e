// POST /oauth/token: the client credentials grant and the rotating refresh grant (RFC 6749 §4.4,
// §6), over the rules in src/domain/oauth.ts. Errors are RFC 6749 §5.2 bodies (application/json),
// not problem details, because that is what OAuth client libraries parse.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clockNow } from '../clock/clock.ts';
import { accessOf } from '../domain/access.ts';
import {
  grantableScopes,
  grantClientCredentials,
  isFailure,
  refreshGrant,
  tokenString,
  type IssuedTokens,
  type Mint,
  type OAuthErrorCode,
  type OAuthFailure,
} from '../domain/oauth.ts';
import type { Handlers, MarketplaceOperationId, Reply } from '../server/handler.ts';
import { findOAuthClient } from '../store/oauth-clients.ts';

// RFC 6749 §5.1: token answers must not be cached.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(status: 400 | 401, error: OAuthErrorCode, description: string): Reply<'createToken'> {
  const headers: Record<string, string> = { ...NO_STORE };
  if (status === 401) headers['www-authenticate'] = 'Basic realm="marketplace-sandbox", charset="UTF-8"';
  return { status, body: { error, error_description: description }, contentType: 'application/json', headers };
}

const failed = (failure: OAuthFailure) => oauthError(failure.error === 'invalid_client' ? 401 : 400, failure.error, failure.description);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: neither the content nor the length of the presented secret leaks through timing. */
function secretMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

export const oauthHandlers: Handlers<MarketplaceOperationId> = {
  createToken({ body }, ctx) {
    const basic = ctx.clientAuth;
    if (basic && (body.client_id !== undefined || body.client_secret !== undefined)) {
      return oauthError(400, 'invalid_request', 'Send the client credentials one way only: HTTP Basic or client_id/client_secret in the body, not both.');
    }
    const clientId: string | undefined = basic?.client_id ?? body.client_id;
    const secret: string | undefined = basic?.client_secret ?? body.client_secret;
    if (clientId === undefined || secret === undefined) {
      return oauthError(401, 'invalid_client', 'Client authentication is required: HTTP Basic (client_id:client_secret) or client_id and client_secret in the form body.');
    }
    const found = findOAuthClient(ctx.store, clientId);
    // One answer for "unknown client" and "wrong secret", so client ids cannot be probed.
    if (!found || !secretMatches(found.client.client_secret, secret)) {
      return oauthError(401, 'invalid_client', 'Client authentication failed: unknown client or wrong secret.');
    }
    const { tenant, client } = found;
    const state = accessOf(tenant).oauth;
    const nowMs = clockNow(tenant.clock).getTime();
    const mint: Mint = (kind) => (kind === 'family' ? `fam_${randomBytes(8).toString('hex')}` : tokenString(kind, randomBytes(16).toString('hex'), tenant.id));

    let issued: IssuedTokens | OAuthFailure;
    if (body.grant_type === 'client_credentials') {
      const scopes = grantableScopes(body.scope, client.scopes);
      issued = isFailure(scopes) ? scopes : grantClientCredentials(state, client, scopes, nowMs, mint);
    } else {
      if (typeof body.refresh_token !== 'string' || body.refresh_token === '') {
        return oauthError(400, 'invalid_request', 'The refresh_token grant needs the refresh_token parameter.');
      }
      issued = refreshGrant(state, client, body.refresh_token, body.scope, nowMs, mint);
      // A replay revoked a token family: that must survive a restart although the answer is a 400.
      if (isFailure(issued)) ctx.store.changed();
    }
    if (isFailure(issued)) return failed(issued);
    return {
      status: 200,
      body: {
        access_token: issued.access_token,
        token_type: 'Bearer',
        expires_in: issued.expires_in,
        refresh_token: issued.refresh_token,
        scope: issued.scopes.join(' '),
      },
      headers: NO_STORE,
    };
  },
};
