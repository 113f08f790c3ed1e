// Orders: filter by status, one order's history drawn on the status machine (SVG), the
// marketplace's own moves, generated orders, and the tenant's sandbox clock.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { Field, fieldId, fmtTime, html, ProblemBox } from './forms.js';

const STATUSES = ['blocked', 'open', 'shipping', 'shipped', 'delivered', 'returned', 'lost', 'cancelled'];
// The status machine of DESIGN.md: where each status is drawn, and its moves.
const POS = { blocked: [60, 60], open: [190, 60], shipping: [320, 60], shipped: [450, 60], delivered: [580, 20], returned: [580, 60], lost: [580, 100], cancelled: [320, 150] };
const EDGES = [['blocked', 'open'], ['open', 'shipping'], ['shipping', 'shipped'], ['shipped', 'delivered'], ['shipped', 'returned'], ['shipped', 'lost'], ['blocked', 'cancelled'], ['open', 'cancelled'], ['shipping', 'cancelled']];

export function StatusMachine({ order }) {
  const visited = new Set(order.history.map((h) => h.status));
  const path = order.history.map((h) => h.status);
  const walked = new Set(path.slice(1).map((s, i) => `${path[i]}>${s}`));
  return html`<svg class="machine" viewBox="0 0 660 180" role="img" aria-label=${`Status machine; order ${order.id} went ${path.join(' → ')}`}>
    ${EDGES.map(([a, b]) => html`<line x1=${POS[a][0]} y1=${POS[a][1]} x2=${POS[b][0]} y2=${POS[b][1]} class=${walked.has(`${a}>${b}`) ? 'edge walked' : 'edge'} />`)}
    ${STATUSES.map((s) => html`<g class=${`node${visited.has(s) ? ' visited' : ''}${order.status === s ? ' current' : ''}`} data-status=${s}>
      <rect x=${POS[s][0] - 50} y=${POS[s][1] - 13} width="100" height="26" rx="6" />
      <text x=${POS[s][0]} y=${POS[s][1] + 5} text-anchor="middle">${s}</text></g>`)}
  </svg>`;
}

export function Orders({ tenant }) {
  const [status, setStatus] = useState('');
  const [orders, setOrders] = useState([]);
  const [open, setOpen] = useState(null);
  const [clock, setClock] = useState(null);
  const [error, setError] = useState(null);
  const [form, setForm] = useState({ count: '5', seconds: '3600', mode: 'realtime', factor: '1' });
  const [tick, setTick] = useState(0);
  const ids = useState(() => ({ status: fieldId(), count: fieldId(), seconds: fieldId(), mode: fieldId(), factor: fieldId() }))[0];

  useEffect(() => {
    (async () => {
      try {
        setOrders((await api('GET', `/api/v2/orders${query({ status, limit: 100 })}`)).data);
        setClock(await api('GET', `/__sandbox/clock${query({ tenant_id: tenant })}`));
        if (open) setOpen(await api('GET', `/api/v2/orders/${open.id}`));
      } catch (e) { setError(e); }
    })();
  }, [tenant, status, tick]);

  const run = async (method, path, body) => {
    try { await api(method, path, body); setError(null); setTick(tick + 1); } catch (e) { setError(e); }
  };
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const err = (pointer) => (error && error.at ? error.at(pointer) : '');

  return html`<section aria-labelledby="orders-title">
    <h2 id="orders-title">Orders</h2>
    <${ProblemBox} error=${error} />
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Status" id=${ids.status}><select id=${ids.status} value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">every status</option>${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}</select><//>
    </form>
    <div class="columns">
      <table aria-label="Orders">
        <thead><tr><th>Order</th><th>Status</th><th>Total</th><th>Created</th></tr></thead>
        <tbody>${orders.map((o) => html`<tr key=${o.id} data-order=${o.id}><td><button type="button" class="link" onClick=${async () => setOpen(await api('GET', `/api/v2/orders/${o.id}`))}>${o.order_number || o.id}</button></td><td>${o.status}</td><td>${o.total} ${o.currency}</td><td>${fmtTime(o.created_at)}</td></tr>`)}</tbody>
      </table>
      ${open ? html`<div class="order-detail" aria-label=${`Order ${open.id}`}>
        <h3>${open.id}: ${open.status}</h3>
        <${StatusMachine} order=${open} />
        <ol>${open.history.map((h) => html`<li>${h.status} at ${fmtTime(h.at)}</li>`)}</ol>
        <p>Move as the marketplace:</p>
        ${['open', 'cancelled', 'lost'].map((to) => html`<button type="button" onClick=${() => run('POST', `/__sandbox/orders/${open.id}/move`, { tenant_id: tenant, to })}>Move to ${to}</button> `)}
      </div>` : null}
    </div>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); run('POST', '/__sandbox/orders/generate', { tenant_id: tenant, count: Number(form.count) }); }}>
      <${Field} label="Orders to generate" id=${ids.count} error=${err('/count')}><input id=${ids.count} type="number" value=${form.count} onInput=${set('count')} /><//>
      <button type="submit">Generate orders</button>
    </form>
    <h3>Sandbox clock</h3>
    <p class="clock">${clock ? `${fmtTime(clock.now)} (${clock.mode}${clock.mode === 'realtime' ? ` ×${clock.factor}` : ''})` : ''}</p>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); run('POST', '/__sandbox/clock/advance', { tenant_id: tenant, seconds: Number(form.seconds) }); }}>
      <${Field} label="Advance by (seconds)" id=${ids.seconds} error=${err('/seconds')}><input id=${ids.seconds} type="number" value=${form.seconds} onInput=${set('seconds')} /><//>
      <button type="submit">Advance clock</button>
    </form>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); run('PUT', '/__sandbox/clock', { tenant_id: tenant, mode: form.mode, ...(form.mode === 'realtime' ? { factor: Number(form.factor) } : {}) }); }}>
      <${Field} label="Clock mode" id=${ids.mode} error=${err('/mode')}><select id=${ids.mode} value=${form.mode} onChange=${set('mode')}><option value="realtime">realtime</option><option value="manual">manual</option></select><//>
      <${Field} label="Speed factor" id=${ids.factor} error=${err('/factor')}><input id=${ids.factor} type="number" step="any" value=${form.factor} onInput=${set('factor')} /><//>
      <button type="submit">Set clock</button>
    </form>
  </section>`;
}
