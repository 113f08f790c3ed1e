// Readiness: the tenant's report, rule by rule and check by check.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { html, ProblemBox } from './forms.js';

export function Readiness({ tenant }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', `/__sandbox/tenants/${tenant}/readiness`).then(setReport, setError);
  }, [tenant]);
  return html`<section aria-labelledby="readiness-title">
    <h2 id="readiness-title">Readiness</h2>
    <${ProblemBox} error=${error} />
    ${report ? html`<p class="verdict">Verdict (${report.profile}): <strong>${report.verdict}</strong> · ${report.summary.pass} pass, ${report.summary.warn} warn, ${report.summary.fail} fail, ${report.summary.not_exercised} not exercised</p>
      ${report.rules.map((rule) => html`<article key=${rule.id} class=${`rule ${rule.verdict}`}>
        <h3>${rule.title}: ${rule.verdict}${rule.required ? ' (required)' : ''}</h3>
        <table aria-label=${`Checks of ${rule.title}`}><thead><tr><th>Check</th><th>Verdict</th><th>Measured</th><th>Threshold</th></tr></thead>
        <tbody>${rule.checks.map((c) => html`<tr key=${c.name}><td>${c.name}</td><td>${c.verdict}</td><td>${c.measured}</td><td>${c.threshold}</td></tr>`)}</tbody></table>
        ${rule.verdict !== 'pass' ? html`<p class="advice">${rule.advice}</p>` : null}
      </article>`)}` : null}
  </section>`;
}
