// POST /oauth/token: the client credentials grant, the rotating refresh grant and the exchange of
// an authorization code (RFC 6749 §4.4, §6, §4.1.3 with RFC 7636); GET and POST /oauth/authorize:
// the consent step of the authorization-code grant. The rules are in src/domain/oauth.ts. Errors are RFC 6749 §5.2 bodies (application/json),
// not problem details, because that is what OAuth client libraries parse.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clockNow } from '../clock/clock.ts';
import { accessOf } from '../domain/access.ts';
import {
  authorizationCodeGrant,
  checkAuthorizationRequest,
  issueAuthorizationCode,
  grantableScopes,
  grantClientCredentials,
  holdsFreshToken,
  isFailure,
  isSpentRefreshToken,
  refreshGrant,
  tokenString,
  type IssuedTokens,
  type Mint,
  type OAuthErrorCode,
  type AuthorizationRequest,
  type AuthorizationVerdict,
  type OAuthFailure,
} from '../domain/oauth.ts';
import { authorizationErrorPage, consentPage } from './consent-page.ts';
import type { HandlerContext } from '../server/handler.ts';
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
const sha256base64url = (value: string) => createHash('sha256').update(value).digest('base64url');

const HTML = 'text/html; charset=utf-8';
// The consent page names a seller and takes a decision: never cached, never framed (secure headers add X-Frame-Options).
const PAGE_HEADERS = { 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" };

/** The redirect back to the app with `params` added to its redirect URI's query (RFC 6749 §4.1.2). */
function backToApp(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/** The verdict on an authorization request, with the client looked up in whichever tenant owns it. */
function judge(ctx: HandlerContext, request: AuthorizationRequest): { verdict: AuthorizationVerdict; owner: ReturnType<typeof findOAuthClient> } {
  const owner = request.client_id ? findOAuthClient(ctx.store, request.client_id) : undefined;
  return { verdict: checkAuthorizationRequest(owner?.client, request), owner };
}

/** Constant-time: neither the content nor the length of the presented secret leaks through timing. */
function secretMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

export const oauthHandlers: Handlers<MarketplaceOperationId> = {
  authorizeApp({ query }, ctx) {
    const { verdict, owner } = judge(ctx, query);
    switch (verdict.kind) {
      case 'show_error':
        return { status: 400, body: authorizationErrorPage(verdict.error, verdict.description), contentType: HTML, headers: PAGE_HEADERS };
      case 'redirect_error':
        return { status: 302, headers: { location: backToApp(verdict.redirect_uri, { error: verdict.error, error_description: verdict.description, state: verdict.state }) } };
      case 'consent':
        return { status: 200, body: consentPage(verdict, owner!.tenant), contentType: HTML, headers: PAGE_HEADERS };
    }
  },

  decideAuthorization({ body }, ctx) {
    const { decision, ...request } = body;
    const { verdict, owner } = judge(ctx, request);
    switch (verdict.kind) {
      case 'show_error':
        return { status: 400, body: authorizationErrorPage(verdict.error, verdict.description), contentType: HTML, headers: PAGE_HEADERS };
      case 'redirect_error':
        return { status: 303, headers: { location: backToApp(verdict.redirect_uri, { error: verdict.error, error_description: verdict.description, state: verdict.state }) } };
      case 'consent': {
        if (decision === 'deny') {
          return { status: 303, headers: { location: backToApp(verdict.redirect_uri, { error: 'access_denied', error_description: 'The seller denied the app access.', state: verdict.state }) } };
        }
        const tenant = owner!.tenant;
        const code = `mac_${randomBytes(16).toString('hex')}`;
        issueAuthorizationCode(accessOf(tenant).oauth, verdict, code, clockNow(tenant.clock).getTime());
        ctx.store.changed(tenant);
        return { status: 303, headers: { location: backToApp(verdict.redirect_uri, { code, state: verdict.state }) } };
      }
    }
  },

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
    // Practice notes for the readiness report's token hygiene.
    const notes: string[] = [];
    if (body.grant_type === 'client_credentials') {
      if (holdsFreshToken(state, client.client_id, nowMs)) notes.push('token_while_valid');
      const scopes = grantableScopes(body.scope, client.scopes);
      issued = isFailure(scopes) ? scopes : grantClientCredentials(state, client, scopes, nowMs, mint);
    } else if (body.grant_type === 'authorization_code') {
      if (typeof body.code !== 'string' || body.code === '') {
        return oauthError(400, 'invalid_request', 'The authorization_code grant needs the code parameter (from the redirect of GET /oauth/authorize).');
      }
      issued = authorizationCodeGrant(state, client, { code: body.code, redirect_uri: body.redirect_uri, code_verifier: body.code_verifier }, nowMs, mint, sha256base64url);
      // A spent code, or a replay that revoked tokens: the state changed although the answer may be a 400.
      ctx.store.changed();
    } else {
      if (typeof body.refresh_token !== 'string' || body.refresh_token === '') {
        return oauthError(400, 'invalid_request', 'The refresh_token grant needs the refresh_token parameter.');
      }
      if (isSpentRefreshToken(state, body.refresh_token)) notes.push('refresh_token_reused');
      issued = refreshGrant(state, client, body.refresh_token, body.scope, nowMs, mint);
      // A replay revoked a token family: that must survive a restart although the answer is a 400.
      if (isFailure(issued)) ctx.store.changed();
    }
    if (isFailure(issued)) return { ...failed(issued), notes };
    return {
      notes,
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
