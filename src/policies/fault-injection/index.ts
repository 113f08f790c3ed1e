// Latency and fault injection per tenant (rules and decisions in src/domain/faults.ts).
//
// Runs after authentication and the rate limiter, before the handler: an injected failure means
// the request was not applied, as with a real upstream outage. What it does to a request:
//   latency  — waits, then carries on;
//   error / every_nth — answers a problem with the rule's status (and Retry-After if asked);
//   timeout  — holds the request for hang_ms, then drops the connection without an answer
//              (on a real socket the socket is destroyed; through app.request() the call rejects
//              with ConnectionDropped).
// Rules are compiled and decided by FaultInjector (src/faults/injector.ts).
import type { IncomingMessage } from 'node:http';
import { faultCode, type FaultDecision } from '../../domain/faults.ts';
import { ConnectionDropped, type FaultInjector } from '../../faults/injector.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function faultInjection(injector: FaultInjector): Policy {
  return {
    name: 'fault-injection',
    // Waits only when a rule strikes: a tenant without rules costs a property read, no promise.
    before(c) {
      const tenant = c.get('tenant');
      if (!tenant) return;
      const decision = injector.decide(tenant, c.get('operation').operationId, c.req.path);
      if (decision) return inject(c, decision);
    },
  };
}

async function inject(c: RequestContext, decision: FaultDecision): Promise<void> {
  c.set('faults', decision.applied);
  if (decision.latency_ms > 0) await sleep(decision.latency_ms);
  const failure = decision.failure;
  if (!failure) return;

  if (failure.kind === 'timeout') {
    await sleep(failure.hang_ms!);
    // On a real socket, hang up; the error then unwinds the pipeline with no answer to send.
    (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.destroy();
    throw new ConnectionDropped(failure.rule_id);
  }
  const status = failure.status!;
  throw new Problem(
    status,
    faultCode(status),
    `Injected fault (rule ${failure.rule_id}${failure.kind === 'every_nth' ? ', every Nth request' : ''}): the request was not applied. Retry it${failure.retry_after_seconds !== undefined ? ` after ${failure.retry_after_seconds} seconds` : ' with back-off'}.`,
    { injected_fault: { rule_id: failure.rule_id, kind: failure.kind } },
    failure.retry_after_seconds !== undefined ? { 'retry-after': String(failure.retry_after_seconds) } : {},
  );
}
