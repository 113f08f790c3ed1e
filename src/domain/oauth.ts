// OAuth 2.0 for partners as plain rules over plain data: which scopes exist, what a client may
// ask for, how a token pair is issued, how a refresh token rotates and what a replayed one does.
// No HTTP here: the token endpoint (src/handlers/oauth.ts) turns outcomes into RFC 6749 answers,
// and the bearer check (src/policies/tenant-auth) reads the records this module writes.
//
// Times are sandbox milliseconds (the tenant's clock), so tokens expire when QA advances the
// clock. Token strings come from the caller's `mint`, which keeps this module free of randomness.

/** One scope per API area, as declared in the spec's oauth2 security scheme. */
export const SCOPES = ['products', 'prices', 'availability', 'inventory', 'orders', 'shipments', 'returns', 'webhooks'] as const;
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
  created_at: string;
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
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

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
