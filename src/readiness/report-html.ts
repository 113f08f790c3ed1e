// readiness.html: the readiness report as one self-contained page (inline CSS and SVG, no script,
// no fonts, no CDN), readable offline: the verdict, a timeline of the connector's requests by
// operation and status class, and the table of rules with their checks, evidence and advice.
import { escapeHtml as escape } from '../checks/sla-report-html.ts';
import type { ReadinessReport, RuleResult, Verdict } from '../domain/readiness.ts';

const STATUS_COLOURS: Record<string, string> = { '2xx': '#2e7d32', '3xx': '#1565c0', '4xx': '#ef6c00', '429': '#6a1b9a', '5xx': '#c62828', dropped: '#757575' };
const VERDICT_COLOURS: Record<Verdict, string> = { pass: '#2e7d32', warn: '#ef6c00', fail: '#c62828', not_exercised: '#757575' };
const VERDICT_WORDS: Record<Verdict, string> = { pass: 'pass', warn: 'warn', fail: 'fail', not_exercised: 'not exercised' };
const TIMELINE_ROWS = 12;

const chip = (verdict: Verdict) => `<span class="chip" style="background:${VERDICT_COLOURS[verdict]}">${VERDICT_WORDS[verdict]}</span>`;

/** One row per operation (the busiest first), one column per timeline column, bars stacked by status class. */
function timelineSvg(report: ReadinessReport): string {
  const { columns, column_seconds } = report.timeline;
  if (!columns.length) return '<p class="muted">No requests were recorded in this window.</p>';
  const operations = report.requests.by_operation.slice(0, TIMELINE_ROWS).map((o) => o.operation_id);
  const label = 190;
  const cell = Math.max(4, Math.min(14, Math.floor(720 / columns.length)));
  const row = 26;
  const width = label + cell * columns.length + 10;
  const height = row * operations.length + 24;
  const parts: string[] = [];
  operations.forEach((op, r) => {
    const y = r * row;
    const max = Math.max(1, ...columns.map((c) => Object.values(c.operations[op] ?? {}).reduce((a, b) => a + b, 0)));
    parts.push(`<text x="${label - 6}" y="${y + row / 2 + 4}" text-anchor="end" class="op">${escape(op)}</text>`);
    columns.forEach((column, i) => {
      const counts = column.operations[op];
      if (!counts) return;
      let top = y + row - 3;
      for (const [cls, n] of Object.entries(counts)) {
        if (!n) continue;
        const h = Math.max(1, ((row - 6) * n) / max);
        top -= h;
        parts.push(`<rect x="${label + i * cell}" y="${top.toFixed(1)}" width="${cell - 1}" height="${h.toFixed(1)}" fill="${STATUS_COLOURS[cls]}"><title>${escape(`${op} · ${column.start} · ${cls}: ${n}`)}</title></rect>`);
      }
    });
  });
  const first = columns[0]!.start;
  const last = columns[columns.length - 1]!.start;
  parts.push(`<text x="${label}" y="${height - 6}" class="axis">${escape(first)}</text>`);
  parts.push(`<text x="${width - 10}" y="${height - 6}" text-anchor="end" class="axis">${escape(last)}</text>`);
  const legend = Object.entries(STATUS_COLOURS)
    .map(([cls, colour]) => `<span class="key"><i style="background:${colour}"></i>${cls}</span>`)
    .join(' ');
  return `<svg class="timeline" role="img" aria-label="Requests over time by operation and status" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join('')}</svg>
<p class="muted">Each column is ${column_seconds} s; bar heights are relative to each operation's busiest column. ${legend}</p>`;
}

function ruleRows(rule: RuleResult): string {
  const checks = rule.checks
    .map(
      (c) => `<li>${chip(c.verdict)} <b>${escape(c.name)}</b>: ${escape(c.measured)} <span class="muted">(threshold: ${escape(c.threshold)})</span>${
        c.evidence.length ? `<div class="evidence">${c.evidence.map((id) => `<code>${escape(id)}</code>`).join(' ')}</div>` : ''
      }</li>`,
    )
    .join('');
  return `<tr class="rule ${rule.verdict}" id="rule-${escape(rule.id)}">
<td>${chip(rule.verdict)}${rule.required ? '<div class="muted">required</div>' : ''}</td>
<td><b>${escape(rule.title)}</b> <code>${escape(rule.id)}</code><div class="muted">${escape(rule.source)}</div><ul>${checks}</ul>${rule.advice ? `<p class="advice"><b>What to change:</b> ${escape(rule.advice)}</p>` : ''}</td>
</tr>`;
}

export function readinessHtml(report: ReadinessReport): string {
  const pass = report.verdict === 'pass';
  const failing = report.rules.filter((r) => r.verdict === 'fail' || (r.required && r.verdict === 'not_exercised'));
  const sentence = pass
    ? `The connector of ${report.tenant_id} passes every rule of the ${report.profile} profile that the run exercised.`
    : `The connector of ${report.tenant_id} is not ready: ${failing.map((r) => r.title).join(', ')}.`;
  const s = report.summary;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Readiness: ${pass ? 'PASS' : 'FAIL'} – ${escape(report.tenant_id)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem;margin:.2rem 0}.verdict{font-size:1.1rem;padding:.8rem 1rem;border-radius:6px;color:#fff;background:${pass ? '#2e7d32' : '#c62828'}}
.chip{display:inline-block;color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8rem;white-space:nowrap}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.6rem .4rem;vertical-align:top}
ul{margin:.4rem 0;padding-left:1.2rem}.muted{color:#666;font-size:.85rem}.evidence{margin:.2rem 0 .4rem}code{font-size:.8rem;background:#f3f3f3;padding:0 .2rem}
.advice{background:#fff8e1;padding:.4rem .6rem;border-radius:4px}.op,.axis{font:11px system-ui,sans-serif;fill:#333}.timeline{max-width:100%;height:auto}
.key i{display:inline-block;width:.8rem;height:.8rem;margin:0 .2rem 0 .6rem;vertical-align:middle}
</style>
</head>
<body>
<p class="muted">marketplace-sandbox readiness · ${escape(report.generated_at)} · profile ${escape(report.profile)}</p>
<h1>Go-live readiness of ${escape(report.tenant_id)}</h1>
<p class="verdict" id="verdict">${pass ? 'PASS' : 'FAIL'}: ${escape(sentence)}</p>
<p>${s.pass} passed · ${s.warn} warned · ${s.fail} failed · ${s.not_exercised} not exercised, over ${report.requests.total} requests${
    report.window.since || report.window.until ? ` from ${escape(report.window.since ?? 'the start')} to ${escape(report.window.until ?? 'now')}` : ''
  }.</p>
<h2>Requests over time</h2>
${timelineSvg(report)}
<h2>Rules</h2>
<table id="rules"><tbody>
${report.rules.map(ruleRows).join('\n')}
</tbody></table>
</body>
</html>
`;
}
