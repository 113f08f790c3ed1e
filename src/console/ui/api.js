// The console's one way to the sandbox: /console/api/… with the session's CSRF token on writes.
// The session cookie goes along by itself (HttpOnly: this code never sees it, nor any credential).
let csrf = '';
let actingTenant = '';

export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  /** The message of the field a pointer names (/body/rules/0/error/rate or /rules/0/…), if any. */
  at(pointer) {
    const errors = this.problem.errors || [];
    const hit = errors.find((e) => e.pointer === pointer || e.pointer === `/body${pointer}`);
    return hit ? hit.message : '';
  }
}

export const setSession = (session) => { csrf = session ? session.csrf_token : ''; };
export const setActingTenant = (id) => { actingTenant = id; };

async function answer(res) {
  const type = res.headers.get('content-type') || '';
  const body = res.status === 204 ? null : type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ProblemError(res.status, typeof body === 'object' && body ? body : { detail: String(body) });
  return body;
}

/** A call of the control API (/__sandbox/…) or the partner API (/api/v2/…, as the chosen tenant). */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (actingTenant) headers['x-console-tenant'] = actingTenant;
  return answer(await fetch(`/console/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }));
}

export async function session(method, body) {
  const headers = { accept: 'application/json' };
  if (method === 'DELETE') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return answer(await fetch('/console/session', { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }));
}

export const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/**
 * Completed journal entries as they happen: the control API's SSE stream (GET
 * /__sandbox/requests/stream), or, where it cannot be opened, listRequests polled every 500 ms.
 * Returns a function that stops it.
 */
export function journalStream(filters, onEntry, replay = 100, onSkipped = () => {}) {
  let stopped = false;
  let timer;
  const source = new EventSource(`/console/api/__sandbox/requests/stream${query({ ...filters, replay })}`);
  let opened = false;
  source.onopen = () => { opened = true; };
  source.addEventListener('request', (event) => onEntry(JSON.parse(event.data)));
  // Over 500 requests a second the stream sends a count of what it left out.
  source.addEventListener('skipped', (event) => onSkipped(JSON.parse(event.data).skipped));
  source.onerror = () => {
    if (opened || stopped) return; // EventSource reconnects by itself once it was open
    source.close();
    const seen = new Set();
    const poll = async () => {
      if (stopped) return;
      try {
        const list = await api('GET', `/__sandbox/requests${query({ tenant_id: filters.tenant_id, operation_id: filters.operation_id, status: filters.status, limit: replay })}`);
        for (const entry of list.data.slice().reverse()) if (!seen.has(entry.id)) { seen.add(entry.id); onEntry(entry); }
      } catch { /* shown by the next successful poll */ }
      timer = setTimeout(poll, 500);
    };
    poll();
  };
  return () => { stopped = true; source.close(); clearTimeout(timer); };
}
