// report.html of an SLA run: one self-contained page (inline CSS and SVG, no script, no web fonts,
// no CDN) a product or ops person can read: the verdict in one sentence, the budgets table with
// pass/fail, and per operation a percentile plot and a histogram of its latencies.
import type { HistogramBucket, PercentilePoint } from './latency-histogram.ts';
import type { BudgetCheck, OperationReport, SlaReport } from './sla-evaluation.ts';

/** Text made safe for HTML (and XML) content and attribute values. */
export const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 0.4 → "0.4", 12.345 → "12.3", 1234.5 → "1 235": as many digits as a reader can use. */
function num(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-GB').replace(/,/g, '\u2009');
  return String(Number(value.toPrecision(3)));
}

const ms = (value: number) => `${num(value)} ms`;
const percent = (value: number) => `${num(value)} %`;

const METRIC_NAMES: Record<BudgetCheck['metric'], string> = {
  p50: 'Typical (p50)',
  p95: 'Slow end (p95)',
  p99: 'Slowest 1 % (p99)',
  error_rate: 'Error rate',
  availability: 'Availability',
};

export function renderSlaReportHtml(report: SlaReport): string {
  const pass = report.verdict === 'pass';
  const load =
    report.load.model === 'open'
      ? `${num(report.load.rate_per_second!)} requests per second, sent on a fixed schedule (open model)`
      : `${report.load.connections} callers, each sending as soon as the previous answer arrived (closed model)`;
  const metrics = (['p50', 'p95', 'p99', 'error_rate', 'availability'] as const).filter((m) => report.checks.some((c) => c.metric === m));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SLA report: ${escapeHtml(report.verdict.toUpperCase())} – ${escapeHtml(report.target.base_url)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <p class="tool">marketplace-sandbox sla ${escapeHtml(report.version)}</p>
  <h1>SLA report for <span class="target">${escapeHtml(report.target.base_url)}</span></h1>
  <p class="verdict ${pass ? 'pass' : 'fail'}" id="verdict"><strong>${pass ? 'PASS' : 'FAIL'}</strong> ${escapeHtml(report.headline)}</p>
</header>

<section id="run">
  <h2>What was measured</h2>
  <dl class="facts">
    <dt>When</dt><dd>${escapeHtml(report.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}, for ${num(report.load.duration_s)} s (after ${num(report.load.warmup_s)} s of warm-up that is not counted)</dd>
    <dt>Load</dt><dd>${escapeHtml(load)}; mix “${escapeHtml(report.load.profile)}”</dd>
    <dt>Credentials</dt><dd>${escapeHtml(report.target.auth)}${report.target.tenant ? `, tenant ${escapeHtml(report.target.tenant)}` : ''}</dd>
    <dt>Budgets</dt><dd>${escapeHtml(report.sla_file)}</dd>
  </dl>
  <div class="cards">
    ${card('Requests', num(report.summary.requests), `${num(report.summary.throughput_rps)} per second`)}
    ${card('Typical answer (p50)', ms(report.summary.latency.p50_ms), 'half of all answers were faster')}
    ${card('Slow end (p95)', ms(report.summary.latency.p95_ms), '95 of 100 answers were faster')}
    ${card('Error rate', percent(report.summary.error_rate_pct), `${num(report.summary.errors)} failed (5xx, timeouts, connection errors)`)}
    ${card('Availability', percent(report.summary.availability_pct), 'answered at all')}
    ${card('Rate-limited (429)', num(report.summary.rate_limited), report.summary.rate_limited ? 'the load exceeds the plan: not counted as errors' : 'the load stayed within the plan')}
  </div>
  ${report.warnings.length ? `<div class="warnings" id="warnings"><h3>Worth knowing</h3><ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>` : ''}
</section>

<section id="budgets-section">
  <h2>Budgets</h2>
  <p class="help">Each cell shows the measured figure and the budget it must meet. <span class="ok">✔ met</span> · <span class="bad">✘ breached</span> · <span class="na">– not measured</span>.</p>
  <table id="budgets">
    <thead><tr><th scope="col">Operation</th><th scope="col">Group</th><th scope="col" class="n">Requests</th>${metrics.map((m) => `<th scope="col">${METRIC_NAMES[m]}</th>`).join('')}<th scope="col">Result</th></tr></thead>
    <tbody>
${budgetRows(report, metrics)}
    </tbody>
  </table>
</section>

<section id="operations">
  <h2>Latency per operation</h2>
  <p class="help">Left: how long the slowest share of requests took (read it as “x % of requests were faster than y ms”); the dashed lines are the budgets. Right: how many requests took how long.</p>
${report.operations.map((op) => operationSection(op, report.checks)).join('\n')}
</section>

<footer>
  <h2>How to read this</h2>
  <dl class="glossary">
    <dt>p50, p95, p99</dt><dd>Half, 95 of 100, 99 of 100 answers were faster than this. The p95 is what a busy partner feels every day.</dd>
    <dt>Error rate</dt><dd>Requests that failed: the service answered 5xx, did not answer within ${num(report.load.timeout_ms)} ms, or the connection failed.</dd>
    <dt>Availability</dt><dd>Requests the service answered at all (not a connection error, timeout, 502, 503 or 504).</dd>
    <dt>429 answers</dt><dd>“Too many requests”: the load exceeded the rate limit of the partner's plan. They are reported apart and count neither as errors nor in the latencies.</dd>
    <dt>Open model</dt><dd>Requests leave on a fixed schedule; when the service stalls, the waiting time of the requests queued behind counts too, as it would for real callers.</dd>
  </dl>
  <p class="generated">Generated ${escapeHtml(report.finished_at)} · report.json holds every figure of this page.</p>
</footer>
</body>
</html>
`;
}

function card(title: string, value: string, note: string): string {
  return `<div class="card"><div class="card-title">${escapeHtml(title)}</div><div class="card-value">${escapeHtml(value)}</div><div class="card-note">${escapeHtml(note)}</div></div>`;
}

function cell(check: BudgetCheck | undefined): string {
  if (!check) return '<td class="na">–</td>';
  const unit = check.unit === 'ms' ? ' ms' : ' %';
  const limit = `${check.comparison} ${num(check.limit)}${unit}`;
  if (check.passed === null || check.actual === null) return `<td class="na" title="${escapeHtml(check.label)}">– <span class="limit">${escapeHtml(limit)}</span></td>`;
  const mark = check.passed ? '<span class="ok">✔</span>' : '<span class="bad">✘</span>';
  return `<td class="${check.passed ? 'cell-ok' : 'cell-bad'}" title="${escapeHtml(`${check.label} (budget from ${check.source})`)}">${mark} ${escapeHtml(num(check.actual) + unit)} <span class="limit">${escapeHtml(limit)}</span></td>`;
}

function budgetRows(report: SlaReport, metrics: BudgetCheck['metric'][]): string {
  const rows: string[] = [];
  const overall = report.checks.filter((c) => c.scope === 'overall');
  const overallPassed = overall.every((c) => c.passed !== false);
  const overallLatency: Partial<Record<BudgetCheck['metric'], number>> = {
    p50: report.summary.latency.p50_ms,
    p95: report.summary.latency.p95_ms,
    p99: report.summary.latency.p99_ms,
  };
  // Latency budgets are per operation; the all-requests row shows the figure for orientation.
  const unbudgeted = (m: BudgetCheck['metric']) =>
    overallLatency[m] === undefined ? '<td class="na">–</td>' : `<td>${escapeHtml(ms(overallLatency[m]!))} <span class="limit">budgets per operation</span></td>`;
  rows.push(
    `<tr class="overall"><th scope="row">All requests</th><td></td><td class="n">${num(report.summary.requests)}</td>${metrics
      .map((m) => {
        const check = overall.find((c) => c.metric === m);
        return check ? cell(check) : unbudgeted(m);
      })
      .join('')}<td class="${overallPassed ? 'cell-ok' : 'cell-bad'}">${overallPassed ? 'met' : 'BREACHED'}</td></tr>`,
  );
  for (const op of report.operations) {
    const own = report.checks.filter((c) => c.scope === op.operation_id);
    rows.push(
      `<tr><th scope="row"><a href="#op-${escapeHtml(op.operation_id)}">${escapeHtml(op.operation_id)}</a><div class="route">${escapeHtml(op.method)} ${escapeHtml(op.path)}</div></th><td>${escapeHtml(op.group ?? '—')}</td><td class="n">${num(op.requests)}</td>${metrics
        .map((m) => cell(own.find((c) => c.metric === m)))
        .join('')}<td class="${op.passed ? 'cell-ok' : 'cell-bad'}">${op.passed ? 'met' : 'BREACHED'}</td></tr>`,
    );
  }
  return rows.join('\n');
}

function operationSection(op: OperationReport, checks: BudgetCheck[]): string {
  const own = checks.filter((c) => c.scope === op.operation_id);
  const budgets = own.filter((c) => c.unit === 'ms').map((c) => ({ label: `${c.metric} budget`, ms: c.limit }));
  const statuses = Object.entries(op.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}: ${num(count)}`)
    .join(' · ');
  const l = op.latency;
  return `<article class="operation" id="op-${escapeHtml(op.operation_id)}">
  <h3>${op.passed ? '<span class="ok">✔</span>' : '<span class="bad">✘</span>'} ${escapeHtml(op.operation_id)} <span class="route">${escapeHtml(op.method)} ${escapeHtml(op.path)}</span></h3>
  <p class="stats">${num(op.requests)} requests (${num(op.throughput_rps)}/s) · p50 ${ms(l.p50_ms)} · p95 ${ms(l.p95_ms)} · p99 ${ms(l.p99_ms)} · max ${ms(l.max_ms)} · errors ${num(op.errors)} · 429s ${num(op.rate_limited)}${statuses ? ` · answers ${escapeHtml(statuses)}` : ''}</p>
  ${op.sample_errors.length ? `<p class="errors">Errors seen: ${op.sample_errors.map(escape).join('; ')}</p>` : ''}
  <div class="charts">
    ${percentilePlot(op.operation_id, op.percentile_curve, budgets)}
    ${histogramChart(op.operation_id, op.histogram, budgets)}
  </div>
</article>`;
}

// --- charts --------------------------------------------------------------------------------------

const W = 440;
const H = 240;
const PAD = { left: 58, right: 16, top: 16, bottom: 44 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** "Nice" upper bound and ticks for an axis starting at 0. */
function ticks(max: number, count = 4): number[] {
  const raw = max / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6);
}

/** Percentiles on a "nines" scale: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3, 99.99 → 4. */
const nines = (percentile: number) => (percentile >= 100 ? 4.5 : -Math.log10(1 - percentile / 100));

function percentilePlot(id: string, curve: PercentilePoint[], budgets: { label: string; ms: number }[]): string {
  budgets = [...budgets];
  if (curve.length === 0) return `<svg class="percentile-plot" width="${W}" height="${H}" role="img" aria-label="No latencies recorded for ${escapeHtml(id)}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">no answers recorded</text></svg>`;
  // Scaled to the data and the tightest budget, so the curve stays readable; looser budgets
  // above the chart are named in its corner instead of squashing the curve to the bottom.
  const tightest = budgets.length ? Math.min(...budgets.map((b) => b.ms)) : 0;
  const yTicks = ticks(Math.max(...curve.map((p) => p.ms), tightest) * 1.08);
  const top = yTicks[yTicks.length - 1]!;
  const above = budgets.filter((b) => b.ms > top);
  budgets = budgets.filter((b) => b.ms <= top);
  const x = (p: number) => PAD.left + (nines(p) / 4.5) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const xLabels: [number, string][] = [[0, '0 %'], [90, '90 %'], [99, '99 %'], [99.9, '99.9 %'], [99.99, '99.99 %'], [100, 'max']];
  const path = curve.map((p, i) => `${i ? 'L' : 'M'}${x(p.percentile).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
  return `<svg class="percentile-plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Latency by percentile of ${escapeHtml(id)}">
  <title>Latency by percentile of ${escapeHtml(id)}</title>
  ${yTicks.map((t) => `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${num(t)}</text>`).join('')}
  ${xLabels.map(([p, label]) => `<line class="grid" x1="${x(p)}" x2="${x(p)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/><text class="tick" x="${x(p)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${label}</text>`).join('')}
  ${budgets.map((b) => `<line class="budget" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(b.ms)}" y2="${y(b.ms)}"/><text class="budget-label" x="${W - PAD.right - 4}" y="${y(b.ms) - 4}" text-anchor="end">${escapeHtml(b.label)} ${num(b.ms)} ms</text>`).join('')}
  ${above.map((b, i) => `<text class="budget-label" x="${PAD.left + 6}" y="${PAD.top + 12 + i * 13}">${escapeHtml(b.label)} ${num(b.ms)} ms: above the chart</text>`).join('')}
  <path class="curve" d="${path}"/>
  ${curve.map((p) => `<circle class="point" cx="${x(p.percentile).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="2.5"><title>${p.percentile === 100 ? 'max' : `${p.percentile} % of requests`}: ${num(p.ms)} ms</title></circle>`).join('')}
  <text class="axis" x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">share of requests faster than the line</text>
  <text class="axis" transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">milliseconds</text>
</svg>`;
}

function histogramChart(id: string, buckets: HistogramBucket[], budgets: { label: string; ms: number }[]): string {
  if (buckets.length === 0) return `<svg class="histogram" width="${W}" height="${H}" role="img" aria-label="No latencies recorded for ${escapeHtml(id)}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">no answers recorded</text></svg>`;
  const maxCount = Math.max(...buckets.map((b) => b.count), 1);
  const yTicks = ticks(maxCount).filter((t) => Number.isInteger(t));
  const top = yTicks[yTicks.length - 1] ?? maxCount;
  const barW = plotW / buckets.length;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const labelEvery = Math.ceil(buckets.length / 6);
  // Bands grow geometrically; a budget line sits in the band that holds its value.
  const lo = buckets[0]!.from_ms;
  const hi = buckets[buckets.length - 1]!.to_ms;
  const xOfMs = (v: number) => PAD.left + (hi > lo ? (Math.log(v / lo) / Math.log(hi / lo)) * plotW : 0);
  return `<svg class="histogram" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Histogram of latencies of ${escapeHtml(id)}">
  <title>How many requests of ${escapeHtml(id)} took how long</title>
  ${yTicks.map((t) => `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${num(t)}</text>`).join('')}
  ${buckets
    .map(
      (b, i) =>
        `<rect class="bar" x="${(PAD.left + i * barW + 0.5).toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${Math.max(barW - 1, 1).toFixed(1)}" height="${(PAD.top + plotH - y(b.count)).toFixed(1)}"><title>${num(b.from_ms)}–${num(b.to_ms)} ms: ${num(b.count)} requests</title></rect>`,
    )
    .join('')}
  ${buckets
    .map((b, i) => (i % labelEvery === 0 ? `<text class="tick" x="${PAD.left + i * barW}" y="${PAD.top + plotH + 16}" text-anchor="middle">${num(b.from_ms)}</text>` : ''))
    .join('')}
  <text class="tick" x="${W - PAD.right}" y="${PAD.top + plotH + 16}" text-anchor="end">${num(hi)}</text>
  ${budgets
    .filter((b) => b.ms >= lo && b.ms <= hi)
    .map((b) => `<line class="budget" x1="${xOfMs(b.ms)}" x2="${xOfMs(b.ms)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/><text class="budget-label" x="${xOfMs(b.ms) + 4}" y="${PAD.top + 10}">${escapeHtml(b.label)}</text>`)
    .join('')}
  <text class="axis" x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">milliseconds (bands widen to the right)</text>
  <text class="axis" transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">requests</text>
</svg>`;
}

const STYLE = `
:root { --ok: #1a7f37; --bad: #c62828; --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --bg-ok: #e8f5ec; --bg-bad: #fdecea; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.8rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 1.05rem; margin-bottom: 0.2rem; }
.tool, .help, .generated, .route { color: var(--muted); font-size: 0.9rem; }
.route { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; font-weight: normal; }
.verdict { font-size: 1.1rem; padding: 12px 16px; border-radius: 6px; border-left: 6px solid; }
.verdict.pass { background: var(--bg-ok); border-color: var(--ok); } .verdict.fail { background: var(--bg-bad); border-color: var(--bad); }
.verdict strong { margin-right: 0.4rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } .facts dt { font-weight: 600; } .facts dd { margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 160px; flex: 1; }
.card-title { color: var(--muted); font-size: 0.85rem; } .card-value { font-size: 1.4rem; font-weight: 600; } .card-note { color: var(--muted); font-size: 0.8rem; }
.warnings { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 6px; padding: 4px 16px; margin-top: 16px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.overall th, tr.overall td { font-weight: 600; background: #f6f8fa; }
.cell-ok { background: var(--bg-ok); } .cell-bad { background: var(--bg-bad); font-weight: 600; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .na { color: var(--muted); }
.limit { display: block; color: var(--muted); font-size: 0.75rem; font-weight: normal; }
.operation { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 16px; }
.stats { margin: 0.2rem 0; font-size: 0.9rem; } .errors { color: var(--bad); font-size: 0.85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg { background: #fff; border: 1px solid var(--line); border-radius: 4px; max-width: 100%; height: auto; }
svg .grid { stroke: #eaeef2; } svg .tick, svg .axis { fill: var(--muted); font-size: 11px; }
svg .curve { fill: none; stroke: #0969da; stroke-width: 2; } svg .point { fill: #0969da; }
svg .bar { fill: #54aeff; } svg .budget { stroke: var(--bad); stroke-dasharray: 5 4; stroke-width: 1.5; }
svg .budget-label { fill: var(--bad); font-size: 11px; }
.glossary dt { font-weight: 600; margin-top: 6px; } .glossary dd { margin-left: 16px; }
@media print { body { max-width: none; } .charts { break-inside: avoid; } }
`;
