// The console's start: the session (login form when there is none), the tenant picker of an
// operator, and the pages under hash URLs (#/journal, #/webhooks, …).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session, setActingTenant, setSession } from './api.js';
import { Field, html, ProblemBox } from './forms.js';
import { Journal } from './journal.js';
import { Webhooks } from './webhooks.js';
import { Orders } from './orders.js';
import { Scenarios } from './scenarios.js';
import { Faults } from './faults.js';
import { Readiness } from './readiness.js';

const PAGES = { journal: ['Journal', Journal], webhooks: ['Webhooks', Webhooks], orders: ['Orders', Orders], scenarios: ['Scenarios', Scenarios], faults: ['Faults & limits', Faults], readiness: ['Readiness', Readiness] };
const pageOf = () => { const name = location.hash.replace(/^#\/?/, ''); return PAGES[name] ? name : 'journal'; };

function Login({ onLogin }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    try { onLogin(await session('POST', { token })); } catch (x) { setError(x); }
  };
  return html`<main class="login"><h1>Sandbox console</h1>
    <form onSubmit=${submit} aria-label="Log in">
      <${Field} label="Admin token or tenant API key" id="login-token" error=${error && error.at ? error.at('/token') : ''}>
        <input id="login-token" type="password" autocomplete="off" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} aria-describedby="login-help" /><//>
      <p id="login-help" class="hint">The admin token opens every tenant (operator); a tenant's key (mk_test_…) opens that tenant only (partner). It stays on the server.</p>
      <button type="submit">Log in</button>
    </form>
    <${ProblemBox} error=${error && !(error.at && error.at('/token')) ? error : null} /></main>`;
}

function Shell({ me, onLogout }) {
  const [page, setPage] = useState(pageOf());
  const [tenants, setTenants] = useState([]);
  const [tenant, setTenant] = useState(me.tenant_id || '');
  useEffect(() => { const on = () => setPage(pageOf()); addEventListener('hashchange', on); return () => removeEventListener('hashchange', on); }, []);
  useEffect(() => {
    if (me.role !== 'operator') return;
    api('GET', '/__sandbox/tenants').then((list) => { setTenants(list.data); setTenant((t) => t || list.data[0]?.tenant_id || ''); });
  }, []);
  setActingTenant(me.role === 'operator' ? tenant : '');
  const [, Page] = PAGES[page];
  return html`<div class="shell">
    <header><h1>Sandbox console</h1>
      <span class="who">${me.role === 'operator' ? 'Operator' : `Partner of ${me.tenant_id}`}</span>
      ${me.role === 'operator' ? html`<label for="tenant-picker">Tenant</label>
        <select id="tenant-picker" value=${tenant} onChange=${(e) => setTenant(e.currentTarget.value)}>${tenants.map((t) => html`<option value=${t.tenant_id}>${t.tenant_id} (${t.name})</option>`)}</select>` : null}
      <button type="button" onClick=${async () => { await session('DELETE'); onLogout(); }}>Log out</button>
    </header>
    <nav aria-label="Pages"><ul>${Object.entries(PAGES).map(([name, [label]]) => html`<li><a href=${`#/${name}`} aria-current=${page === name ? 'page' : undefined}>${label}</a></li>`)}</ul></nav>
    <main>${tenant ? html`<${Page} key=${`${page}-${tenant}`} tenant=${tenant} role=${me.role} />` : html`<p>Loading tenants…</p>`}</main>
  </div>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  useEffect(() => { session('GET').then((s) => { setSession(s); setMe(s); }, () => setMe(null)); }, []);
  if (me === undefined) return html`<p>Loading…</p>`;
  if (me === null) return html`<${Login} onLogin=${(s) => { setSession(s); setMe(s); }} />`;
  return html`<${Shell} me=${me} onLogout=${() => { setSession(null); setMe(null); }} />`;
}

render(html`<${App} />`, document.getElementById('console'));
