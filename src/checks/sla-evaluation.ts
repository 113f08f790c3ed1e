// Judges a load run against the SLA budgets and shapes the result as report.json: every budget
// check with its limit, the measured figure and pass/fail, and per operation the counts,
// percentiles, percentile curve and histogram the HTML report draws.
import type { Operation } from '../contract/operations.ts';
import type { HistogramBucket, LatencySummary, PercentilePoint } from './latency-histogram.ts';
import { errorsOf, newOperationStats, type LoadResult, type OperationLoadStats } from './load-generator.ts';
import { budgetFor, type BudgetFigures, type BudgetSource, type SlaFile } from './sla-budgets.ts';

export type Metric = 'availability' | 'error_rate' | 'p50' | 'p95' | 'p99';

export interface BudgetCheck {
  /** "overall" or an operationId. */
  scope: string;
  group: string | null;
  metric: Metric;
  /** How the check reads to a person: "p95 latency < 50 ms". */
  label: string;
  comparison: '<' | '≥';
  limit: number;
  /** null when nothing was measured for it. */
  actual: number | null;
  unit: 'ms' | '%';
  /** null: not measured (no requests answered). */
  passed: boolean | null;
  source: BudgetSource;
  samples: number;
}

export interface OperationReport {
  operation_id: string;
  group: string | null;
  method: string;
  path: string;
  requests: number;
  throughput_rps: number;
  statuses: Record<string, number>;
  errors: number;
  server_errors: number;
  timeouts: number;
  connection_errors: number;
  rate_limited: number;
  error_rate_pct: number;
  availability_pct: number;
  latency: LatencySummary;
  percentile_curve: PercentilePoint[];
  histogram: HistogramBucket[];
  sample_errors: string[];
  /** false when any budget of the operation is breached. */
  passed: boolean;
}

export interface SlaReport {
  tool: 'marketplace-sandbox sla';
  version: string;
  target: { base_url: string; auth: string; tenant: string | null };
  started_at: string;
  finished_at: string;
  load: {
    model: 'open' | 'closed';
    rate_per_second: number | null;
    connections: number | null;
    duration_s: number;
    warmup_s: number;
    timeout_ms: number;
    profile: string;
    seed: number;
  };
  sla_file: string;
  verdict: 'pass' | 'fail';
  /** One sentence for the top of the report. */
  headline: string;
  summary: {
    requests: number;
    throughput_rps: number;
    errors: number;
    error_rate_pct: number;
    availability_pct: number;
    rate_limited: number;
    rate_limited_pct: number;
    latency: LatencySummary;
  };
  checks: BudgetCheck[];
  operations: OperationReport[];
  warnings: string[];
}

export interface EvaluationInput {
  result: LoadResult;
  sla: SlaFile;
  slaFile: string;
  operations: Operation[];
  version: string;
  target: SlaReport['target'];
  startedAt: Date;
  finishedAt: Date;
  timeoutMs: number;
  profile: string;
  seed: number;
  warnings: string[];
}

/** Below this many answers a percentile rests on a handful of requests: the report says so. */
export const FEW_SAMPLES = 20;

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 100 * 1000) / 1000);

/** Requests the service answered: not a connection error, timeout, 502, 503 or 504. 429s are left out. */
function availabilityPct(s: OperationLoadStats): number {
  const judged = s.requests - s.rateLimited;
  return judged === 0 ? 100 : 100 - pct(s.connectionErrors + s.timeouts + s.unavailableAnswers, judged);
}

function errorRatePct(s: OperationLoadStats): number {
  return pct(errorsOf(s), s.requests - s.rateLimited);
}

const LATENCY: [Metric, keyof BudgetFigures, keyof LatencySummary][] = [
  ['p50', 'p50_ms', 'p50_ms'],
  ['p95', 'p95_ms', 'p95_ms'],
  ['p99', 'p99_ms', 'p99_ms'],
];

export function evaluateRun(input: EvaluationInput): SlaReport {
  const { result, sla } = input;
  const seconds = result.measuredMs / 1000;
  const byId = new Map(input.operations.map((op) => [op.operationId, op]));
  const checks: BudgetCheck[] = [];
  const warnings = [...input.warnings];

  // Overall: every request of the run together.
  const total = newOperationStats('overall');
  for (const s of result.operations.values()) {
    total.requests += s.requests;
    total.serverErrors += s.serverErrors;
    total.unavailableAnswers += s.unavailableAnswers;
    total.timeouts += s.timeouts;
    total.connectionErrors += s.connectionErrors;
    total.rateLimited += s.rateLimited;
    total.latency.add(s.latency);
  }
  const judgedTotal = total.requests - total.rateLimited;
  checks.push(
    rateCheck('overall', null, 'availability', sla.defaults.availability_min_pct, 'defaults', availabilityPct(total), judgedTotal),
    rateCheck('overall', null, 'error_rate', sla.defaults.error_rate_max_pct, 'defaults', errorRatePct(total), judgedTotal),
  );

  const operations: OperationReport[] = [];
  const few: string[] = [];
  for (const s of [...result.operations.values()].sort((a, b) => b.requests - a.requests)) {
    const op = byId.get(s.operationId);
    const budget = budgetFor(sla, s.operationId, op?.tags ?? []);
    const own: BudgetCheck[] = [];
    const answered = s.latency.count;
    const latency = s.latency.summary();
    for (const [metric, figure, field] of LATENCY) {
      const f = budget.figures[figure];
      if (!f) continue;
      const actual = answered === 0 ? null : (latency[field] as number);
      own.push({
        scope: s.operationId,
        group: budget.group,
        metric,
        label: `${metric} latency < ${f.limit} ms`,
        comparison: '<',
        limit: f.limit,
        actual,
        unit: 'ms',
        passed: actual === null ? null : actual < f.limit,
        source: f.source,
        samples: answered,
      });
    }
    const judged = s.requests - s.rateLimited;
    const errorBudget = budget.figures.error_rate_max_pct;
    if (errorBudget) own.push(rateCheck(s.operationId, budget.group, 'error_rate', errorBudget.limit, errorBudget.source, errorRatePct(s), judged));
    const availabilityBudget = budget.figures.availability_min_pct;
    if (availabilityBudget) {
      own.push(rateCheck(s.operationId, budget.group, 'availability', availabilityBudget.limit, availabilityBudget.source, availabilityPct(s), judged));
    }
    checks.push(...own);

    if (answered > 0 && answered < FEW_SAMPLES) few.push(`${s.operationId} (${answered})`);
    if (answered === 0) warnings.push(`${s.operationId}: no request was answered, so its latency budgets could not be judged.`);
    operations.push({
      operation_id: s.operationId,
      group: budget.group,
      method: op?.method.toUpperCase() ?? '',
      path: op?.path ?? '',
      requests: s.requests,
      throughput_rps: Math.round((s.requests / seconds) * 100) / 100,
      statuses: s.statuses,
      errors: errorsOf(s),
      server_errors: s.serverErrors,
      timeouts: s.timeouts,
      connection_errors: s.connectionErrors,
      rate_limited: s.rateLimited,
      error_rate_pct: errorRatePct(s),
      availability_pct: availabilityPct(s),
      latency,
      percentile_curve: s.latency.percentileCurve(),
      histogram: s.latency.buckets(),
      sample_errors: s.sampleErrors,
      passed: own.every((c) => c.passed !== false),
    });
  }

  if (few.length) {
    warnings.push(`Few answers for ${few.join(', ')}: their percentiles rest on fewer than ${FEW_SAMPLES} requests; raise --duration or --rate for firmer figures.`);
  }
  if (total.rateLimited > 0) {
    warnings.push(
      `${total.rateLimited} requests (${pct(total.rateLimited, total.requests)} %) were answered 429 Too Many Requests: the profile exceeds the plan's rate limits. ` +
        'They count neither as errors nor in the latencies; lower --rate or raise the tenant\'s limits to measure the service itself.',
    );
  }

  const nothingMeasured = total.latency.count === 0;
  if (nothingMeasured) warnings.push('No request was answered during the measured time: nothing could be judged.');
  const failed = checks.filter((c) => c.passed === false);
  const verdict = failed.length === 0 && !nothingMeasured ? 'pass' : 'fail';
  const headline =
    verdict === 'pass'
      ? `All ${checks.length} budget checks passed over ${total.requests} requests in ${seconds} s.`
      : nothingMeasured
        ? 'Nothing was measured: no request was answered.'
        : `${failed.length} of ${checks.length} budget checks failed: ${failed
            .slice(0, 3)
            .map((c) => `${c.scope === 'overall' ? 'overall' : c.scope} ${c.label} (measured ${c.actual} ${c.unit})`)
            .join('; ')}${failed.length > 3 ? '; …' : ''}.`;

  const model = result.model;
  return {
    tool: 'marketplace-sandbox sla',
    version: input.version,
    target: input.target,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    load: {
      model: model.kind,
      rate_per_second: model.kind === 'open' ? model.rate : null,
      connections: model.kind === 'closed' ? model.connections : null,
      duration_s: seconds,
      warmup_s: result.warmupMs / 1000,
      timeout_ms: input.timeoutMs,
      profile: input.profile,
      seed: input.seed,
    },
    sla_file: input.slaFile,
    verdict,
    headline,
    summary: {
      requests: total.requests,
      throughput_rps: Math.round((total.requests / seconds) * 100) / 100,
      errors: errorsOf(total),
      error_rate_pct: errorRatePct(total),
      availability_pct: availabilityPct(total),
      rate_limited: total.rateLimited,
      rate_limited_pct: pct(total.rateLimited, total.requests),
      latency: total.latency.summary(),
    },
    checks,
    operations,
    warnings,
  };
}

function rateCheck(scope: string, group: string | null, metric: 'availability' | 'error_rate', limit: number, source: BudgetSource, actual: number, samples: number): BudgetCheck {
  const isAvailability = metric === 'availability';
  const measured = samples === 0 ? null : actual;
  return {
    scope,
    group,
    metric,
    label: isAvailability ? `availability ≥ ${limit} %` : `error rate < ${limit} %`,
    comparison: isAvailability ? '≥' : '<',
    limit,
    actual: measured,
    unit: '%',
    passed: measured === null ? null : isAvailability ? measured >= limit : measured < limit,
    source,
    samples,
  };
}
