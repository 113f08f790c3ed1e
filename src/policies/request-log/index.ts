// One log line per answer of both APIs (or dropped connection), at `info` (a 5xx at `error`):
// the request id, method, path, operation, tenant, status and latency. Left out of the chains
// when the log level is above `info` (src/server/app.ts), so a quiet sandbox pays nothing for it.
import type { RequestLines } from '../../logging/request-line.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';

export function requestLog(lines: RequestLines): Policy {
  const fields = (c: RequestContext, status: number | null) => ({
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
      if (status >= 500) lines('error', fields(c, status), 'request failed');
      else lines('info', fields(c, status), 'request');
    },
    dropped(c) {
      lines('info', fields(c, null), 'request dropped (injected timeout)');
    },
  };
}
