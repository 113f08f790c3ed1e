// The console, a web app over the control API and the partner API, mounted beside the contracts:
//   GET    /console, /console/           the page (src/console/ui/index.html)
//   GET    /console/assets/:file         its modules and style, preact and htm
//   POST   /console/session {token}      log in: the HttpOnly, SameSite=Strict session cookie
//   GET    /console/session              who the session is (and its CSRF token)
//   DELETE /console/session              log out
//   *      /console/api/__sandbox/…, /console/api/api/v2/…   forwarded with the session's credential
// Only this module and the session table load at start; the rest on first use.
// docs/console.md says how it is used and its security model.
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { FailedAttempts } from '../rate-limits/failed-attempts.ts';
import type { SandboxEnv } from '../server/env.ts';
import { Problem, problemResponse } from '../server/problem.ts';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import type { SandboxStore } from '../store/store.ts';
import { ConsoleSessions, MAX_AGE_MS, type ConsoleSession } from './sessions.ts';

export const COOKIE = 'sandbox_console';

export interface ConsoleOptions {
  adminToken: string;
  store: SandboxStore;
  attempts: FailedAttempts;
}

const sessionAnswer = (session: ConsoleSession) => ({ role: session.role, tenant_id: session.tenantId, csrf_token: session.csrfToken });

/** Whether the browser reached the sandbox over https (directly or through a proxy that says so). */
const overHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

const noSession = () =>
  new Problem(401, 'console_login_required', 'Log in first: POST /console/session with {"token": "<admin token or a tenant\'s API key>"}, or open /console in a browser.');

/** Mounts the console on the app (same origin only: no CORS, no preflight). */
export function mountConsole(app: Hono<SandboxEnv>, options: ConsoleOptions): void {
  const sessions = new ConsoleSessions();
  let login: Promise<ReturnType<typeof import('./login.ts').loginCheck>> | undefined;
  const loginCheck = () => (login ??= import('./login.ts').then((m) => m.loginCheck(options.adminToken, options.store, options.attempts)));
  const assets = () => import('./assets.ts');
  const proxy = () => import('./proxy.ts');

  // Every console answer carries the security headers and no-store; a thrown problem becomes problem+json here.
  const route = (answer: (c: Context<SandboxEnv>) => Promise<Response>) => async (c: Context<SandboxEnv>) => {
    try {
      return await answer(c);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      return problemResponse(error, c.req.path, undefined, { ...SECURE_HEADERS, 'cache-control': 'no-store' });
    }
  };
  const current = (c: Context) => sessions.find(getCookie(c, COOKIE));

  const page = route(async () => (await assets()).servePage());
  app.get('/console', page);
  app.get('/console/', page);
  app.get('/console/assets/:file', route(async (c) => (await assets()).serveAsset(c.req.param('file') ?? '')));

  app.post(
    '/console/session',
    route(async (c) => {
      // A login from another site's page is refused like a write (login CSRF).
      const origin = c.req.header('origin');
      if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new Problem(403, 'cross_origin_refused', `The console takes logins from its own page only; this one came from ${origin}.`);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new Problem(400, 'invalid_json', 'The login body is JSON: {"token": "<admin token or a tenant\'s API key or access token>"}.', { errors: [{ pointer: '/token', message: 'is required' }] });
      }
      const token = (body as { token?: unknown } | null)?.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
        throw new Problem(400, 'validation_failed', 'The login body needs "token": the admin token, or a tenant\'s API key or access token.', { errors: [{ pointer: '/token', message: 'must be a non-empty string of at most 4096 characters' }] });
      }
      const who = await (await loginCheck())(c, token);
      const previous = getCookie(c, COOKIE);
      if (previous) sessions.delete(previous);
      const session = sessions.create(who.role, who.tenantId, token);
      setCookie(c, COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', path: '/console', secure: overHttps(c), maxAge: MAX_AGE_MS / 1000 });
      return c.json(sessionAnswer(session), 201, { ...SECURE_HEADERS, 'cache-control': 'no-store' });
    }),
  );
  app.get(
    '/console/session',
    route(async (c) => {
      const session = current(c);
      if (!session) throw noSession();
      return c.json(sessionAnswer(session), 200, { ...SECURE_HEADERS, 'cache-control': 'no-store' });
    }),
  );
  app.delete(
    '/console/session',
    route(async (c) => {
      const session = current(c);
      if (session) {
        const refusal = (await proxy()).csrfRefusal(c, session);
        if (refusal) throw refusal;
        sessions.delete(session.id);
      }
      deleteCookie(c, COOKIE, { path: '/console', httpOnly: true, sameSite: 'Strict', secure: overHttps(c) });
      return c.body(null, 204, { ...SECURE_HEADERS, 'cache-control': 'no-store' });
    }),
  );

  const forwarded = route(async (c) => {
    const session = current(c);
    if (!session) throw noSession();
    return (await proxy()).forward(app, c, session, options.store);
  });
  // Method by method: a route for all methods would make the app's router fall back to a slower one (src/server/router.ts).
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) app[method]('/console/api/*', forwarded);
}
