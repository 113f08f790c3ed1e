// Names every request, so a partner can quote it in a support question and the operator find it:
// the X-Request-Id the caller sent (visible ASCII, at most 128 characters) or, without one or
// with one that is not, a new UUID. It is echoed on every answer (problems, 404s and 429s too),
// recorded in the journal entry, in problem bodies (`request_id`) and in the request's log line.
//
// The first policy of every chain, so it also notes when the request arrived (wall clock and
// performance.now()) for the journal, the metrics and the log line: one clock read for all.
import { randomUUID } from 'node:crypto';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { requestHeader } from '../../server/request-header.ts';

/** What a caller's id may be: visible ASCII (no spaces, no control characters), 1 to 128 characters. */
const ACCEPTED_ID = /^[\x21-\x7e]{1,128}$/;

/** The request's id: the one already given to it, else the caller's (if acceptable), else a new one. */
export function requestIdOf(c: RequestContext): string {
  let id = c.get('requestId');
  if (id === undefined) {
    const sent = requestHeader(c, 'x-request-id');
    id = sent !== undefined && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    c.set('requestId', id);
  }
  return id;
}

export function requestId(): Policy {
  return {
    name: 'request-id',
    before(c) {
      requestIdOf(c);
      c.set('receivedAt', Date.now());
      c.set('receivedAtPerf', performance.now());
    },
    headers(c, into) {
      into['x-request-id'] = requestIdOf(c);
    },
  };
}
