// The credentials the checks call a target with: an API key, or an OAuth 2.0 client-credentials
// grant (RFC 6749 §4.4) whose access token is renewed in the background before it expires, so a
// long SLA run never measures a token request or a 401.
export type CredentialsSpec =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; tokenUrl: string; scope?: string };

export class CredentialsError extends Error {}

export interface PartnerCredentials {
  /** Authorization header (or nothing) for the next request. */
  headers(): Record<string, string>;
  /** How the report names them, without the secret. */
  describe(): string;
  stop(): void;
}

/** `--oauth CLIENT_ID:SECRET`, or `--oauth CLIENT_ID` with the secret in OAUTH_CLIENT_SECRET (keeps it out of `ps`). */
export function parseOauthOption(value: string, env: NodeJS.ProcessEnv = process.env): { clientId: string; clientSecret: string } {
  const colon = value.indexOf(':');
  const clientId = colon === -1 ? value : value.slice(0, colon);
  const clientSecret = colon === -1 ? env.OAUTH_CLIENT_SECRET : value.slice(colon + 1);
  if (!clientId || !clientSecret) {
    throw new CredentialsError('--oauth needs CLIENT_ID:CLIENT_SECRET, or CLIENT_ID with the secret in the environment variable OAUTH_CLIENT_SECRET.');
  }
  return { clientId, clientSecret };
}

export async function startCredentials(spec: CredentialsSpec): Promise<PartnerCredentials> {
  switch (spec.kind) {
    case 'none':
      return { headers: () => ({}), describe: () => 'no credentials', stop() {} };
    case 'key': {
      const header = { authorization: `Bearer ${spec.key}` };
      const shown = spec.key.length > 12 ? `${spec.key.slice(0, 12)}…` : 'given';
      return { headers: () => header, describe: () => `API key ${shown}`, stop() {} };
    }
    case 'oauth':
      return OAuthClientCredentials.start(spec);
  }
}

interface TokenAnswer {
  access_token: string;
  expires_in?: number;
}

class OAuthClientCredentials implements PartnerCredentials {
  private header: Record<string, string> = {};
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(private readonly spec: Extract<CredentialsSpec, { kind: 'oauth' }>) {}

  static async start(spec: Extract<CredentialsSpec, { kind: 'oauth' }>): Promise<OAuthClientCredentials> {
    const client = new OAuthClientCredentials(spec);
    client.schedule(await client.requestToken());
    return client;
  }

  headers() {
    return this.header;
  }

  describe() {
    return `OAuth client credentials (client ${this.spec.clientId})`;
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Renews at 80 % of the lifetime; a failed renewal keeps the old token and retries in 10 s. */
  private schedule(expiresInSeconds: number) {
    if (this.stopped) return;
    const delay = Math.max(1000, expiresInSeconds * 800);
    this.timer = setTimeout(() => {
      this.requestToken()
        .then((seconds) => this.schedule(seconds))
        .catch(() => this.schedule(12.5));
    }, delay);
    this.timer.unref();
  }

  private async requestToken(): Promise<number> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.spec.clientId, client_secret: this.spec.clientSecret });
    if (this.spec.scope) form.set('scope', this.spec.scope);
    let res: Response;
    try {
      res = await fetch(this.spec.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new CredentialsError(`The token endpoint ${this.spec.tokenUrl} is unreachable: ${(error as Error).message}`);
    }
    const text = await res.text();
    let body: Partial<TokenAnswer> & { error?: string; error_description?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // reported below
    }
    if (!res.ok || typeof body.access_token !== 'string') {
      const reason = body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : text.slice(0, 200);
      throw new CredentialsError(`The token endpoint ${this.spec.tokenUrl} refused the client credentials (${res.status}): ${reason}`);
    }
    this.header = { authorization: `Bearer ${body.access_token}` };
    return typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
  }
}
