// The live journal: the tenant's requests as they complete (SSE), filtered by operation, status,
// fault and time; arrow keys move through the rows, Enter opens one's detail.
import { useEffect, useRef, useState } from 'preact/hooks';
import { journalStream } from './api.js';
import { Field, fieldId, fmtTime, html } from './forms.js';

const MAX_ROWS = 500;

export function Journal({ tenant }) {
  const [filters, setFilters] = useState({ operation_id: '', status: '', fault: '', since: '' });
  const [entries, setEntries] = useState([]);
  const [open, setOpen] = useState(null);
  const [skipped, setSkipped] = useState(0);
  const rows = useRef([]);
  const ids = useRef({ op: fieldId(), status: fieldId(), fault: fieldId(), since: fieldId() }).current;

  useEffect(() => {
    setEntries([]);
    setSkipped(0);
    const since = filters.since ? new Date(filters.since).toISOString() : undefined;
    return journalStream({ tenant_id: tenant, operation_id: filters.operation_id, status: filters.status, fault: filters.fault, since }, (entry) => {
      setEntries((list) => [entry, ...list.filter((e) => e.id !== entry.id)].slice(0, MAX_ROWS));
    }, 100, (count) => setSkipped((n) => n + count));
  }, [tenant, filters.operation_id, filters.status, filters.fault, filters.since]);

  const set = (name) => (e) => setFilters({ ...filters, [name]: e.currentTarget.value });
  const onKey = (index) => (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      rows.current[Math.max(0, Math.min(entries.length - 1, index + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      setOpen(entries[index]);
    }
  };

  return html`<section aria-labelledby="journal-title">
    <h2 id="journal-title">Live journal</h2>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Operation (glob)" id=${ids.op}><input id=${ids.op} value=${filters.operation_id} onChange=${set('operation_id')} placeholder="list*" /><//>
      <${Field} label="Status" id=${ids.status}><input id=${ids.status} type="number" min="100" max="599" value=${filters.status} onChange=${set('status')} /><//>
      <${Field} label="Fault" id=${ids.fault}><select id=${ids.fault} value=${filters.fault} onChange=${set('fault')}>
        <option value="">all requests</option><option value="any">any fault</option><option value="latency">latency</option><option value="error">error</option><option value="timeout">timeout</option><option value="every_nth">every nth</option>
      </select><//>
      <${Field} label="Since (UTC)" id=${ids.since}><input id=${ids.since} type="datetime-local" step="1" value=${filters.since} onChange=${set('since')} /><//>
    </form>
    <p class="hint">${entries.length} request(s)${skipped ? ` (${skipped} more not shown: over 500 a second; narrow the filters)` : ''}. Focus a row, move with ↑ ↓, open with Enter.</p>
    <table class="journal" aria-label="Requests, newest first">
      <thead><tr><th>Time</th><th>Method</th><th>Path</th><th>Operation</th><th>Status</th><th>ms</th><th>Fault</th></tr></thead>
      <tbody>
        ${entries.map((e, i) => html`<tr key=${e.id} tabindex="0" ref=${(el) => (rows.current[i] = el)} class=${open && open.id === e.id ? 'selected' : ''}
            data-entry=${e.id} onKeyDown=${onKey(i)} onClick=${() => setOpen(e)} aria-label=${`${e.method} ${e.path} ${e.status ?? 'dropped'}`}>
          <td>${fmtTime(e.at)}</td><td>${e.method}</td><td class="path">${e.path}${e.query ? `?${e.query}` : ''}</td><td>${e.operation_id}</td>
          <td class=${`status s${String(e.status ?? 0)[0]}`}>${e.status ?? '—'}</td><td>${e.latency_ms.toFixed(1)}</td><td>${e.faults.map((f) => f.kind).join(', ')}</td>
        </tr>`)}
      </tbody>
    </table>
    ${open ? html`<${Detail} entry=${open} onClose=${() => setOpen(null)} />` : null}
  </section>`;
}

function Detail({ entry, onClose }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), [entry.id]);
  return html`<section class="detail" aria-labelledby="detail-title" tabindex="-1" ref=${ref} onKeyDown=${(e) => e.key === 'Escape' && onClose()}>
    <h3 id="detail-title">${entry.method} ${entry.path} → ${entry.status ?? 'connection dropped'}</h3>
    <button type="button" onClick=${onClose}>Close detail</button>
    <dl>
      <dt>Request id</dt><dd>${entry.request_id}</dd>
      <dt>Arrived</dt><dd>${fmtTime(entry.at)} (sandbox clock ${fmtTime(entry.sandbox_at)})</dd>
      <dt>Credential</dt><dd>${entry.credential ?? 'none'}</dd>
      <dt>Rate-limit decision</dt><dd class="rate-limit">${entry.rate_limit ? `${entry.rate_limit.allowed ? 'allowed' : 'refused'} · ${entry.rate_limit.policy} · ${entry.rate_limit.remaining}/${entry.rate_limit.limit} left · resets in ${entry.rate_limit.reset_seconds}s` : 'not counted'}</dd>
      <dt>Injected fault</dt><dd class="faults">${entry.faults.length ? entry.faults.map((f) => `${f.rule_id}: ${f.kind}${f.status ? ` ${f.status}` : ''}${f.latency_ms ? ` ${f.latency_ms} ms` : ''}`).join('; ') : 'none'}</dd>
      <dt>Notes</dt><dd>${entry.notes.join(', ') || 'none'}</dd>
    </dl>
    <h4>Request headers (secrets redacted)</h4>
    <pre class="headers">${entry.request_headers ? Object.entries(entry.request_headers).map(([k, v]) => `${k}: ${v}`).join('\n') : 'Not kept: turn on keep_bodies in the journal settings (Faults page).'}</pre>
    <h4>Request body</h4><pre>${entry.request_body ?? '(not kept or empty)'}</pre>
    <h4>Response body</h4><pre>${entry.response_body ?? '(not kept or empty)'}</pre>
  </section>`;
}
