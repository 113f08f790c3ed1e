// The control API (/__sandbox) answers only to the admin token. Tokens are compared in constant
// time over their SHA-256 digests, so neither content nor length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { SandboxEnv } from '../../server/env.ts';
import { Problem } from '../../server/problem.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function adminAuth(adminToken: string): MiddlewareHandler<SandboxEnv> {
  const expected = digest(adminToken);
  return async (c, next) => {
    if (c.get('operation').security.length === 0) return next(); // e.g. the health check
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new Problem(
        401,
        'admin_token_required',
        'The control API needs "Authorization: Bearer <admin token>" (env SANDBOX_ADMIN_TOKEN; see the README for the default).',
        {},
        { 'www-authenticate': 'Bearer realm="marketplace-sandbox-admin"' },
      );
    }
    return next();
  };
}
