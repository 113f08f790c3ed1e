// Fault injection rules and the decision, for one request, of what trouble to add.
//
// A rule targets operations (operationId globs) and/or request paths (globs); with neither it
// targets every operation. It can add latency (fixed, or log-normal fitted to a p50 and a p95),
// fail a share of requests with a status, hang and then drop the connection, or fail every
// Nth matching request. Every matching rule applies: latencies add up, and the first failure
// (in rule order; within a rule every_nth, then timeout, then error) is what the client gets.
//
// Decisions replay exactly under the same seed: each rule draws from its own generator (seeded
// from the seed and the rule's id), a fixed number of draws per matching request, so one rule's
// outcomes do not depend on the others.
import { anyGlob } from './glob.ts';
import { nextNormal, nextUniform, seededRandom, type SeededRandom } from './random.ts';

export const FAULT_STATUSES = [500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export interface FaultRule {
  id?: string;
  operation_ids?: string[];
  paths?: string[];
  latency?: { fixed_ms: number } | { p50_ms: number; p95_ms: number };
  error?: { rate: number; status: FaultStatus; retry_after_seconds?: number };
  timeout?: { rate: number; hang_ms: number };
  every_nth?: { n: number; status: FaultStatus };
}

/** A tenant's fault rules as stored (persisted), every rule with its id. */
export interface FaultSettings {
  seed: number;
  rules: (FaultRule & { id: string })[];
}

export type FaultKind = 'latency' | 'error' | 'timeout' | 'every_nth';

/** What was done to one request, for the response and the journal. */
export interface InjectedFault {
  rule_id: string;
  kind: FaultKind;
  latency_ms?: number;
  status?: number;
  retry_after_seconds?: number;
  hang_ms?: number;
}

export interface FaultDecision {
  /** Total added latency. */
  latency_ms: number;
  /** The failure to answer with, if any (an `error`, `timeout` or `every_nth` entry of `applied`). */
  failure: InjectedFault | null;
  applied: InjectedFault[];
}

/** No injected latency goes beyond this, whatever the distribution draws. */
export const MAX_LATENCY_MS = 60_000;

/** z of the 95th percentile of the standard normal distribution. */
const Z95 = 1.6448536269514722;

interface CompiledRule {
  id: string;
  rule: FaultRule;
  operations: RegExp | null;
  paths: RegExp | null;
  random: SeededRandom;
  /** Matching requests so far (for every_nth). */
  seen: number;
  /** Log-normal parameters when latency is given by percentiles: ln X ~ N(mu, sigma²). */
  mu: number;
  sigma: number;
}

export interface CompiledFaults {
  source: FaultSettings;
  rules: CompiledRule[];
}

/** Fills in missing rule ids (rule_1, rule_2, … by position). */
export function withRuleIds(rules: FaultRule[]): (FaultRule & { id: string })[] {
  return rules.map((rule, i) => ({ ...rule, id: rule.id ?? `rule_${i + 1}` }));
}

/** What is wrong with a rule set beyond its schema, as pointer/message pairs (empty when fine). */
export function checkRules(rules: FaultRule[]): { pointer: string; message: string }[] {
  const errors: { pointer: string; message: string }[] = [];
  const ids = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `/body/rules/${i}`;
    if (rule.latency && 'p50_ms' in rule.latency && rule.latency.p95_ms < rule.latency.p50_ms) {
      errors.push({ pointer: `${at}/latency/p95_ms`, message: 'must be at least p50_ms' });
    }
    if (!rule.latency && !rule.error && !rule.timeout && !rule.every_nth) {
      errors.push({ pointer: at, message: 'adds nothing: give it latency, error, timeout or every_nth' });
    }
    if (rule.id !== undefined) {
      if (ids.has(rule.id)) errors.push({ pointer: `${at}/id`, message: `is used by an earlier rule` });
      ids.add(rule.id);
    }
  });
  return errors;
}

export function compileFaults(settings: FaultSettings): CompiledFaults {
  return {
    source: settings,
    rules: settings.rules.map((rule) => {
      const percentiles = rule.latency && 'p50_ms' in rule.latency ? rule.latency : null;
      const p50 = Math.max(percentiles?.p50_ms ?? 1, 1);
      const p95 = Math.max(percentiles?.p95_ms ?? 1, p50);
      return {
        id: rule.id,
        rule,
        operations: anyGlob(rule.operation_ids),
        paths: anyGlob(rule.paths),
        random: seededRandom((settings.seed ^ hashId(rule.id)) >>> 0),
        seen: 0,
        mu: Math.log(p50),
        sigma: Math.log(p95 / p50) / Z95,
      };
    }),
  };
}

/** FNV-1a of a rule id: each rule's generator depends on the seed and its id, not on its neighbours. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What to do to one request (or to one GraphQL field: `except` is its request); null (no allocation) when no rule matches. */
export function decideFaults(compiled: CompiledFaults, operationId: string, path: string, except?: { operationId: string; path: string }): FaultDecision | null {
  let decision: FaultDecision | null = null;
  for (const c of compiled.rules) {
    if (c.operations && !c.operations.test(operationId)) continue;
    if (c.paths && !c.paths.test(path)) continue;
    // A rule the enclosing request matched was applied to it already (a GraphQL request's fields).
    if (except && (!c.operations || c.operations.test(except.operationId)) && (!c.paths || c.paths.test(except.path))) continue;
    decision ??= { latency_ms: 0, failure: null, applied: [] };
    c.seen++;
    const { latency, error, timeout, every_nth } = c.rule;

    if (latency) {
      const ms =
        'fixed_ms' in latency ? latency.fixed_ms : Math.round(Math.min(MAX_LATENCY_MS, Math.exp(c.mu + c.sigma * nextNormal(c.random))));
      decision.latency_ms = Math.min(MAX_LATENCY_MS, decision.latency_ms + ms);
      decision.applied.push({ rule_id: c.id, kind: 'latency', latency_ms: ms });
    }
    // Draw for every configured kind on every matching request, failure already decided or not,
    // so the sequence of outcomes depends on nothing but the seed and the requests.
    const timeoutHit = timeout ? nextUniform(c.random) < timeout.rate : false;
    const errorHit = error ? nextUniform(c.random) < error.rate : false;
    if (decision.failure) continue;

    let failure: InjectedFault | null = null;
    if (every_nth && c.seen % every_nth.n === 0) failure = { rule_id: c.id, kind: 'every_nth', status: every_nth.status };
    else if (timeout && timeoutHit) failure = { rule_id: c.id, kind: 'timeout', hang_ms: timeout.hang_ms };
    else if (error && errorHit) {
      failure = { rule_id: c.id, kind: 'error', status: error.status };
      if (error.retry_after_seconds !== undefined) failure.retry_after_seconds = error.retry_after_seconds;
    }
    if (failure) {
      decision.failure = failure;
      decision.applied.push(failure);
    }
  }
  return decision;
}

/** The stable problem code a partner sees for an injected status. */
export function faultCode(status: number): string {
  switch (status) {
    case 502:
      return 'bad_gateway';
    case 503:
      return 'service_unavailable';
    case 504:
      return 'gateway_timeout';
    default:
      return 'internal_error';
  }
}
