// How the connector proves who it is. The marketplace accepts two kinds of credentials:
// - a test API key, sent as a bearer token (simple; fine for a single-tenant ERP bridge);
// - OAuth 2.0 client credentials: an access token from POST /oauth/token that lives an hour and
//   is refreshed with its refresh token shortly before it expires. Refresh tokens rotate: the old
//   one dies when it is used, so the newest one is always kept, and only one refresh runs at a time
//   (two parallel refreshes with the same token would look like a replay and revoke the family).
import type { components } from 'marketplace-sandbox/client';
import { DEFAULT_BACKOFF, sendWithBackoff, type BackoffPolicy } from './rate-limit-backoff.ts';

type Token = components['schemas']['Token'];
type OAuthErrorBody = components['schemas']['OAuthError'];

export interface Credentials {
  /** The Authorization header value for the next request. */
  authorization(): Promise<string>;
  /** Called after a 401. True when new credentials were obtained, so the request deserves one retry. */
  renewAfterUnauthorized(): Promise<boolean>;
}

export class ApiKey implements Credentials {
  constructor(private readonly key: string) {}

  async authorization(): Promise<string> {
    return `Bearer ${this.key}`;
  }

  async renewAfterUnauthorized(): Promise<boolean> {
    return false; // a revoked key does not get better by retrying
  }
}

/** The token endpoint refused: RFC 6749 §5.2 `error` (invalid_client, invalid_grant, …). */
export class OAuthTokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorBody['error'] | string,
    readonly description: string | undefined,
  ) {
    super(`POST /oauth/token answered ${status} ${error}${description ? `: ${description}` : ''}`);
    this.name = 'OAuthTokenError';
  }
}

export interface OAuthClientOptions {
  /** The marketplace's base URL; the token endpoint is `${baseUrl}/oauth/token`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scopes to ask for; omitted means all scopes of the client. */
  scopes?: string[];
  /** Refresh this many seconds before the access token expires (default 60). */
  refreshMarginSeconds?: number;
  fetch?: typeof fetch;
  backoff?: Partial<BackoffPolicy>;
  /** Clock in ms; tests move it to make tokens expire. */
  now?: () => number;
  /**
   * A token pair kept from an earlier run (connectors persist the refresh token, so a restart
   * refreshes instead of asking for a new grant). Expired access tokens are refreshed on first use.
   */
  restoredToken?: { accessToken: string; refreshToken: string; expiresAt: Date; scope?: string };
  /** Told whenever a new token pair arrives, e.g. to persist the rotated refresh token. */
  onToken?(token: { accessToken: string; refreshToken: string; expiresAt: Date; scope: string }): void;
}

interface HeldToken {
  accessToken: string;
  refreshToken: string;
  expiresAtMs: number;
  scope: string;
}

export class OAuthClientCredentials implements Credentials {
  private token: HeldToken | null = null;
  private pending: Promise<HeldToken> | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;

  constructor(private readonly options: OAuthClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.now = options.now ?? Date.now;
    const restored = options.restoredToken;
    if (restored) {
      this.token = { accessToken: restored.accessToken, refreshToken: restored.refreshToken, expiresAtMs: restored.expiresAt.getTime(), scope: restored.scope ?? '' };
    }
  }

  async authorization(): Promise<string> {
    return `Bearer ${(await this.validToken()).accessToken}`;
  }

  async renewAfterUnauthorized(): Promise<boolean> {
    // The token was revoked or expired early (e.g. the sandbox clock was advanced): renew now.
    if (this.token) this.token.expiresAtMs = 0;
    await this.validToken();
    return true;
  }

  /** The scopes the marketplace granted, once a token has been issued. */
  get grantedScope(): string | null {
    return this.token?.scope ?? null;
  }

  private async validToken(): Promise<HeldToken> {
    const margin = (this.options.refreshMarginSeconds ?? 60) * 1000;
    if (this.token && this.now() < this.token.expiresAtMs - margin) return this.token;
    // One token request at a time: concurrent callers wait for the same answer.
    this.pending ??= (this.token ? this.refresh(this.token.refreshToken) : this.clientCredentials()).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private clientCredentials(): Promise<HeldToken> {
    const form: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    };
    if (this.options.scopes?.length) form.scope = this.options.scopes.join(' ');
    return this.requestToken(form);
  }

  private async refresh(refreshToken: string): Promise<HeldToken> {
    try {
      return await this.requestToken({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
      });
    } catch (error) {
      // An expired, used or revoked refresh token: start over with the client's own credentials.
      if (error instanceof OAuthTokenError && error.error === 'invalid_grant') return this.clientCredentials();
      throw error;
    }
  }

  private async requestToken(form: Record<string, string>): Promise<HeldToken> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/oauth/token`;
    const response = await sendWithBackoff(
      () =>
        this.fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams(form).toString(),
        }),
      this.backoff,
      url,
    );
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const failure = body as Partial<OAuthErrorBody>;
      throw new OAuthTokenError(response.status, failure.error ?? `http_${response.status}`, failure.error_description);
    }
    const token = body as Token;
    this.token = {
      accessToken: token.access_token,
      refreshToken: token.refresh_token,
      expiresAtMs: this.now() + token.expires_in * 1000,
      scope: token.scope,
    };
    this.options.onToken?.({ accessToken: token.access_token, refreshToken: token.refresh_token, expiresAt: new Date(this.token.expiresAtMs), scope: token.scope });
    return this.token;
  }
}
