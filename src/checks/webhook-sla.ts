// `marketplace-sandbox webhook-sla`: judges a partner's webhook receiver from the sandbox's
// delivery log. Every delivery attempt the sandbox made is in the log (GET
// /api/v2/webhooks/{id}/deliveries: attempts {at, status_code, latency_ms, error}); from it:
//   acknowledgement latency  how long the receiver took to answer (percentiles, HDR histogram);
//   success rate             deliveries that ended acknowledged with a 2xx, of those finished;
//   retries                  deliveries that needed more than one attempt.
// The tenant's key comes from the control API (admin token) unless one is given.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.ts';
import { parseBaseUrl } from './check-target.ts';
import { ControlClient } from '../control/client.ts';
import { loadSlaFile, type WebhookBudget } from './sla-budgets.ts';

export interface WebhookSlaOptions {
  url: string;
  tenant: string;
  adminToken?: string;
  /** The tenant's API key; looked up through the control API when absent. */
  key?: string;
  slaFile: string;
  /** Only deliveries created at or after this time. */
  since?: Date;
  /** Bound on deliveries read. */
  maxDeliveries: number;
  outDir?: string;
  version: string;
}

interface Attempt {
  at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

interface Delivery {
  id: string;
  subscription_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: Attempt[];
  created_at: string;
}

export interface WebhookCheck {
  metric: 'ack_p50' | 'ack_p95' | 'success_rate' | 'retry_rate';
  label: string;
  limit: number;
  actual: number | null;
  unit: 'ms' | '%';
  passed: boolean | null;
}

export interface WebhookSlaReport {
  tool: 'marketplace-sandbox webhook-sla';
  version: string;
  sandbox: string;
  tenant: string;
  generated_at: string;
  since: string | null;
  verdict: 'pass' | 'fail' | 'no_data';
  headline: string;
  subscriptions: { id: string; url: string; deliveries: number; succeeded: number; failed: number; pending: number }[];
  deliveries: { total: number; succeeded: number; failed: number; pending: number; retried: number; max_attempts: number };
  attempts: { total: number; acknowledged_2xx: number; answered_non_2xx: number; timeouts: number; connection_errors: number };
  success_rate_pct: number | null;
  retry_rate_pct: number | null;
  ack_latency: LatencySummary;
  checks: WebhookCheck[];
  warnings: string[];
}

export interface WebhookSlaOutcome {
  report: WebhookSlaReport;
  /** 0 met, 1 breached, 3 nothing to judge. */
  exitCode: 0 | 1 | 3;
  files: string[];
}

const DEFAULT_WEBHOOK_BUDGET: WebhookBudget = { ack_p95_ms: 2000, success_rate_min_pct: 99.5 };
const isTimeout = (a: Attempt) => a.status_code === null && /time(d)?\s*out/i.test(a.error ?? '');
const round = (n: number) => Math.round(n * 1000) / 1000;

export async function runWebhookSla(options: WebhookSlaOptions): Promise<WebhookSlaOutcome> {
  const base = parseBaseUrl(options.url);
  const sla = await loadSlaFile(options.slaFile);
  const budget = sla.webhooks ?? DEFAULT_WEBHOOK_BUDGET;
  const warnings: string[] = [];
  if (!sla.webhooks) warnings.push(`${options.slaFile} has no webhooks section; the default budget (ack p95 < 2000 ms, success ≥ 99.5 %) applies.`);

  const key = options.key ?? (await keyOf(base, options.tenant, options.adminToken));
  const partner = partnerApi(base, key);
  const subscriptions = await pages<{ id: string; url: string }>(partner, '/api/v2/webhooks', 1000);

  const histogram = new LatencyHistogram();
  const deliveries = { total: 0, succeeded: 0, failed: 0, pending: 0, retried: 0, max_attempts: 0 };
  const attempts = { total: 0, acknowledged_2xx: 0, answered_non_2xx: 0, timeouts: 0, connection_errors: 0 };
  const perSubscription: WebhookSlaReport['subscriptions'] = [];
  let bounded = false;

  for (const sub of subscriptions) {
    const remaining = options.maxDeliveries - deliveries.total;
    if (remaining <= 0) {
      bounded = true;
      break;
    }
    const log = await pages<Delivery>(partner, `/api/v2/webhooks/${encodeURIComponent(sub.id)}/deliveries`, remaining);
    const row = { id: sub.id, url: sub.url, deliveries: 0, succeeded: 0, failed: 0, pending: 0 };
    for (const d of log) {
      if (options.since && new Date(d.created_at) < options.since) continue;
      row.deliveries++;
      row[d.status]++;
      deliveries.total++;
      deliveries[d.status]++;
      if (d.attempts.length > 1) deliveries.retried++;
      deliveries.max_attempts = Math.max(deliveries.max_attempts, d.attempts.length);
      for (const a of d.attempts) {
        attempts.total++;
        if (a.status_code !== null) {
          if (a.status_code >= 200 && a.status_code < 300) attempts.acknowledged_2xx++;
          else attempts.answered_non_2xx++;
          histogram.record(a.latency_ms);
        } else if (isTimeout(a)) {
          // The receiver did not acknowledge in time: count the time the sandbox waited.
          attempts.timeouts++;
          histogram.record(a.latency_ms);
        } else {
          attempts.connection_errors++;
        }
      }
    }
    perSubscription.push(row);
  }
  if (bounded) warnings.push(`Read the first ${options.maxDeliveries} deliveries only (--max-deliveries).`);

  const finished = deliveries.succeeded + deliveries.failed;
  const successRate = finished === 0 ? null : round((deliveries.succeeded / finished) * 100);
  const retryRate = deliveries.total === 0 ? null : round((deliveries.retried / deliveries.total) * 100);
  const latency = histogram.summary();
  const answered = histogram.count > 0;
  if (deliveries.pending > 0) warnings.push(`${deliveries.pending} deliveries are still pending (being retried); they are not in the success rate yet.`);

  const checks: WebhookCheck[] = [];
  if (budget.ack_p50_ms !== undefined) checks.push(latencyCheck('ack_p50', budget.ack_p50_ms, answered ? latency.p50_ms : null));
  checks.push(latencyCheck('ack_p95', budget.ack_p95_ms, answered ? latency.p95_ms : null));
  checks.push({
    metric: 'success_rate',
    label: `delivery success ≥ ${budget.success_rate_min_pct} %`,
    limit: budget.success_rate_min_pct,
    actual: successRate,
    unit: '%',
    passed: successRate === null ? null : successRate >= budget.success_rate_min_pct,
  });
  if (budget.max_retry_rate_pct !== undefined) {
    checks.push({
      metric: 'retry_rate',
      label: `deliveries needing a retry ≤ ${budget.max_retry_rate_pct} %`,
      limit: budget.max_retry_rate_pct,
      actual: retryRate,
      unit: '%',
      passed: retryRate === null ? null : retryRate <= budget.max_retry_rate_pct,
    });
  }

  const failed = checks.filter((c) => c.passed === false);
  const verdict = deliveries.total === 0 ? 'no_data' : failed.length ? 'fail' : 'pass';
  const headline =
    verdict === 'no_data'
      ? `No webhook deliveries for tenant ${options.tenant}${options.since ? ` since ${options.since.toISOString()}` : ''}: nothing to judge (subscribe and trigger events first).`
      : verdict === 'pass'
        ? `The receiver met its budget over ${deliveries.total} deliveries (${attempts.total} attempts): ack p95 ${latency.p95_ms} ms, success ${successRate ?? '–'} %.`
        : `${failed.length} of ${checks.length} budget checks failed: ${failed.map((c) => `${c.label} (measured ${c.actual} ${c.unit})`).join('; ')}.`;

  const report: WebhookSlaReport = {
    tool: 'marketplace-sandbox webhook-sla',
    version: options.version,
    sandbox: base,
    tenant: options.tenant,
    generated_at: new Date().toISOString(),
    since: options.since?.toISOString() ?? null,
    verdict,
    headline,
    subscriptions: perSubscription,
    deliveries,
    attempts,
    success_rate_pct: successRate,
    retry_rate_pct: retryRate,
    ack_latency: latency,
    checks,
    warnings,
  };
  const files: string[] = [];
  if (options.outDir) {
    const dir = resolve(options.outDir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'webhook-sla.json'), `${JSON.stringify(report, null, 2)}\n`);
    files.push(join(dir, 'webhook-sla.json'));
  }
  return { report, exitCode: verdict === 'pass' ? 0 : verdict === 'fail' ? 1 : 3, files };
}

function latencyCheck(metric: 'ack_p50' | 'ack_p95', limit: number, actual: number | null): WebhookCheck {
  const p = metric === 'ack_p50' ? 'p50' : 'p95';
  return { metric, label: `acknowledgement ${p} < ${limit} ms`, limit, actual, unit: 'ms', passed: actual === null ? null : actual < limit };
}

async function keyOf(base: string, tenantId: string, adminToken?: string): Promise<string> {
  const control = new ControlClient({ url: base, adminToken });
  const tenant = (await control.listTenants()).find((t) => t.tenant_id === tenantId);
  if (!tenant) throw new Error(`The sandbox at ${base} has no tenant ${tenantId} (GET /__sandbox/tenants lists them).`);
  const key = tenant.api_keys[0];
  if (!key) throw new Error(`Tenant ${tenantId} has no API key to read its delivery log with.`);
  return key;
}

/** The parsed JSON of a 2xx answer, whatever it holds. */
type PartnerGet = (path: string) => Promise<unknown>;

/** A page of a list as the API documents it; every member is checked, as a target may answer otherwise. */
type ListPage = { data?: unknown; pagination?: { total_pages?: unknown } | null } | null | undefined;

function partnerApi(base: string, key: string): PartnerGet {
  return async (path) => {
    const url = `${base}${path}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
}

/** Every item of a paginated list ({data, pagination}), at most `max`. */
async function pages<T>(get: PartnerGet, path: string, max: number): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; items.length < max && page <= 1000; page++) {
    const body = (await get(`${path}?limit=100&page=${page}`)) as ListPage;
    const data: T[] = Array.isArray(body?.data) ? body.data : [];
    items.push(...data.slice(0, max - items.length));
    const totalPages = body?.pagination?.total_pages;
    if (data.length === 0 || typeof totalPages !== 'number' || page >= totalPages) break;
  }
  return items;
}

export function summarizeWebhookSla(report: WebhookSlaReport, files: string[]): string {
  const label = report.verdict === 'pass' ? 'PASS' : report.verdict === 'fail' ? 'FAIL' : 'NO DATA';
  const lines = [`${label}  ${report.headline}`];
  if (report.deliveries.total > 0) {
    const l = report.ack_latency;
    lines.push(
      `  deliveries ${report.deliveries.total} (succeeded ${report.deliveries.succeeded}, failed ${report.deliveries.failed}, pending ${report.deliveries.pending}) · retried ${report.deliveries.retried} · max attempts ${report.deliveries.max_attempts}`,
      `  attempts ${report.attempts.total} (2xx ${report.attempts.acknowledged_2xx}, other answers ${report.attempts.answered_non_2xx}, timeouts ${report.attempts.timeouts}, connection errors ${report.attempts.connection_errors})`,
      `  acknowledgement latency p50 ${l.p50_ms} ms · p95 ${l.p95_ms} ms · p99 ${l.p99_ms} ms · max ${l.max_ms} ms`,
    );
    for (const c of report.checks) lines.push(`  ${c.passed === null ? 'n/a ' : c.passed ? 'ok  ' : 'FAIL'} ${c.label}: measured ${c.actual ?? '–'} ${c.unit}`);
  }
  for (const w of report.warnings) lines.push(`  note: ${w}`);
  for (const f of files) lines.push(`  wrote ${f}`);
  return lines.join('\n');
}
