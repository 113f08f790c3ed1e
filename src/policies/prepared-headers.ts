// Headers a policy wants on an answer, handed over before the answer exists. The pipeline builds
// its response with them (see toResponse in src/server/pipeline.ts), so the response keeps a
// plain header object and the server writes it on its fast path; setting headers on
// `c.res.headers` afterwards costs a Headers object per response and a slower write. Answers the
// pipeline did not build (errors thrown, 404s) still get the headers set afterwards.
import type { Context } from 'hono';
import type { SandboxEnv } from '../server/env.ts';

/** The record of headers prepared for this request's answer (created on first use). */
export function preparedHeaders(c: Context<SandboxEnv>): Record<string, string> {
  let headers = c.get('responseHeaders');
  if (!headers) c.set('responseHeaders', (headers = {}));
  return headers;
}

/** True when the final answer was built without the prepared headers and needs them set. */
export function answerLacksPreparedHeaders(c: Context<SandboxEnv>): boolean {
  return c.res !== c.get('preparedResponse');
}
