// Webhooks: the tenant's subscriptions (pause, resume), each one's deliveries with every attempt
// and its timing, redelivery, and the receiver's health (success rate and p95 of the attempts).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { fmtTime, html, ProblemBox } from './forms.js';

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

  return html`<section aria-labelledby="webhooks-title">
    <h2 id="webhooks-title">Webhooks</h2>
    <${ProblemBox} error=${error} />
    ${subs.length === 0 ? html`<p>No subscriptions yet (POST /api/v2/webhooks creates one).</p>` : null}
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
