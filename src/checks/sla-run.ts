// `marketplace-sandbox sla`: measure an implementation under a profile's load against its budgets.
//   contract + budgets + profile ─▶ credentials ─▶ data sets from the target ─▶ load ─▶ verdict
//   ─▶ report.json + report.html ─▶ exit code (0 met, 1 breached)
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listOperations, loadDocument } from '../contract/operations.ts';
import { compileValidators } from '../contract/validators.ts';
import { connectTarget, type TargetOptions } from './check-target.ts';
import { liveProgress } from './live-progress.ts';
import { generateLoad, type LoadModel } from './load-generator.ts';
import { checkProfileAgainstContract, checkRenderedBodies, fetchDataSets, loadProfile, RequestRenderer } from './load-profile.ts';
import { loadSlaFile } from './sla-budgets.ts';
import { evaluateRun, type SlaReport } from './sla-evaluation.ts';
import { renderSlaReportHtml } from './sla-report-html.ts';

export interface SlaRunOptions extends TargetOptions {
  specFile: string;
  slaFile: string;
  profileFile: string;
  /** Open model: requests per second. Exclusive with `connections`. */
  rate?: number;
  /** Closed model: concurrent callers. */
  connections?: number;
  durationSeconds: number;
  warmupSeconds: number;
  timeoutMs: number;
  maxInFlight: number;
  seed: number;
  outDir?: string;
  version: string;
  /** Live progress on this stream (only pass one when it is an interactive terminal). */
  progress?: NodeJS.WriteStream;
}

export interface SlaOutcome {
  report: SlaReport;
  exitCode: 0 | 1;
  files: string[];
}

/** What a single run may ask for: a check, not a stress test. */
export const SLA_LIMITS = { rate: 5000, connections: 512, durationSeconds: 3600, warmupSeconds: 600, requests: 2_000_000 };

export class SlaUsageError extends Error {}

export function loadModelOf(options: Pick<SlaRunOptions, 'rate' | 'connections' | 'durationSeconds' | 'warmupSeconds'>): LoadModel {
  const { rate, connections, durationSeconds, warmupSeconds } = options;
  if (rate !== undefined && connections !== undefined) throw new SlaUsageError('Give --rate (open model) or --connections (closed model), not both.');
  if (!(durationSeconds > 0 && durationSeconds <= SLA_LIMITS.durationSeconds)) throw new SlaUsageError(`--duration must be 1–${SLA_LIMITS.durationSeconds} seconds.`);
  if (!(warmupSeconds >= 0 && warmupSeconds <= SLA_LIMITS.warmupSeconds)) throw new SlaUsageError(`--warmup must be 0–${SLA_LIMITS.warmupSeconds} seconds.`);
  if (connections !== undefined) {
    if (!(Number.isInteger(connections) && connections >= 1 && connections <= SLA_LIMITS.connections)) throw new SlaUsageError(`--connections must be 1–${SLA_LIMITS.connections}.`);
    return { kind: 'closed', connections };
  }
  const r = rate ?? 10;
  if (!(r > 0 && r <= SLA_LIMITS.rate)) throw new SlaUsageError(`--rate must be above 0 and at most ${SLA_LIMITS.rate} requests per second.`);
  if (r * (durationSeconds + warmupSeconds) > SLA_LIMITS.requests) throw new SlaUsageError(`--rate × (--duration + --warmup) exceeds ${SLA_LIMITS.requests} requests; shorten the run.`);
  return { kind: 'open', rate: r };
}

export async function runSla(options: SlaRunOptions): Promise<SlaOutcome> {
  const model = loadModelOf(options);
  const sla = await loadSlaFile(options.slaFile);
  const doc = await loadDocument(options.specFile);
  const operations = listOperations(doc);
  const validators = compileValidators(doc, operations);
  const profile = await loadProfile(options.profileFile);
  checkProfileAgainstContract(profile, operations);

  const target = await connectTarget({ tenantName: `sla ${profile.name}`, ...options }, operations);
  try {
    const data = await fetchDataSets(profile, target.baseUrl, async () => target.credentials.headers(), options.timeoutMs);
    const renderer = new RequestRenderer(profile, data, options.seed);
    const warnings = [...target.warnings, ...checkRenderedBodies(profile, renderer, validators)];

    const progress = liveProgress(options.progress ?? process.stderr, Boolean(options.progress));
    const startedAt = new Date();
    const result = await generateLoad({
      baseUrl: target.baseUrl,
      model,
      durationMs: options.durationSeconds * 1000,
      warmupMs: options.warmupSeconds * 1000,
      timeoutMs: options.timeoutMs,
      maxInFlight: options.maxInFlight,
      headers: () => target.credentials.headers(),
      next: () => renderer.next(),
      onTick: (t) => progress.tick(t),
    });
    progress.done();

    const report = evaluateRun({
      result,
      sla,
      slaFile: options.slaFile,
      operations,
      version: options.version,
      target: { base_url: target.baseUrl, auth: target.credentials.describe(), tenant: target.tenant },
      startedAt,
      finishedAt: new Date(),
      timeoutMs: options.timeoutMs,
      profile: profile.name,
      seed: options.seed,
      warnings,
    });

    const files: string[] = [];
    if (options.outDir) {
      const dir = resolve(options.outDir);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(dir, 'report.html'), renderSlaReportHtml(report));
      files.push(join(dir, 'report.json'), join(dir, 'report.html'));
    }
    return { report, exitCode: report.verdict === 'pass' ? 0 : 1, files };
  } finally {
    target.credentials.stop();
  }
}

/** The terminal summary printed after a run: the verdict, then one line per operation. */
export function summarizeSla(report: SlaReport, files: string[]): string {
  const lines = [
    `${report.verdict === 'pass' ? 'PASS' : 'FAIL'}  ${report.headline}`,
    `  ${report.summary.requests} requests · ${report.summary.throughput_rps} req/s · p50 ${report.summary.latency.p50_ms} ms · p95 ${report.summary.latency.p95_ms} ms · ` +
      `errors ${report.summary.error_rate_pct} % · availability ${report.summary.availability_pct} % · 429s ${report.summary.rate_limited}`,
  ];
  const width = Math.max(...report.operations.map((o) => o.operation_id.length), 9);
  for (const op of report.operations) {
    const failed = report.checks.filter((c) => c.scope === op.operation_id && c.passed === false).map((c) => `${c.label} (measured ${c.actual} ${c.unit})`);
    lines.push(
      `  ${op.passed ? 'ok  ' : 'FAIL'} ${op.operation_id.padEnd(width)} ${String(op.requests).padStart(6)} req  p50 ${String(op.latency.p50_ms).padStart(8)} ms  p95 ${String(op.latency.p95_ms).padStart(8)} ms  errors ${op.errors}${failed.length ? `  breached: ${failed.join('; ')}` : ''}`,
    );
  }
  for (const check of report.checks.filter((c) => c.scope === 'overall' && c.passed === false)) {
    lines.push(`  FAIL overall ${check.label} (measured ${check.actual} ${check.unit})`);
  }
  for (const warning of report.warnings) lines.push(`  note: ${warning}`);
  for (const file of files) lines.push(`  wrote ${file}`);
  return lines.join('\n');
}
