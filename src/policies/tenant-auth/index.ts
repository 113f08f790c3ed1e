// Partner authentication and scopes. `Authorization: Bearer <credential>` resolves to exactly one
// tenant, where the credential is an API key (mk_test_…) or an OAuth access token (mat_…), and
// the credential must hold the scopes the operation's spec entry asks for.
//
// Carried only by operations that declare security. Cost per request: one Map lookup for an API
// key (a failed Map lookup, a string slice and a second Map lookup for an access token), and a
// bitwise AND for the scopes.
import { clockNowMs } from '../../clock/clock.ts';
import type { Operation } from '../../contract/operations.ts';
import { ALL_SCOPES, checkAccessToken, missingScopes, scopeMask, tenantOfToken } from '../../domain/oauth.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import type { SandboxStore, Tenant } from '../../store/store.ts';
import { requestHeader } from '../../server/request-header.ts';

const REALM = 'Bearer realm="marketplace-sandbox"';

const unauthorized = (code: string, detail: string, challenge: string) => new Problem(401, code, detail, {}, { 'www-authenticate': challenge });

/**
 * Scope sets an operation accepts (one bit mask per oauth2 alternative of its security); empty
 * when it names no oauth2 scopes. Read from the spec once per operation.
 */
function scopeRequirements(op: Operation): number[] {
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

/** No security, or an empty alternative: anyone may call it. */
const isOpen = (op: Operation): boolean => op.security.length === 0 || op.security.some((alt) => Object.keys(alt).length === 0);

export function tenantAuth(store: SandboxStore): Policy {
  const requirements = new Map<Operation, number[]>();
  return { name: 'tenant-auth', appliesTo: (op) => !isOpen(op), before: (c) => authenticate(c) };

  function authenticate(c: RequestContext): void {
    const op = c.get('operation');
    let scopes = requirements.get(op);
    if (!scopes) requirements.set(op, (scopes = scopeRequirements(op)));

    const header = requestHeader(c, 'authorization');
    if (!header) {
      throw unauthorized('unauthorized', 'No credentials: send "Authorization: Bearer <key>" with a test key (mk_test_…) or an access token from POST /oauth/token.', REALM);
    }
    const credential = bearerCredential(header);
    if (credential === null) {
      throw unauthorized('unauthorized', 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <key or access token>".', `${REALM}, error="invalid_request"`);
    }

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
