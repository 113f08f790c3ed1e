// Partner authentication and scopes. `Authorization: Bearer <credential>` resolves to exactly one
// tenant, where the credential is an API key (mk_test_…) or an OAuth access token (mat_…), and
// the credential must hold the scopes the operation's spec entry asks for.
//
// Carried only by operations that declare security. Cost per request: one Map lookup for an API
// key (a failed Map lookup, a string slice and a second Map lookup for an access token), and a
// bitwise AND for the scopes.
import { clockNowMs } from '../../clock/clock.ts';
import type { OpenApiDocument, Operation } from '../../contract/operations.ts';
import { ALL_SCOPES, checkAccessToken, missingScopes, scopeMask, tenantOfToken } from '../../domain/oauth.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import type { SandboxStore, Tenant } from '../../store/store.ts';
import { requestHeader } from '../../server/request-header.ts';
import { BEARER_ONLY, credentialSources, describeSource, isOpenOperation, type CredentialSource } from './document-credentials.ts';

const REALM = 'Bearer realm="marketplace-sandbox"';

const unauthorized = (code: string, detail: string, challenge: string) => new Problem(401, code, detail, {}, { 'www-authenticate': challenge });

/**
 * Scope sets an operation accepts (one bit mask per oauth2 alternative of its security); empty
 * when it names no oauth2 scopes. Read from the spec once per operation.
 */
export function scopeRequirements(op: Operation): number[] {
  return op.security.filter((alternative) => 'oauth2' in alternative).map((alternative) => scopeMask(alternative.oauth2!));
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The credential of `Bearer <credential>`, or null. The common spelling skips the regex. */
function bearerCredential(header: string): string | null {
  if (header.startsWith('Bearer ')) {
    const credential = header.slice(7);
    if (credential.length > 0 && !/\s/.test(credential)) return credential;
  }
  return BEARER.exec(header)?.[1] ?? null;
}

/**
 * The tenant a valid credential belongs to: an API key, or an access token still live on its
 * tenant's clock; undefined for anything else. For the control API's `partnerCredential`.
 */
export function credentialOwner(store: SandboxStore, credential: string): { tenant: Tenant; kind: 'api_key' | 'oauth_token' } | undefined {
  const byKey = store.tenantForKey(credential);
  if (byKey) return { tenant: byKey, kind: 'api_key' };
  const ownerId = tenantOfToken(credential);
  const tenant = ownerId === null ? undefined : store.tenant(ownerId);
  if (!tenant || !checkAccessToken(tenant.access?.oauth, credential, clockNowMs(tenant.clock)).ok) return undefined;
  return { tenant, kind: 'oauth_token' };
}

/** The credential of an Authorization header, or null. */
export const credentialOf = (header: string | undefined): string | null => (header ? bearerCredential(header) : null);

/** The credential at one place a document names: a header, a query parameter, a cookie, HTTP Basic's password. */
function readCredential(c: RequestContext, source: CredentialSource): string | null {
  if (source.kind === 'bearer') {
    const header = requestHeader(c, 'authorization');
    return header ? bearerCredential(header) : null;
  }
  if (source.kind === 'basic') {
    const header = requestHeader(c, 'authorization');
    const encoded = header && /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!encoded) return null;
    const pair = Buffer.from(encoded, 'base64').toString('utf8');
    return pair.slice(pair.indexOf(':') + 1) || null;
  }
  if (source.in === 'header') return requestHeader(c, source.name.toLowerCase())?.trim() || null;
  if (source.in === 'query') return c.req.query(source.name) || null;
  const cookies = requestHeader(c, 'cookie') ?? '';
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === source.name) return cookieValue(part.slice(eq + 1).trim()) || null;
  }
  return null;
}

/** A cookie's value, percent-decoded where it is well formed (a malformed one is taken as sent, and then is no key). */
function cookieValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export interface TenantAuthOptions {
  /** A `--spec` document: credentials are read where its security schemes put them (document-credentials.ts). */
  doc?: OpenApiDocument;
  /** `--no-auth`: any value, or none, is accepted, and the request acts as this tenant. */
  anyone?: () => Tenant | undefined;
  /**
   * A `--spec` document's operations that ask for no credentials act as this tenant (its items,
   * faults, rate limits, journal and snapshots are that tenant's), as the control API expects.
   */
  openAs?: () => Tenant | undefined;
}

export function tenantAuth(store: SandboxStore, options: TenantAuthOptions = {}): Policy {
  const requirements = new Map<Operation, number[]>();
  const sourcesOf = new Map<Operation, CredentialSource[]>();
  return { name: 'tenant-auth', appliesTo: (op) => Boolean(options.openAs) || !isOpenOperation(op), before: (c) => authenticate(c) };

  /** The credential where the operation's document puts it; throws a 401 when there is none. */
  function presented(c: RequestContext, op: Operation): string | null {
    let sources = sourcesOf.get(op);
    if (!sources) sourcesOf.set(op, (sources = options.doc ? credentialSources(options.doc, op) : BEARER_ONLY));
    if (sources !== BEARER_ONLY) {
      for (const source of sources) {
        const credential = readCredential(c, source);
        if (credential) return credential;
      }
      if (options.anyone) return null;
      throw unauthorized('unauthorized', `No credentials: send ${sources.map((s) => describeSource(s)).join(' or ')} with a test key (mk_test_…).`, REALM);
    }
    const header = requestHeader(c, 'authorization');
    if (!header) {
      if (options.anyone) return null;
      throw unauthorized('unauthorized', 'No credentials: send "Authorization: Bearer <key>" with a test key (mk_test_…) or an access token from POST /oauth/token.', REALM);
    }
    const credential = bearerCredential(header);
    if (credential === null && !options.anyone) {
      throw unauthorized('unauthorized', 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <key or access token>".', `${REALM}, error="invalid_request"`);
    }
    return credential;
  }

  function authenticate(c: RequestContext): void {
    const op = c.get('operation');
    if (options.openAs && isOpenOperation(op)) {
      const tenant = options.openAs();
      if (tenant) c.set('tenant', tenant);
      return;
    }
    let scopes = requirements.get(op);
    if (!scopes) requirements.set(op, (scopes = scopeRequirements(op)));

    const credential = presented(c, op);
    // --no-auth: a key or live token still names its own tenant; anything else is the first tenant.
    if (options.anyone && (credential === null || !credentialOwner(store, credential))) {
      const tenant = options.anyone();
      if (tenant) {
        c.set('tenant', tenant);
        c.set('credential', 'api_key');
        return;
      }
    }
    if (credential === null) throw unauthorized('unauthorized', 'No credentials were sent.', REALM);

    // Never echo the presented credential in any answer: it may be a real secret pasted by mistake.
    let tenant = store.tenantForKey(credential);
    let granted: number;
    if (tenant) {
      const grant = tenant.access?.api_keys[credential];
      granted = grant ? scopeMask(grant.scopes) : ALL_SCOPES;
      c.set('credential', 'api_key');
    } else {
      const ownerId = tenantOfToken(credential);
      tenant = ownerId === null ? undefined : store.tenant(ownerId);
      if (!tenant) {
        c.set('credentialRefused', true); // a guess, for the failed-attempt counter
        throw unauthorized(
          'unauthorized',
          'The API key or access token is unknown or revoked. Keys and OAuth clients of the default tenants are listed by `marketplace-sandbox serve` and in the README.',
          `${REALM}, error="invalid_token"`,
        );
      }
      const check = checkAccessToken(tenant.access?.oauth, credential, clockNowMs(tenant.clock));
      if (!check.ok) {
        if (check.reason === 'expired') {
          c.set('tenant', tenant); // for the journal: the tenant's connector let a token expire
          throw unauthorized(
            'token_expired',
            'The access token has expired (access tokens live 3600 seconds on the sandbox clock). Get a new one with the refresh_token grant at POST /oauth/token.',
            `${REALM}, error="invalid_token", error_description="The access token expired"`,
          );
        }
        c.set('credentialRefused', true);
        throw unauthorized(
          'unauthorized',
          'The access token is unknown or revoked (a replayed refresh token revokes its whole token family). Request a new one at POST /oauth/token.',
          `${REALM}, error="invalid_token"`,
        );
      }
      granted = scopeMask(check.record.scopes);
      c.set('credential', 'oauth_token');
    }
    c.set('tenant', tenant);
    c.set('grantedScopes', granted);

    if (scopes.length > 0 && !scopes.some((mask) => (granted & mask) === mask)) {
      const missing = missingScopes(granted, scopes[0]!);
      throw new Problem(
        403,
        'insufficient_scope',
        `This credential lacks the ${missing.map((s) => `\`${s}\``).join(', ')} scope that ${op.operationId} needs. Request a token with scope "${missing.join(' ')}" (the client must be allowed it), or use an API key that carries it.`,
        { required_scopes: missing },
        { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${missing.join(' ')}"` },
      );
    }
  }
}
