// Scenarios: reset the tenant into one, save and restore snapshots, export and import its state.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { Field, fieldId, fmtTime, html, ProblemBox } from './forms.js';

export function Scenarios({ tenant }) {
  const [scenarios, setScenarios] = useState([]);
  const [snapshots, setSnapshots] = useState([]);
  const [scenario, setScenario] = useState('default');
  const [name, setName] = useState('');
  const [state, setState] = useState('');
  const [done, setDone] = useState('');
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const ids = useState(() => ({ scenario: fieldId(), name: fieldId(), state: fieldId() }))[0];

  useEffect(() => {
    (async () => {
      try {
        setScenarios((await api('GET', '/__sandbox/scenarios')).data);
        setSnapshots((await api('GET', `/__sandbox/snapshots${query({ tenant_id: tenant })}`)).data);
      } catch (e) { setError(e); }
    })();
  }, [tenant, tick]);

  const run = async (what, method, path, body) => {
    try {
      const answer = await api(method, path, body);
      setError(null);
      setDone(what);
      setTick(tick + 1);
      return answer;
    } catch (e) { setError(e); setDone(''); }
  };
  const err = (pointer) => (error && error.at ? error.at(pointer) : '');
  const importState = () => {
    let doc;
    try { doc = JSON.parse(state); } catch { setError({ problem: { title: 'Not JSON', detail: 'Paste an export (the JSON of "Export state").', errors: [] } }); return; }
    run(`Imported the state into ${tenant}.`, 'PUT', `/__sandbox/state${query({ tenant_id: tenant })}`, doc);
  };

  return html`<section aria-labelledby="scenarios-title">
    <h2 id="scenarios-title">Scenarios and snapshots</h2>
    <${ProblemBox} error=${error} />
    ${done ? html`<p class="done" role="status">${done}</p>` : null}
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); run(`Reset ${tenant} into ${scenario}.`, 'POST', '/__sandbox/reset', { tenant_id: tenant, scenario }); }}>
      <${Field} label="Scenario" id=${ids.scenario} error=${err('/scenario')}><select id=${ids.scenario} value=${scenario} onChange=${(e) => setScenario(e.currentTarget.value)}>
        ${scenarios.map((s) => html`<option value=${s.name}>${s.name}: ${s.description}</option>`)}</select><//>
      <button type="submit">Reset tenant</button>
    </form>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); run(`Saved snapshot ${name}.`, 'POST', '/__sandbox/snapshots', { tenant_id: tenant, name }); }}>
      <${Field} label="Snapshot name" id=${ids.name} error=${err('/name')}><input id=${ids.name} value=${name} onInput=${(e) => setName(e.currentTarget.value)} /><//>
      <button type="submit">Save snapshot</button>
    </form>
    <table aria-label="Snapshots">
      <thead><tr><th>Name</th><th>Scenario</th><th>Saved</th><th>Sandbox time</th><th></th></tr></thead>
      <tbody>${snapshots.map((s) => html`<tr key=${s.name}><td>${s.name}</td><td>${s.scenario}</td><td>${fmtTime(s.created_at)}</td><td>${fmtTime(s.sandbox_time)}</td>
        <td><button type="button" onClick=${() => run(`Restored ${s.name}.`, 'POST', `/__sandbox/snapshots/${encodeURIComponent(s.name)}/restore${query({ tenant_id: tenant })}`)}>Restore ${s.name}</button>
        <button type="button" onClick=${() => run(`Deleted ${s.name}.`, 'DELETE', `/__sandbox/snapshots/${encodeURIComponent(s.name)}${query({ tenant_id: tenant })}`)}>Delete ${s.name}</button></td></tr>`)}</tbody>
    </table>
    <h3>Export and import</h3>
    <button type="button" onClick=${async () => { const doc = await run(`Exported ${tenant}.`, 'GET', `/__sandbox/state${query({ tenant_id: tenant })}`); if (doc) setState(JSON.stringify(doc, null, 2)); }}>Export state</button>
    <${Field} label="State document (JSON)" id=${ids.state}><textarea id=${ids.state} rows="10" value=${state} onInput=${(e) => setState(e.currentTarget.value)}></textarea><//>
    <button type="button" onClick=${importState}>Import state</button>
  </section>`;
}
