// What a token presented at the console's login is: the admin token (an operator, every tenant),
// a tenant's API key or live access token (a partner, that tenant only), or nothing. The same
// checks as the control API's (src/policies/admin-auth, src/policies/tenant-auth); wrong tokens
// count as failed credential attempts from the caller's address, like any other
// (src/rate-limits/failed-attempts.ts).
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { adminTokenMatcher } from '../policies/admin-auth/index.ts';
import { credentialOwner } from '../policies/tenant-auth/index.ts';
import type { FailedAttempts } from '../rate-limits/failed-attempts.ts';
import { Problem } from '../server/problem.ts';
import type { SandboxStore } from '../store/store.ts';
import type { ConsoleRole } from './sessions.ts';

export interface LoginIdentity {
  role: ConsoleRole;
  tenantId: string | null;
}

const clientAddress = (c: Context): string | undefined => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function loginCheck(adminToken: string, store: SandboxStore, attempts: FailedAttempts) {
  const isAdminToken = adminTokenMatcher(adminToken);
  /** Who the token makes the caller; throws the 401 (or, after too many wrong ones, the 429) problem. */
  return async (c: Context, token: string): Promise<LoginIdentity> => {
    const address = clientAddress(c);
    const now = Date.now();
    const refusedMs = address === undefined ? 0 : attempts.refusedFor(address, now);
    if (refusedMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(refusedMs / 1000));
      throw new Problem(429, 'too_many_failed_attempts', `Too many wrong credentials came from this address; logins from it are refused for ${retryAfter} more seconds (Retry-After).`, {}, { 'retry-after': String(retryAfter) });
    }
    if (isAdminToken(token)) return { role: 'operator', tenantId: null };
    const owner = credentialOwner(store, token);
    if (owner) return { role: 'partner', tenantId: owner.tenant.id };
    if (address !== undefined) {
      const delay = attempts.record(address, now);
      if (delay > 0) await wait(delay);
    }
    throw new Problem(
      401,
      'invalid_credentials',
      'This token is neither the admin token nor a live API key or access token of a tenant. Log in with the admin token (env SANDBOX_ADMIN_TOKEN; serve prints where it comes from) or a tenant\'s key (mk_test_…).',
      { errors: [{ pointer: '/token', message: 'is not a known admin token, API key or access token' }] },
    );
  };
}
