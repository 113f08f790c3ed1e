// Partner authentication: `Authorization: Bearer <key>` resolves to exactly one tenant.
// Runs only where the operation's spec entry declares security; a Map lookup per request.
import type { MiddlewareHandler } from 'hono';
import type { SandboxEnv } from '../../server/env.ts';
import { Problem } from '../../server/problem.ts';
import type { SandboxStore } from '../../store/store.ts';

const CHALLENGE = 'Bearer realm="marketplace-sandbox"';

export function tenantAuth(store: SandboxStore): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const op = c.get('operation');
    if (op.security.length === 0 || op.security.some((alt) => Object.keys(alt).length === 0)) return next();

    const header = c.req.header('authorization');
    if (!header) {
      throw new Problem(401, 'unauthorized', 'No credentials: send "Authorization: Bearer <key>" with a test key (mk_test_…).', {}, {
        'www-authenticate': CHALLENGE,
      });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new Problem(401, 'unauthorized', 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <key>".', {}, {
        'www-authenticate': `${CHALLENGE}, error="invalid_request"`,
      });
    }
    const tenant = store.tenantForKey(match[1]!);
    if (!tenant) {
      // Never echo the presented key: it may be a real secret pasted by mistake.
      throw new Problem(401, 'unauthorized', 'The API key is unknown or revoked. Keys of the default tenants are listed by `marketplace-sandbox serve` and in the README.', {}, {
        'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
    }
    c.set('tenant', tenant);
    return next();
  };
}
