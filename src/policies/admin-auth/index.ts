// The control API (/__sandbox) answers only to the admin token. Tokens are compared in constant
// time over their SHA-256 digests, so neither content nor length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import { requestHeader } from '../../server/request-header.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Throws the 401 problem unless the request carries the admin token (also used by GET /metrics). */
export function adminTokenCheck(adminToken: string): (c: RequestContext) => void {
  const expected = digest(adminToken);
  return (c) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(requestHeader(c, 'authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new Problem(
        401,
        'admin_token_required',
        'The control API needs "Authorization: Bearer <admin token>" (env SANDBOX_ADMIN_TOKEN; see the README for the default).',
        {},
        { 'www-authenticate': 'Bearer realm="marketplace-sandbox-admin"' },
      );
    }
  };
}

export function adminAuth(adminToken: string): Policy {
  return {
    name: 'admin-auth',
    // Operations without security (the health and readiness checks) are open.
    appliesTo: (op) => op.security.length > 0,
    before: adminTokenCheck(adminToken),
  };
}
