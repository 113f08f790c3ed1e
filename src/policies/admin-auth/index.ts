// The control API (/__sandbox) answers to the admin token, and, on the operations whose spec
// entry lists the `partnerCredential` security scheme, to a tenant's own API key or access token:
// the call then acts on that tenant only (c.get('tenant'); src/admin/tenant-lookup.ts). What the
// spec declares is what is enforced: the schemes are read per operation, once.
// Tokens are compared in constant time over their SHA-256 digests, so neither content nor length
// leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Operation } from '../../contract/operations.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import { requestHeader } from '../../server/request-header.ts';
import type { SandboxStore } from '../../store/store.ts';
import { credentialOf, credentialOwner } from '../tenant-auth/index.ts';

/** The control API's security scheme names (specs/sandbox-admin.openapi.yaml, components.securitySchemes). */
export const ADMIN_SCHEME = 'adminToken';
export const PARTNER_SCHEME = 'partnerCredential';

const digest = (value: string) => createHash('sha256').update(value).digest();

const CHALLENGE = { 'www-authenticate': 'Bearer realm="marketplace-sandbox-admin"' };

/** Whether a credential is the admin token, compared in constant time (also used by the console's login). */
export function adminTokenMatcher(adminToken: string): (credential: string | null) => boolean {
  const expected = digest(adminToken);
  return (credential) => credential !== null && timingSafeEqual(digest(credential), expected);
}

/** Throws the 401 problem unless the request carries the admin token (also used by GET /metrics). */
export function adminTokenCheck(adminToken: string): (c: RequestContext) => void {
  const isAdminToken = adminTokenMatcher(adminToken);
  return (c) => {
    if (!isAdminToken(credentialOf(requestHeader(c, 'authorization')))) {
      throw new Problem(401, 'admin_token_required', 'This needs "Authorization: Bearer <admin token>" (env SANDBOX_ADMIN_TOKEN; serve prints where it comes from).', {}, CHALLENGE);
    }
  };
}

/** Whether an operation's security accepts a scheme (as one alternative of its own). */
export const acceptsScheme = (op: Operation, scheme: string): boolean => op.security.some((alternative) => scheme in alternative);

export function adminAuth(adminToken: string, store: SandboxStore): Policy {
  const isAdminToken = adminTokenMatcher(adminToken);
  const partnerAllowed = new Map<Operation, boolean>();
  return {
    name: 'admin-auth',
    // Operations without security (the health and readiness checks) are open.
    appliesTo: (op) => op.security.length > 0,
    before(c) {
      const op = c.get('operation');
      let partner = partnerAllowed.get(op);
      if (partner === undefined) partnerAllowed.set(op, (partner = acceptsScheme(op, PARTNER_SCHEME)));
      const credential = credentialOf(requestHeader(c, 'authorization'));
      if (isAdminToken(credential)) return;
      const owner = credential === null ? undefined : credentialOwner(store, credential);
      if (owner && partner) {
        c.set('tenant', owner.tenant);
        c.set('credential', owner.kind);
        return;
      }
      // A tenant's valid credential on an operator call is not a guess (not counted), but its
      // answer is the same as a wrong one's: no answer tells whether a key exists.
      if (!owner && credential !== null) c.set('credentialRefused', true);
      throw new Problem(
        401,
        'admin_token_required',
        partner
          ? 'This call needs "Authorization: Bearer <admin token>" (env SANDBOX_ADMIN_TOKEN), or a tenant\'s own API key or access token, which acts on that tenant only.'
          : 'The control API needs "Authorization: Bearer <admin token>" (env SANDBOX_ADMIN_TOKEN; serve prints where it comes from); a tenant\'s own key or access token works only on the calls whose security lists partnerCredential (docs/exposing.md).',
        {},
        CHALLENGE,
      );
    },
  };
}
