// `marketplace-sandbox conformance`: every operation of the contract, called with valid and
// invalid requests, every response checked against the contract. Order of play:
//   1. safe operations (GET/HEAD): collections first, so their answers supply ids for the rest;
//   2. with --allow-writes: creating writes, other writes, then deletes (so ids stay valid longest).
// Bounded: at most `maxRequests` requests and `maxDurationSeconds`, each request `timeoutMs`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listOperations, loadDocument, type Operation } from '../contract/operations.ts';
import { compileValidators, isJsonMediaType } from '../contract/validators.ts';
import { connectTarget, type TargetOptions } from './check-target.ts';
import { RequestFactory, type ConformanceRequest, type WireRequest } from './conformance-requests.ts';
import { judgeIntent, validateResponse, type ResponseFinding, type Rule, type WireResponse } from './conformance-validation.ts';
import { KnownValues } from './known-values.ts';

export interface ConformanceOptions extends TargetOptions {
  specFile: string;
  allowWrites: boolean;
  maxRequests: number;
  maxDurationSeconds: number;
  timeoutMs: number;
  /** Only these operationIds (all when empty). */
  only?: string[];
  skip?: string[];
  /** Values by member/parameter name used in every generated request (e.g. url=http://127.0.0.1:9/hook). */
  overrides?: Record<string, unknown>;
  seed: number;
  outDir?: string;
  version: string;
}

export interface Violation {
  operation_id: string;
  rule: Rule;
  /** Where in the response. */
  pointer: string;
  message: string;
  status: number | null;
  request: {
    method: string;
    url: string;
    intent: 'valid' | 'invalid';
    label: string;
    /** Where the request was deliberately broken (invalid requests). */
    broken_at: string | null;
    body_excerpt: string | null;
  };
}

export interface OperationOutcome {
  operation_id: string;
  method: string;
  path: string;
  /** checked, or why not: "write (run with --allow-writes)", "skipped (--skip)", "not reached (request budget spent)". */
  status: 'checked' | 'skipped' | 'not_reached';
  reason: string | null;
  requests: number;
  statuses: Record<string, number>;
  violations: number;
  /**
   * Valid requests the target refused with a 4xx (not a violation: a 404 for an id it does not
   * have, or a 409 from its rules, is documented) with what it said, to tell coverage gaps apart.
   */
  refused_valid: { status: number; label: string; detail: string }[];
}

export interface ConformanceReport {
  tool: 'marketplace-sandbox conformance';
  version: string;
  target: { base_url: string; auth: string; tenant: string | null };
  spec: string;
  started_at: string;
  finished_at: string;
  verdict: 'pass' | 'fail';
  headline: string;
  counts: {
    operations: number;
    checked: number;
    skipped: number;
    not_reached: number;
    requests: number;
    valid_requests: number;
    invalid_requests: number;
    violations: number;
  };
  bounds: { max_requests: number; max_duration_s: number; timeout_ms: number; stopped_early: boolean };
  operations: OperationOutcome[];
  violations: Violation[];
  warnings: string[];
}

export interface ConformanceOutcome {
  report: ConformanceReport;
  exitCode: 0 | 1;
  files: string[];
}

const SAFE = new Set(['get', 'head', 'options', 'trace']);

/** Collections before items, shallow before deep: their answers hold the ids deeper paths need. */
function playOrder(ops: Operation[]): Operation[] {
  const key = (op: Operation) => {
    const params = op.parameters.filter((p) => p.in === 'path').length;
    const endsWithParam = /\}$/.test(op.path) ? 1 : 0;
    const phase = SAFE.has(op.method) ? 0 : op.method === 'delete' ? 2 : 1;
    return [phase, params, endsWithParam];
  };
  return [...ops].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
  });
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceOutcome> {
  const startedAt = new Date();
  const doc = await loadDocument(options.specFile);
  const operations = listOperations(doc);
  const validators = compileValidators(doc, operations);
  const unknown = [...(options.only ?? []), ...(options.skip ?? [])].filter((id) => !operations.some((op) => op.operationId === id));
  if (unknown.length) throw new Error(`Not an operationId of ${options.specFile}: ${unknown.join(', ')}`);

  const target = await connectTarget({ tenantName: 'conformance', ...options }, operations);
  const known = new KnownValues();
  const factory = new RequestFactory(doc, validators, known, options.overrides ?? {}, options.seed);
  const deadline = Date.now() + options.maxDurationSeconds * 1000;
  const violations: Violation[] = [];
  const outcomes: OperationOutcome[] = [];
  let requests = 0;
  let validRequests = 0;
  let invalidRequests = 0;
  let stoppedEarly = false;

  const send = async (op: Operation, request: ConformanceRequest): Promise<void> => {
    const wire = factory.toWire(op, request, target.credentials.headers());
    const url = `${target.baseUrl}${wire.target}`;
    requests++;
    if (request.intent === 'valid') validRequests++;
    else invalidRequests++;
    const outcome = outcomes.at(-1)!;
    outcome.requests++;
    let response: WireResponse | null = null;
    let failure: string | null = null;
    try {
      response = await call(url, wire, options.timeoutMs);
    } catch (error) {
      failure = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `request failed: ${(error as Error).message}`;
    }
    const findings: ResponseFinding[] = response
      ? [...judgeIntent(request.intent, response.status, request.brokenAt), ...validateResponse(op, validators.get(op.operationId)!, response)]
      : [{ rule: 'server_error', pointer: '/status', message: failure! }];
    if (response) {
      outcome.statuses[response.status] = (outcome.statuses[response.status] ?? 0) + 1;
      if (request.intent === 'valid' && response.status >= 400 && response.status < 500 && outcome.refused_valid.length < 3) {
        outcome.refused_valid.push({ status: response.status, label: request.label, detail: problemDetail(response.body) });
      }
      if (response.status < 300 && isJsonMediaType(response.headers.get('content-type') ?? '')) {
        try {
          known.learn(op, request.parts.path, JSON.parse(response.body));
        } catch {
          // invalid JSON is already a finding
        }
      }
    }
    for (const f of findings) {
      outcome.violations++;
      violations.push({
        operation_id: op.operationId,
        ...f,
        status: response?.status ?? null,
        request: {
          method: wire.method,
          url,
          intent: request.intent,
          label: request.label,
          broken_at: request.brokenAt ?? null,
          body_excerpt: wire.body === undefined ? null : wire.body.length > 300 ? `${wire.body.slice(0, 300)}… (${wire.body.length} characters)` : wire.body,
        },
      });
    }
  };

  try {
    for (const op of playOrder(operations)) {
      const outcome: OperationOutcome = {
        operation_id: op.operationId,
        method: op.method.toUpperCase(),
        path: op.path,
        status: 'checked',
        reason: null,
        requests: 0,
        statuses: {},
        violations: 0,
        refused_valid: [],
      };
      outcomes.push(outcome);
      if (options.only?.length && !options.only.includes(op.operationId)) {
        Object.assign(outcome, { status: 'skipped', reason: 'not selected (--only)' });
        continue;
      }
      if (options.skip?.includes(op.operationId)) {
        Object.assign(outcome, { status: 'skipped', reason: 'skipped (--skip)' });
        continue;
      }
      if (!SAFE.has(op.method) && !options.allowWrites) {
        Object.assign(outcome, { status: 'skipped', reason: 'write (run with --allow-writes)' });
        continue;
      }
      // A nested collection (/orders/{id}/shipments) is listed for a few parents: more ids to learn.
      // Listing it for parents until two answers held something (or twelve parents were tried).
      const nestedCollection = SAFE.has(op.method) && /\}\/[^{}/]+$/.test(op.path);
      const valid = factory.valid(op, nestedCollection ? 12 : 1);
      const family = factory.invalid(op, valid[0]!);
      let fruitful = 0;
      for (const request of [...valid, ...family]) {
        if (requests >= options.maxRequests || Date.now() >= deadline) {
          stoppedEarly = true;
          break;
        }
        if (nestedCollection && request.intent === 'valid' && request !== valid[0] && fruitful >= 2 && !request.label.includes('optional')) continue;
        const before = known.size;
        await send(op, request);
        if (known.size > before) fruitful++;
      }
      if (stoppedEarly) {
        if (outcome.requests === 0) Object.assign(outcome, { status: 'not_reached', reason: 'not reached (request or time budget spent)' });
        break;
      }
    }
  } finally {
    target.credentials.stop();
  }
  for (const op of playOrder(operations).slice(outcomes.length)) {
    outcomes.push({ operation_id: op.operationId, method: op.method.toUpperCase(), path: op.path, status: 'not_reached', reason: 'not reached (request or time budget spent)', requests: 0, statuses: {}, violations: 0, refused_valid: [] });
  }

  const counts = {
    operations: operations.length,
    checked: outcomes.filter((o) => o.status === 'checked').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    not_reached: outcomes.filter((o) => o.status === 'not_reached').length,
    requests,
    valid_requests: validRequests,
    invalid_requests: invalidRequests,
    violations: violations.length,
  };
  const warnings = [...target.warnings, ...factory.notes];
  if (stoppedEarly) warnings.push(`Stopped early: the budget of ${options.maxRequests} requests / ${options.maxDurationSeconds} s was spent; ${counts.not_reached} operations were not reached.`);
  const verdict = violations.length === 0 && !stoppedEarly ? 'pass' : 'fail';
  const violatingOps = new Set(violations.map((v) => v.operation_id)).size;
  const headline =
    violations.length > 0
      ? `${violations.length} violations in ${violatingOps} of ${counts.checked} operations checked (${requests} requests).`
      : stoppedEarly
        ? `No violation found, but the run stopped early: ${counts.not_reached} operations not reached.`
        : `No violation: ${counts.checked} operations, ${requests} requests (${validRequests} valid, ${invalidRequests} invalid), every response as the contract documents it.`;

  const report: ConformanceReport = {
    tool: 'marketplace-sandbox conformance',
    version: options.version,
    target: { base_url: target.baseUrl, auth: target.credentials.describe(), tenant: target.tenant },
    spec: options.specFile,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    verdict,
    headline,
    counts,
    bounds: { max_requests: options.maxRequests, max_duration_s: options.maxDurationSeconds, timeout_ms: options.timeoutMs, stopped_early: stoppedEarly },
    operations: outcomes,
    violations,
    warnings,
  };
  const files: string[] = [];
  if (options.outDir) {
    const dir = resolve(options.outDir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'conformance.json'), `${JSON.stringify(report, null, 2)}\n`);
    files.push(join(dir, 'conformance.json'));
  }
  return { report, exitCode: verdict === 'pass' ? 0 : 1, files };
}

/** What a refusal says: the problem's detail, or the start of the body. */
function problemDetail(body: string): string {
  try {
    const parsed = JSON.parse(body);
    if (typeof parsed?.detail === 'string') return parsed.detail;
    if (typeof parsed?.error_description === 'string') return parsed.error_description;
  } catch {
    // not JSON
  }
  return body.slice(0, 200);
}

async function call(url: string, wire: WireRequest, timeoutMs: number): Promise<WireResponse> {
  const res = await fetch(url, { method: wire.method, headers: wire.headers, body: wire.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  // An event stream stays open: its status, headers and first chunk are the answer, the rest is not waited for.
  if (res.headers.get('content-type')?.startsWith('text/event-stream') && res.body) {
    const reader = res.body.getReader();
    const first = await reader.read();
    await reader.cancel();
    return { status: res.status, headers: res.headers, body: new TextDecoder().decode(first.value) };
  }
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The terminal summary: the verdict, then each violation with its operation, request and pointer. */
export function summarizeConformance(report: ConformanceReport, files: string[], limit = 50): string {
  const lines = [`${report.verdict === 'pass' ? 'PASS' : 'FAIL'}  ${report.headline}`];
  for (const v of report.violations.slice(0, limit)) {
    lines.push(
      `  ✘ ${v.operation_id}  ${v.request.method} ${v.request.url.replace(report.target.base_url, '')}  [${v.request.label}]  → ${v.status ?? 'no answer'}`,
      `      ${v.pointer}  ${v.message}  (${v.rule})`,
    );
  }
  if (report.violations.length > limit) lines.push(`  … and ${report.violations.length - limit} more (see conformance.json)`);
  const skipped = report.operations.filter((o) => o.status !== 'checked');
  if (skipped.length) {
    const reasons = new Map<string, string[]>();
    for (const o of skipped) reasons.set(o.reason ?? o.status, [...(reasons.get(o.reason ?? o.status) ?? []), o.operation_id]);
    for (const [reason, ids] of reasons) lines.push(`  not checked, ${reason}: ${ids.join(', ')}`);
  }
  for (const w of report.warnings) lines.push(`  note: ${w}`);
  for (const f of files) lines.push(`  wrote ${f}`);
  return lines.join('\n');
}
