// Faults, latency and rate limits: editors whose answers are the control API's own checks; each
// problem+json error is shown beside the field its pointer names.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { Field, fieldId, html, ProblemBox } from './forms.js';

const num = (v) => (v === '' || v === undefined ? undefined : Number(v));
const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
const text = (v) => (v === undefined || v === null ? '' : String(v));

/** The form's strings as a rule; a kind is sent when any of its fields is filled, so the control API judges what is missing. */
function ruleBody(r) {
  const rule = {};
  if (r.id) rule.id = r.id;
  if (r.operation_ids) rule.operation_ids = list(r.operation_ids);
  if (r.paths) rule.paths = list(r.paths);
  if (r.fixed_ms !== '') rule.latency = { fixed_ms: num(r.fixed_ms) };
  else if (r.p50_ms !== '' || r.p95_ms !== '') rule.latency = { p50_ms: num(r.p50_ms), p95_ms: num(r.p95_ms) };
  if (r.error_rate !== '' || r.retry_after !== '') {
    rule.error = { rate: num(r.error_rate), status: num(r.error_status) };
    if (r.retry_after !== '') rule.error.retry_after_seconds = num(r.retry_after);
  }
  if (r.timeout_rate !== '' || r.hang_ms !== '') rule.timeout = { rate: num(r.timeout_rate), hang_ms: num(r.hang_ms) };
  if (r.nth !== '') rule.every_nth = { n: num(r.nth), status: num(r.nth_status) };
  return rule;
}

const fromRule = (rule) => ({
  id: rule.id || '',
  operation_ids: (rule.operation_ids || []).join(', '),
  paths: (rule.paths || []).join(', '),
  fixed_ms: text(rule.latency && rule.latency.fixed_ms),
  p50_ms: text(rule.latency && rule.latency.p50_ms),
  p95_ms: text(rule.latency && rule.latency.p95_ms),
  error_rate: text(rule.error && rule.error.rate),
  error_status: rule.error ? String(rule.error.status) : '500',
  retry_after: text(rule.error && rule.error.retry_after_seconds),
  timeout_rate: text(rule.timeout && rule.timeout.rate),
  hang_ms: text(rule.timeout && rule.timeout.hang_ms),
  nth: text(rule.every_nth && rule.every_nth.n),
  nth_status: rule.every_nth ? String(rule.every_nth.status) : '503',
});

const EMPTY_RULE = fromRule({});

/** The rule's fields: [form name, label, the pointer under /rules/i the control API names, input attributes]. */
const FIELDS = [
  ['id', 'Rule id', 'id', {}],
  ['operation_ids', 'Operations (globs, comma-separated)', 'operation_ids', {}],
  ['paths', 'Paths (globs, comma-separated)', 'paths', {}],
  ['fixed_ms', 'Latency, fixed (ms)', 'latency/fixed_ms', { type: 'number' }],
  ['p50_ms', 'Latency p50 (ms)', 'latency/p50_ms', { type: 'number' }],
  ['p95_ms', 'Latency p95 (ms)', 'latency/p95_ms', { type: 'number' }],
  ['error_rate', 'Error rate (0 to 1)', 'error/rate', { type: 'number', step: 'any' }],
  ['error_status', 'Error status', 'error/status', { type: 'number' }],
  ['retry_after', 'Error Retry-After (s)', 'error/retry_after_seconds', { type: 'number' }],
  ['timeout_rate', 'Timeout rate (0 to 1)', 'timeout/rate', { type: 'number', step: 'any' }],
  ['hang_ms', 'Timeout hang (ms)', 'timeout/hang_ms', { type: 'number' }],
  ['nth', 'Fail every Nth request', 'every_nth/n', { type: 'number' }],
  ['nth_status', 'Every-Nth status', 'every_nth/status', { type: 'number' }],
];

export function Faults({ tenant, role }) {
  const [rules, setRules] = useState([]);
  const [limits, setLimits] = useState(null);
  const [limitForm, setLimitForm] = useState({ burst_per_minute: '', daily_quota: '' });
  const [error, setError] = useState(null);
  const [limitError, setLimitError] = useState(null);
  const [saved, setSaved] = useState('');

  useEffect(() => {
    (async () => {
      try {
        setRules((await api('GET', `/__sandbox/faults${query({ tenant_id: tenant })}`)).rules.map(fromRule));
        if (role === 'operator') {
          const l = await api('GET', `/__sandbox/tenants/${tenant}/rate-limits`);
          setLimits(l);
          setLimitForm({ burst_per_minute: String(l.burst_per_minute), daily_quota: String(l.daily_quota) });
        }
      } catch (e) { setError(e); }
    })();
  }, [tenant]);

  const change = (i, name) => (e) => setRules(rules.map((r, j) => (j === i ? { ...r, [name]: e.currentTarget.value } : r)));
  const err = (pointer) => (error && error.at ? error.at(pointer) : '');
  const save = async (e) => {
    e.preventDefault();
    try {
      await api('PUT', '/__sandbox/faults', { tenant_id: tenant, rules: rules.map(ruleBody) });
      setError(null);
      setSaved('Fault rules saved.');
    } catch (x) { setError(x); setSaved(''); }
  };
  const saveLimits = async (e) => {
    e.preventDefault();
    try {
      setLimits(await api('PUT', `/__sandbox/tenants/${tenant}/rate-limits`, { burst_per_minute: num(limitForm.burst_per_minute), daily_quota: num(limitForm.daily_quota) }));
      setLimitError(null);
      setSaved('Rate limits saved.');
    } catch (x) { setLimitError(x); }
  };

  return html`<section aria-labelledby="faults-title">
    <h2 id="faults-title">Faults, latency and rate limits</h2>
    ${saved ? html`<p class="done" role="status">${saved}</p>` : null}
    <${ProblemBox} error=${error} />
    <form onSubmit=${save} aria-label="Fault rules">
      ${rules.map((r, i) => {
        const at = (name) => `${name}-${i}`;
        return html`<fieldset key=${i}><legend>Rule ${i + 1}</legend>
          ${FIELDS.map(([name, label, pointer, attrs]) => {
            // A kind's own pointer (/rules/0/latency) is shown under its first field.
            const kind = pointer.split('/')[0];
            const own = err(`/rules/${i}/${pointer}`) || (FIELDS.find((f) => f[2].split('/')[0] === kind)[0] === name && pointer.includes('/') ? err(`/rules/${i}/${kind}`) : '');
            return html`<${Field} label=${label} id=${at(name)} error=${own}><input id=${at(name)} ...${attrs} value=${r[name]} onInput=${change(i, name)} /><//>`;
          })}
          <button type="button" onClick=${() => setRules(rules.filter((_, j) => j !== i))}>Remove rule ${i + 1}</button>
        </fieldset>`;
      })}
      <button type="button" onClick=${() => setRules([...rules, { ...EMPTY_RULE }])}>Add rule</button>
      <button type="submit">Save fault rules</button>
    </form>
    ${role === 'operator' && limits ? html`<form onSubmit=${saveLimits} aria-label="Rate limits">
      <h3>Rate limits (plan ${limits.plan})</h3>
      <${ProblemBox} error=${limitError} />
      <${Field} label="Burst per minute" id="limit-burst" error=${limitError && limitError.at('/burst_per_minute')}><input id="limit-burst" type="number" value=${limitForm.burst_per_minute} onInput=${(e) => setLimitForm({ ...limitForm, burst_per_minute: e.currentTarget.value })} /><//>
      <${Field} label="Daily quota" id="limit-daily" error=${limitError && limitError.at('/daily_quota')}><input id="limit-daily" type="number" value=${limitForm.daily_quota} onInput=${(e) => setLimitForm({ ...limitForm, daily_quota: e.currentTarget.value })} /><//>
      <button type="submit">Save rate limits</button>
    </form>` : null}
  </section>`;
}
