// /console/api/* : the console's calls, forwarded in-process (app.fetch, no socket) to the
// control API (/__sandbox/*) or the partner API (/api/v2/*) with the session's credential put in
// `Authorization` here, on the server. Nothing else is forwarded. The answer, a stream included
// (the journal's SSE), is passed through as it comes. Writes must prove they come from the
// console's own page (csrfRefusal).
import type { Context, Hono } from 'hono';
import type { SandboxEnv } from '../server/env.ts';
import { Problem } from '../server/problem.ts';
import type { SandboxStore } from '../store/store.ts';
import { csrfMatches, type ConsoleSession } from './sessions.ts';

export const API_PREFIX = '/console/api';
/** The paths a console call may reach, after /console/api. */
const FORWARDED = ['/__sandbox/', '/api/v2/'];
/** Request headers passed on; every other (cookies, Origin, the browser's own Authorization) stays behind. */
const PASSED_HEADERS = ['accept', 'content-type', 'idempotency-key', 'last-event-id', 'prefer', 'x-request-id'];
/** The header an operator names the tenant of a partner-API call with (a partner's calls are always its own tenant's). */
export const TENANT_HEADER = 'x-console-tenant';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Why a request may not change anything, or null when it may: a write needs the session's CSRF
 * token in X-CSRF-Token and no other site's Origin (a cross-site form or fetch carries its own).
 */
export function csrfRefusal(c: Context, session: ConsoleSession): Problem | null {
  if (SAFE_METHODS.has(c.req.method)) return null;
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    return new Problem(403, 'cross_origin_refused', `The console takes writes from its own page only; this one came from ${origin}.`);
  }
  if (c.req.header('sec-fetch-site') === 'cross-site') {
    return new Problem(403, 'cross_origin_refused', 'The console takes writes from its own page only; this one came from another site.');
  }
  if (!csrfMatches(session, c.req.header(CSRF_HEADER))) {
    return new Problem(403, 'csrf_token_required', 'A console write needs the session\'s CSRF token in X-CSRF-Token (the csrf_token that POST and GET /console/session answer).');
  }
  return null;
}

/** The credential a forwarded call acts with, or the problem of why there is none. */
function credentialFor(c: Context, session: ConsoleSession, target: string, store: Pick<SandboxStore, 'tenant'>): string | Problem {
  if (session.role === 'partner' || target.startsWith('/__sandbox/')) return session.credential;
  // An operator's partner-API call acts as the tenant it names, with that tenant's first key.
  const tenantId = c.req.header(TENANT_HEADER);
  if (!tenantId) return new Problem(400, 'tenant_required', `An operator's partner-API call names its tenant in ${TENANT_HEADER} (GET /console/api/__sandbox/tenants lists them).`);
  const tenant = store.tenant(tenantId);
  if (!tenant) return new Problem(404, 'not_found', `There is no tenant ${tenantId}; GET /console/api/__sandbox/tenants lists the tenants.`, { resource_id: tenantId });
  const key = tenant.api_keys[0];
  if (!key) return new Problem(409, 'tenant_has_no_key', `Tenant ${tenantId} has no API key left to act with; create one (POST /__sandbox/tenants/${tenantId}/api-keys).`);
  return key;
}

export async function forward(app: Hono<SandboxEnv>, c: Context, session: ConsoleSession, store: Pick<SandboxStore, 'tenant'>): Promise<Response> {
  const url = new URL(c.req.url); // already normalised: no `..` segment is left in its path
  const target = url.pathname.slice(API_PREFIX.length);
  if (!FORWARDED.some((prefix) => target.startsWith(prefix))) {
    throw new Problem(404, 'route_not_found', `The console forwards /console/api/__sandbox/… (the control API) and /console/api/api/v2/… (the partner API) only, not ${target || '/'}.`);
  }
  const refusal = csrfRefusal(c, session);
  if (refusal) throw refusal;
  const credential = credentialFor(c, session, target, store);
  if (credential instanceof Problem) throw credential;
  const headers = new Headers({ authorization: `Bearer ${credential}` });
  for (const name of PASSED_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  const hasBody = !SAFE_METHODS.has(c.req.method);
  const request = new Request(`${url.origin}${target}${url.search}`, {
    method: c.req.method,
    headers,
    body: hasBody ? c.req.raw.body : undefined,
    signal: c.req.raw.signal, // the browser leaving ends a stream inside too
    ...(hasBody ? { duplex: 'half' } : {}),
  } as RequestInit);
  // No Node request in the env: the forwarded call reads the headers set here, not the browser's.
  const answer = await app.fetch(request, {});
  const out = new Headers(answer.headers);
  out.set('cache-control', 'no-store');
  if (target === '/__sandbox/tenants' && c.req.method === 'GET' && answer.status === 200) {
    // The tenant picker needs names, not keys: the console acts as a tenant on the server side.
    const list = (await answer.json()) as { data: Array<Record<string, unknown>> };
    out.delete('content-length');
    return Response.json({ ...list, data: list.data.map(({ api_keys: _keys, ...tenant }) => tenant) }, { status: 200, headers: out });
  }
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: out });
}
