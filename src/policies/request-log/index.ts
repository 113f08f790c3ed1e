// One log line per answer of both APIs (or dropped connection), at `info` (a 5xx at `error`):
// the request id, method, path, operation, tenant, status and latency. Left out of the chains
// when the log level is above `info` (src/server/app.ts), so a quiet sandbox pays nothing for it.
import type { Logger } from 'pino';
import type { Policy, RequestContext } from '../../server/policy.ts';

export function requestLog(logger: Logger): Policy {
  const line = (c: RequestContext, status: number | null) => ({
    request_id: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    operation: c.get('operation').operationId,
    tenant: c.get('tenant')?.id ?? null,
    status,
    latency_ms: Math.round((performance.now() - c.get('receivedAtPerf')) * 1000) / 1000,
  });
  return {
    name: 'request-log',
    after(c) {
      const status = c.res.status;
      if (status >= 500) logger.error(line(c, status), 'request failed');
      else logger.info(line(c, status), 'request');
    },
    dropped(c) {
      logger.info(line(c, null), 'request dropped (injected timeout)');
    },
  };
}
