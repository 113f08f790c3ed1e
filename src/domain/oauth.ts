// OAuth 2.0 for partners as plain rules over plain data: which scopes exist, what a client may
// ask for, how a token pair is issued, how a refresh token rotates and what a replayed one does,
// and the authorization-code grant with PKCE (RFC 6749 §4.1, RFC 7636) by which an app acts for
// a seller: what an authorization request must hold, the code, and its exchange.
// No HTTP here: the token endpoint (src/handlers/oauth.ts) turns outcomes into RFC 6749 answers,
// and the bearer check (src/policies/tenant-auth) reads the records this module writes.
//
// Times are sandbox milliseconds (the tenant's clock), so tokens expire when QA advances the
// clock. Token strings come from the caller's `mint`, which keeps this module free of randomness.

import type { operations } from '../contract/generated/marketplace.ts';

/** One scope per API area, as declared in the spec's oauth2 security scheme. */
export const SCOPES = ['products', 'prices', 'availability', 'inventory', 'orders', 'shipments', 'returns', 'webhooks', 'finance'] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes as bits, so the per-request check is one AND instead of array searches. */
const BIT: Record<string, number> = Object.fromEntries(SCOPES.map((scope, i) => [scope, 1 << i]));
export const ALL_SCOPES = (1 << SCOPES.length) - 1;

export function scopeMask(scopes: readonly string[]): number {
  let mask = 0;
  for (const scope of scopes) mask |= BIT[scope] ?? 0;
  return mask;
}

/** The scopes of `required` that `granted` lacks, in spec order. */
export function missingScopes(granted: number, required: number): Scope[] {
  return SCOPES.filter((scope) => (required & BIT[scope]!) !== 0 && (granted & BIT[scope]!) === 0);
}

export function isScope(value: string): value is Scope {
  return BIT[value] !== undefined;
}

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface OAuthClient {
  client_id: string; // cli_…
  client_secret: string; // cs_test_…
  name: string;
  scopes: Scope[];
  /** Where the authorization-code grant may send the seller back (exact match); none: that grant is closed. */
  redirect_uris?: string[];
  created_at: string;
}

/** An authorization code: single use, short-lived, bound to its client, redirect URI and PKCE challenge. */
export interface AuthorizationCodeRecord {
  client_id: string;
  redirect_uri: string;
  scopes: Scope[];
  code_challenge: string;
  code_challenge_method: 'S256' | 'plain';
  expires_at: number; // sandbox ms
  /** Set when exchanged; presenting it again revokes what it was exchanged for (RFC 6749 §4.1.2). */
  used_at: number | null;
  /** The token family it was exchanged for. */
  family: string | null;
}

export interface AccessTokenRecord {
  client_id: string;
  scopes: Scope[];
  /** Every token descending from one client-credentials grant shares a family; a replay revokes it. */
  family: string;
  expires_at: number; // sandbox ms
}

export interface RefreshTokenRecord {
  client_id: string;
  scopes: Scope[];
  family: string;
  expires_at: number; // sandbox ms
  /** Set when the token was exchanged; presenting it again is a replay. */
  used_at: number | null;
}

/** A tenant's OAuth world, persisted with the tenant. */
export interface OAuthState {
  clients: Record<string, OAuthClient>;
  access_tokens: Record<string, AccessTokenRecord>;
  refresh_tokens: Record<string, RefreshTokenRecord>;
  /** Authorization codes by code (absent in state files from before the grant existed). */
  codes?: Record<string, AuthorizationCodeRecord>;
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/** The errors an authorization request answers at the redirect URI (RFC 6749 §4.1.2.1). */
export type AuthorizationErrorCode = 'invalid_request' | 'unauthorized_client' | 'access_denied' | 'unsupported_response_type' | 'invalid_scope';

export const AUTHORIZATION_CODE_TTL_SECONDS = 600;

/** An RFC 6749 §5.2 error. Descriptions never repeat a presented secret or token. */
export interface OAuthFailure {
  error: OAuthErrorCode;
  description: string;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  scopes: Scope[];
  expires_in: number;
}

export type Mint = (kind: 'access' | 'refresh' | 'family') => string;

/**
 * Access and refresh tokens carry their tenant after a fixed-length random part:
 * `mat_<32 hex>_<tenant id>`. The bearer check finds the tenant with no index to keep in step;
 * partners treat tokens as opaque.
 */
export function tokenString(kind: 'access' | 'refresh', random32hex: string, tenantId: string): string {
  return `${kind === 'access' ? 'mat' : 'mrt'}_${random32hex}_${tenantId}`;
}

/** The tenant id inside a token made by `tokenString`, or null for anything else. */
export function tenantOfToken(token: string): string | null {
  if (token.length <= 37 || token.charCodeAt(36) !== 95 /* _ */ || !(token.startsWith('mat_') || token.startsWith('mrt_'))) return null;
  return token.slice(37);
}

/** A member of a record keyed by user input, never one inherited from Object.prototype. */
export const entryOf = <T>(record: Record<string, T>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

const fail = (error: OAuthErrorCode, description: string): OAuthFailure => ({ error, description });

export function isFailure(value: unknown): value is OAuthFailure {
  return typeof value === 'object' && value !== null && 'error' in value && 'description' in value;
}

/**
 * The scopes a token request gets: the requested ones (space separated) if the client holds
 * them all, or every scope of the client when none are requested (RFC 6749 §3.3).
 */
export function grantableScopes(requested: string | undefined, allowed: readonly Scope[]): Scope[] | OAuthFailure {
  if (requested === undefined || requested.trim() === '') return [...allowed];
  const wanted = [...new Set(requested.trim().split(/\s+/))];
  const unknown = wanted.filter((scope) => !isScope(scope));
  if (unknown.length) {
    return fail('invalid_scope', `Unknown scope ${unknown.join(', ')}; scopes are: ${SCOPES.join(' ')}.`);
  }
  const denied = wanted.filter((scope) => !allowed.includes(scope as Scope));
  if (denied.length) {
    return fail('invalid_scope', `This client may not ask for ${denied.join(', ')}; its scopes are: ${allowed.join(' ') || '(none)'}.`);
  }
  return SCOPES.filter((scope) => wanted.includes(scope));
}

/** Client credentials grant (RFC 6749 §4.4): a fresh token pair opening a new family. */
export function grantClientCredentials(state: OAuthState, client: OAuthClient, scopes: Scope[], nowMs: number, mint: Mint): IssuedTokens {
  return issuePair(state, client.client_id, scopes, mint('family'), nowMs, mint);
}

/**
 * Refresh grant (RFC 6749 §6) with rotation: the presented refresh token is spent and a new pair
 * is issued in the same family. A spent token presented again means it leaked or the client
 * raced itself: the whole family (every access and refresh token) is revoked.
 */
export function refreshGrant(
  state: OAuthState,
  client: OAuthClient,
  refreshToken: string,
  requestedScope: string | undefined,
  nowMs: number,
  mint: Mint,
): IssuedTokens | OAuthFailure {
  const record = entryOf(state.refresh_tokens, refreshToken);
  if (!record || record.client_id !== client.client_id) {
    return fail('invalid_grant', 'The refresh token is unknown, revoked, or was issued to another client. Request a new token with the client credentials grant.');
  }
  if (record.used_at !== null) {
    revokeFamily(state, record.family);
    return fail(
      'invalid_grant',
      'The refresh token was already used. Refresh tokens rotate: use the one returned by the last refresh. As a replay protection, every token of this family is now revoked; request a new token with the client credentials grant.',
    );
  }
  if (nowMs >= record.expires_at) {
    delete state.refresh_tokens[refreshToken];
    return fail('invalid_grant', 'The refresh token has expired (they live 30 days on the sandbox clock). Request a new token with the client credentials grant.');
  }
  const scopes = grantableScopes(requestedScope, record.scopes);
  if (isFailure(scopes)) return scopes;
  record.used_at = nowMs;
  return issuePair(state, client.client_id, scopes, record.family, nowMs, mint);
}

/**
 * Whether the client holds an access token with more than half its life left: asking for another
 * then is what a connector does that fetches a token per request (the readiness report notes it).
 */
export function holdsFreshToken(state: OAuthState, clientId: string, nowMs: number): boolean {
  const half = (ACCESS_TOKEN_TTL_SECONDS * 1000) / 2;
  for (const record of Object.values(state.access_tokens)) if (record.client_id === clientId && record.expires_at - nowMs > half) return true;
  return false;
}

/** Whether a refresh token was already spent (presenting it again revokes its family). */
export const isSpentRefreshToken = (state: OAuthState, token: string): boolean => (Object.hasOwn(state.refresh_tokens, token) ? state.refresh_tokens[token]!.used_at !== null : false);

/** Revokes every access and refresh token of a family. */
export function revokeFamily(state: OAuthState, family: string): void {
  for (const [token, record] of Object.entries(state.access_tokens)) if (record.family === family) delete state.access_tokens[token];
  for (const [token, record] of Object.entries(state.refresh_tokens)) if (record.family === family) delete state.refresh_tokens[token];
}

/** Revokes everything issued to a client (when the client is deleted). */
export function revokeClient(state: OAuthState, clientId: string): void {
  delete state.clients[clientId];
  for (const [token, record] of Object.entries(state.access_tokens)) if (record.client_id === clientId) delete state.access_tokens[token];
  for (const [token, record] of Object.entries(state.refresh_tokens)) if (record.client_id === clientId) delete state.refresh_tokens[token];
}

/**
 * Drops tokens that can no longer be used, so a long-running sandbox does not keep every token
 * it ever issued. Spent refresh tokens stay until they expire: replay detection needs them.
 */
export function pruneExpired(state: OAuthState, nowMs: number): void {
  for (const [token, record] of Object.entries(state.access_tokens)) if (nowMs >= record.expires_at) delete state.access_tokens[token];
  for (const [token, record] of Object.entries(state.refresh_tokens)) if (nowMs >= record.expires_at) delete state.refresh_tokens[token];
}

export type AccessCheck = { ok: true; record: AccessTokenRecord } | { ok: false; reason: 'unknown' | 'expired' };

/** Whether an access token is good at sandbox time `nowMs`. */
export function checkAccessToken(state: OAuthState | undefined, token: string, nowMs: number): AccessCheck {
  const record = state ? entryOf(state.access_tokens, token) : undefined;
  if (!record) return { ok: false, reason: 'unknown' };
  if (nowMs >= record.expires_at) return { ok: false, reason: 'expired' };
  return { ok: true, record };
}

function issuePair(state: OAuthState, clientId: string, scopes: Scope[], family: string, nowMs: number, mint: Mint): IssuedTokens {
  pruneExpired(state, nowMs);
  const access = mint('access');
  const refresh = mint('refresh');
  state.access_tokens[access] = { client_id: clientId, scopes, family, expires_at: nowMs + ACCESS_TOKEN_TTL_SECONDS * 1000 };
  state.refresh_tokens[refresh] = { client_id: clientId, scopes, family, expires_at: nowMs + REFRESH_TOKEN_TTL_SECONDS * 1000, used_at: null };
  return { access_token: access, refresh_token: refresh, scopes, expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

/** What `GET /oauth/authorize` is asked (RFC 6749 §4.1.1 with RFC 7636 §4.3), as the spec has it. */
export type AuthorizationRequest = NonNullable<operations['authorizeApp']['parameters']['query']>;

/**
 * The verdict on an authorization request. `show_error`: the client or its redirect URI cannot be
 * trusted, so the seller is told on the page and nobody is redirected (RFC 6749 §4.1.2.1);
 * `redirect_error`: the app is sent the error at its redirect URI; `consent`: ask the seller.
 */
export type AuthorizationVerdict =
  | { kind: 'show_error'; error: AuthorizationErrorCode; description: string }
  | { kind: 'redirect_error'; redirect_uri: string; error: AuthorizationErrorCode; description: string; state?: string }
  | { kind: 'consent'; client: OAuthClient; redirect_uri: string; scopes: Scope[]; state?: string; code_challenge: string; code_challenge_method: 'S256' | 'plain' };

/** PKCE code verifiers and challenges: 43–128 unreserved characters (RFC 7636 §4.1, §4.2). */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export function checkAuthorizationRequest(client: OAuthClient | undefined, request: AuthorizationRequest): AuthorizationVerdict {
  if (!request.client_id) return { kind: 'show_error', error: 'invalid_request', description: 'client_id is missing: the app must say who it is.' };
  if (!client) return { kind: 'show_error', error: 'invalid_request', description: `There is no OAuth client ${request.client_id}; the app's client_id is wrong.` };
  const registered = client.redirect_uris ?? [];
  if (registered.length === 0) {
    return { kind: 'show_error', error: 'unauthorized_client', description: `The client ${client.client_id} has no redirect URI registered; register one with PATCH /__sandbox/tenants/{tenant_id}/oauth-clients/${client.client_id}.` };
  }
  // Without a redirect_uri the only registered one is meant (RFC 6749 §3.1.2.3); any given one must match exactly.
  const redirect_uri = request.redirect_uri ?? (registered.length === 1 ? registered[0] : undefined);
  if (!redirect_uri || !registered.includes(redirect_uri)) {
    return {
      kind: 'show_error',
      error: 'invalid_request',
      description: request.redirect_uri
        ? `The redirect_uri ${request.redirect_uri} is not registered for ${client.client_id} (registered: ${registered.join(', ')}); it must match exactly.`
        : `The client has several redirect URIs; say which one with redirect_uri (registered: ${registered.join(', ')}).`,
    };
  }
  const toApp = (error: AuthorizationErrorCode, description: string): AuthorizationVerdict => ({ kind: 'redirect_error', redirect_uri, error, description, state: request.state });
  if (request.response_type !== 'code') {
    return toApp(request.response_type ? 'unsupported_response_type' : 'invalid_request', `response_type must be code${request.response_type ? `, not ${request.response_type}` : ''}.`);
  }
  const method = request.code_challenge_method ?? 'plain';
  if (!request.code_challenge) return toApp('invalid_request', 'code_challenge is required: this sandbox, like OAuth 2.1, takes authorization codes only with PKCE (RFC 7636).');
  if (method !== 'S256' && method !== 'plain') return toApp('invalid_request', `code_challenge_method must be S256 or plain, not ${method}.`);
  if (!PKCE_VALUE.test(request.code_challenge)) return toApp('invalid_request', 'code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (for S256: the base64url SHA-256 of the verifier, without padding).');
  const scopes = grantableScopes(request.scope, client.scopes);
  if (isFailure(scopes)) return toApp('invalid_scope', scopes.description);
  return { kind: 'consent', client, redirect_uri, scopes, state: request.state, code_challenge: request.code_challenge, code_challenge_method: method };
}

/** The seller approved: a code for the app (the caller mints the string). */
export function issueAuthorizationCode(state: OAuthState, consent: Extract<AuthorizationVerdict, { kind: 'consent' }>, code: string, nowMs: number): void {
  const codes = (state.codes ??= {});
  for (const [key, record] of Object.entries(codes)) if (nowMs >= record.expires_at) delete codes[key];
  codes[code] = {
    client_id: consent.client.client_id,
    redirect_uri: consent.redirect_uri,
    scopes: consent.scopes,
    code_challenge: consent.code_challenge,
    code_challenge_method: consent.code_challenge_method,
    expires_at: nowMs + AUTHORIZATION_CODE_TTL_SECONDS * 1000,
    used_at: null,
    family: null,
  };
}

/** RFC 7636 §4.6: does the verifier answer the challenge? `sha256base64url` is the caller's (no crypto here). */
export function verifierMatches(record: Pick<AuthorizationCodeRecord, 'code_challenge' | 'code_challenge_method'>, verifier: string, sha256base64url: (value: string) => string): boolean {
  if (!PKCE_VALUE.test(verifier)) return false;
  return (record.code_challenge_method === 'S256' ? sha256base64url(verifier) : verifier) === record.code_challenge;
}

/** Authorization-code grant (RFC 6749 §4.1.3): the code, once, for the client and redirect URI it was issued to. */
export function authorizationCodeGrant(
  state: OAuthState,
  client: OAuthClient,
  request: { code: string; redirect_uri?: string; code_verifier?: string },
  nowMs: number,
  mint: Mint,
  sha256base64url: (value: string) => string,
): IssuedTokens | OAuthFailure {
  const record = state.codes ? entryOf(state.codes, request.code) : undefined;
  if (!record || record.client_id !== client.client_id) {
    return fail('invalid_grant', 'The authorization code is unknown or was issued to another client. Send the seller through GET /oauth/authorize again.');
  }
  if (record.used_at !== null) {
    if (record.family) revokeFamily(state, record.family);
    return fail('invalid_grant', 'The authorization code was already used. Codes are single use; as a protection, the tokens it was exchanged for are now revoked. Send the seller through GET /oauth/authorize again.');
  }
  if (nowMs >= record.expires_at) {
    delete state.codes![request.code];
    return fail('invalid_grant', `The authorization code has expired (codes live ${AUTHORIZATION_CODE_TTL_SECONDS / 60} minutes on the sandbox clock). Send the seller through GET /oauth/authorize again.`);
  }
  if (request.redirect_uri !== record.redirect_uri) {
    return fail('invalid_grant', `redirect_uri must be the one of the authorization request (${record.redirect_uri}).`);
  }
  if (!request.code_verifier) return fail('invalid_request', 'code_verifier is required: the code was issued with a PKCE code_challenge.');
  if (!verifierMatches(record, request.code_verifier, sha256base64url)) {
    return fail('invalid_grant', `The code_verifier does not match the code_challenge (method ${record.code_challenge_method}) of the authorization request.`);
  }
  record.used_at = nowMs;
  record.family = mint('family');
  return issuePair(state, client.client_id, record.scopes, record.family, nowMs, mint);
}
