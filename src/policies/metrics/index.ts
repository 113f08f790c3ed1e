// Counts every answer of both APIs for /metrics: by operation, tenant and status, with its
// latency; the rate limiter's refusals and the injected faults beside them. The cells of an
// operation are found once (at mount), so a request costs a Map lookup for its tenant, an array
// index for its status and a bucket scan (src/metrics/tally.ts); nothing is formatted until
// /metrics is scraped.
import { DROPPED, type RequestCell, type SandboxTally } from '../../metrics/tally.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';

const NO_TENANT = 'none';

export function requestMetrics(tally: SandboxTally): Policy {
  // One tenants→cells map per operation, looked up through the operation object the chain carries.
  const cellsOf = new Map<object, Map<string, RequestCell[]>>();
  const count = (c: RequestContext, status: number) => {
    const op = c.get('operation');
    let tenants = cellsOf.get(op);
    if (!tenants) cellsOf.set(op, (tenants = tally.requests.operation(op.operationId)));
    const tenant = c.get('tenant');
    const tenantId = tenant ? tenant.id : NO_TENANT;
    tally.requests.record(op.operationId, tenants, tenantId, status, (performance.now() - c.get('receivedAtPerf')) / 1000);
    const decision = c.get('rateLimit');
    if (decision !== undefined && !decision.allowed) {
      tally.rateLimitRefusals.addPair(tenantId, decision.policy, () => ({ tenant: tenantId, policy: decision.policy }));
    }
    const faults = c.get('faults');
    if (faults) for (const fault of faults) tally.injectedFaults.addPair(tenantId, fault.kind, () => ({ tenant: tenantId, kind: fault.kind }));
  };
  return {
    name: 'metrics',
    appliesTo(op) {
      cellsOf.set(op, tally.requests.operation(op.operationId));
      return true;
    },
    after(c) {
      count(c, c.res.status);
    },
    dropped(c) {
      count(c, DROPPED);
    },
  };
}
