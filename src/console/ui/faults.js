// Faults, latency and rate limits: editors whose answers are the control API's own checks; each
// problem+json error is shown beside the field its pointer names.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { Field, fieldId, html, ProblemBox } from './forms.js';

const num = (v) => (v === '' || v === undefined ? undefined : Number(v));

function ruleBody(r) {
  const rule = {};
  if (r.id) rule.id = r.id;
  if (r.operation_ids) rule.operation_ids = r.operation_ids.split(',').map((s) => s.trim()).filter(Boolean);
  if (r.latency_ms !== '') rule.latency = { fixed_ms: num(r.latency_ms) };
  if (r.error_rate !== '') rule.error = { rate: num(r.error_rate), status: num(r.error_status) };
  return rule;
}

const fromRule = (rule) => ({
  id: rule.id || '',
  operation_ids: (rule.operation_ids || []).join(', '),
  latency_ms: rule.latency && rule.latency.fixed_ms !== undefined ? String(rule.latency.fixed_ms) : '',
  error_rate: rule.error ? String(rule.error.rate) : '',
  error_status: rule.error ? String(rule.error.status) : '500',
});

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
          <${Field} label="Rule id" id=${at('id')} error=${err(`/rules/${i}/id`)}><input id=${at('id')} value=${r.id} onInput=${change(i, 'id')} /><//>
          <${Field} label="Operations (globs, comma-separated)" id=${at('ops')} error=${err(`/rules/${i}/operation_ids`)}><input id=${at('ops')} value=${r.operation_ids} onInput=${change(i, 'operation_ids')} /><//>
          <${Field} label="Latency (ms)" id=${at('lat')} error=${err(`/rules/${i}/latency/fixed_ms`) || err(`/rules/${i}/latency`)}><input id=${at('lat')} type="number" value=${r.latency_ms} onInput=${change(i, 'latency_ms')} /><//>
          <${Field} label="Error rate (0 to 1)" id=${at('rate')} error=${err(`/rules/${i}/error/rate`)}><input id=${at('rate')} type="number" step="any" value=${r.error_rate} onInput=${change(i, 'error_rate')} /><//>
          <${Field} label="Error status" id=${at('status')} error=${err(`/rules/${i}/error/status`)}><input id=${at('status')} type="number" value=${r.error_status} onInput=${change(i, 'error_status')} /><//>
          <button type="button" onClick=${() => setRules(rules.filter((_, j) => j !== i))}>Remove rule ${i + 1}</button>
        </fieldset>`;
      })}
      <button type="button" onClick=${() => setRules([...rules, { id: '', operation_ids: '', latency_ms: '', error_rate: '', error_status: '500' }])}>Add rule</button>
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
