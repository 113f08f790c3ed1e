// Webhooks: a form that subscribes (the signing secret shown once), the tenant's subscriptions
// (pause, resume), each one's deliveries with every attempt
// and its timing, redelivery, and the receiver's health (success rate and p95 of the attempts).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Field, fmtTime, html, ProblemBox } from './forms.js';

/** Success rate and p95 latency over a subscription's attempts. */
export function receiverHealth(deliveries) {
  const attempts = deliveries.flatMap((d) => d.attempts);
  if (attempts.length === 0) return { attempts: 0, successRate: null, p95: null };
  const ok = attempts.filter((a) => a.status_code !== null && a.status_code >= 200 && a.status_code < 300).length;
  const sorted = attempts.map((a) => a.latency_ms).sort((a, b) => a - b);
  return { attempts: attempts.length, successRate: ok / attempts.length, p95: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] };
}

export function Webhooks({ tenant }) {
  const [subs, setSubs] = useState([]);
  const [deliveries, setDeliveries] = useState({});
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let alive = true;
    (async () => {
      try {
        const list = (await api('GET', '/api/v2/webhooks')).data;
        const byId = {};
        for (const sub of list) byId[sub.id] = (await api('GET', `/api/v2/webhooks/${sub.id}/deliveries?limit=100`)).data;
        if (alive) { setSubs(list); setDeliveries(byId); setError(null); }
      } catch (e) { if (alive) setError(e); }
    })();
    const timer = setTimeout(() => setTick(tick + 1), 1000); // deliveries change on their own: refreshed every second
    return () => { alive = false; clearTimeout(timer); };
  }, [tenant, tick]);

  const act = async (method, path, body) => {
    try { await api(method, path, body); setTick(tick + 1); } catch (e) { setError(e); }
  };

  // A new subscription, checked by the partner API itself; its errors appear beside their fields.
  const [form, setForm] = useState({ url: '', events: 'order.*' });
  const [formError, setFormError] = useState(null);
  const [created, setCreated] = useState(null);
  const subscribe = async (e) => {
    e.preventDefault();
    try {
      const sub = await api('POST', '/api/v2/webhooks', { url: form.url, events: form.events.split(',').map((s) => s.trim()).filter(Boolean) });
      setCreated(sub);
      setFormError(null);
      setTick(tick + 1);
    } catch (x) { setFormError(x); setCreated(null); }
  };
  const fieldError = (pointer) => (formError && formError.at ? formError.at(pointer) : '');

  return html`<section aria-labelledby="webhooks-title">
    <h2 id="webhooks-title">Webhooks</h2>
    <${ProblemBox} error=${error} />
    <form onSubmit=${subscribe} aria-label="New subscription">
      <h3>New subscription</h3>
      <${ProblemBox} error=${formError} />
      <${Field} label="Receiver URL" id="sub-url" error=${fieldError('/url')}><input id="sub-url" type="url" value=${form.url} placeholder="http://127.0.0.1:3000/webhooks" onInput=${(e) => setForm({ ...form, url: e.currentTarget.value })} /><//>
      <${Field} label="Events (types or globs, comma-separated)" id="sub-events" error=${fieldError('/events') || fieldError('/events/0')}><input id="sub-events" value=${form.events} onInput=${(e) => setForm({ ...form, events: e.currentTarget.value })} /><//>
      <button type="submit">Subscribe</button>
      ${created ? html`<p class="done" role="status">Subscribed ${created.id}. Signing secret <code>${created.secret}</code>: shown this once, keep it to verify deliveries.</p>` : null}
    </form>
    ${subs.length === 0 ? html`<p>No subscriptions yet.</p>` : null}
    ${subs.map((sub) => {
      const list = deliveries[sub.id] || [];
      const health = receiverHealth(list);
      return html`<article class="subscription" data-subscription=${sub.id} aria-label=${`Subscription ${sub.id}`}>
        <h3>${sub.url} <small>${sub.id} · ${sub.active ? 'active' : 'paused'}</small></h3>
        <p>Events: ${sub.events.join(', ')}</p>
        <p class="health">Receiver health: ${health.attempts} attempt(s), success rate ${health.successRate === null ? '—' : `${Math.round(health.successRate * 100)}%`}, p95 ${health.p95 === null ? '—' : `${health.p95.toFixed(1)} ms`}</p>
        <button type="button" onClick=${() => act('PATCH', `/api/v2/webhooks/${sub.id}`, { active: !sub.active })}>${sub.active ? 'Pause' : 'Resume'} subscription</button>
        <table aria-label=${`Deliveries of ${sub.id}`}>
          <thead><tr><th>Delivery</th><th>Event</th><th>Status</th><th>Attempts (time · status · ms · error)</th><th></th></tr></thead>
          <tbody>${list.map((d) => html`<tr key=${d.id} data-delivery=${d.id} data-status=${d.status}>
            <td>${d.id}</td><td>${d.event_type}</td><td>${d.status}</td>
            <td><ol class="attempts">${d.attempts.map((a) => html`<li>${fmtTime(a.at)} · ${a.status_code ?? 'no answer'} · ${a.latency_ms.toFixed(1)} ms${a.error ? ` · ${a.error}` : ''}${a.next_retry_in_ms !== null ? ` · retry in ${a.next_retry_in_ms} ms` : ''}</li>`)}</ol></td>
            <td><button type="button" onClick=${() => act('POST', `/api/v2/webhooks/${sub.id}/deliveries/${d.id}/redeliver`)} aria-label=${`Redeliver ${d.id}`}>Redeliver</button></td>
          </tr>`)}</tbody>
        </table>
      </article>`;
    })}
  </section>`;
}
