// Guessing is not worth it: failed credential attempts (src/rate-limits/failed-attempts.ts) are
// counted per client address, their answers slowed down, then the address refused for a while with
// 429 too_many_failed_attempts and Retry-After. The auth policies mark a failure
// (c.set('credentialRefused')); the token endpoint's is its 401 invalid_client. Requests without a
// socket (app.request in-process) have no address and are not counted.
import type { IncomingMessage } from 'node:http';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import type { FailedAttempts } from '../../rate-limits/failed-attempts.ts';

const clientAddress = (c: RequestContext): string | undefined =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `marketplace`: the partner API's 429 body (RateLimitProblem: the marketplace's `error` and
 * `message` fields too); otherwise the control API's plain problem.
 */
export function failedAttempts(attempts: FailedAttempts, shape: 'marketplace' | 'control'): Policy {
  const { refuseAfter, windowMs } = attempts.limits;
  return {
    name: 'failed-attempts',
    // Where a credential is checked: operations with security, and the token endpoint (client secrets).
    appliesTo: (op) => op.security.length > 0 || op.operationId === 'createToken',
    before(c) {
      if (attempts.isEmpty) return; // the common case: one property read
      const address = clientAddress(c);
      if (address === undefined) return;
      const now = Date.now();
      const refusedMs = attempts.refusedFor(address, now);
      if (refusedMs === 0) return;
      const retryAfter = Math.max(1, Math.ceil(refusedMs / 1000));
      const detail = `${refuseAfter} wrong credentials came from this address within ${Math.round(windowMs / 60_000)} minutes; calls with credentials from it are refused for ${retryAfter} more seconds (Retry-After).`;
      const extra =
        shape === 'marketplace'
          ? { error: 'too_many_failed_attempts', message: detail, retry_after: retryAfter, reset_at: Math.ceil((now + refusedMs) / 1000), policy: 'failed_attempts', limit: refuseAfter }
          : {};
      throw new Problem(429, 'too_many_failed_attempts', detail, extra, { 'retry-after': String(retryAfter) });
    },
    after(c) {
      const failed = c.get('credentialRefused') || (c.res.status === 401 && c.get('operation').operationId === 'createToken');
      if (!failed) return;
      const address = clientAddress(c);
      if (address === undefined) return;
      const delay = attempts.record(address, Date.now());
      if (delay > 0) return wait(delay);
    },
  };
}
