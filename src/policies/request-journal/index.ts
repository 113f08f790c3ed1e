// The request journal: every partner-API request of a tenant, in a bounded ring buffer per
// tenant (oldest dropped first), so QA and CI can see and assert what a connector did.
//
// The outermost partner-API policy, so it sees every answer: 401s of known tenants, 429s,
// injected faults and dropped connections (status null). An entry holds time (wall and sandbox
// clock), the request id, method, path, query, operationId, status, latency, the rate-limit decision, injected
// faults, request/response sizes, the handler's practice notes and the kind of credential.
// With `keep_bodies` a tenant also keeps request headers and bodies and response bodies.
// Secrets are redacted before anything is stored (src/domain/redaction.ts).
//
// Per request without bodies: a few clock reads and field writes into an entry the ring reuses
// once full (no allocation, nothing promoted to the old generation). Requests nobody could be
// attributed to (unknown credentials) are not journaled.
// The ring buffers are RequestJournal (src/journal/journal.ts).
import { clockNowMs } from '../../clock/clock.ts';
import { observeRequest, type AnswerFacts } from '../../domain/connector-record.ts';
import { redactBody, redactHeaders, redactQuery } from '../../domain/redaction.ts';
import type { RequestJournal } from '../../journal/journal.ts';
import type { Policy, RequestContext } from '../../server/policy.ts';
import { Problem, problemPayload } from '../../server/problem.ts';
import type { Tenant } from '../../store/store.ts';
import { requestHeader } from '../../server/request-header.ts';
import { EVENT_STREAM_TYPE } from '../../server/event-stream.ts';

/** What is known about a request once it is answered (or dropped), before it is stored. */
interface Outcome {
  at: number;
  latency: number;
  dropped: boolean;
  requestBytes: number;
  bodies: { headers: Record<string, string>; request: string; response: string | undefined } | undefined;
}

export function requestJournal(journal: RequestJournal): Policy {
  return {
    name: 'request-journal',
    // Arrival times and the request id come from the request-id policy, the first of every chain.
    // Synchronous when nothing has to be read afterwards (bodies off, Content-Length known or no body).
    after: (c) => answered(c, journal),
    dropped(c) {
      const tenant = c.get('tenant');
      if (!tenant) return;
      record(c, journal, tenant, { at: c.get('receivedAt'), latency: performance.now() - c.get('receivedAtPerf'), dropped: true, requestBytes: contentLength(c), bodies: undefined });
    },
  };
}

/** Records an answered request; async only when a body must be read first. */
function answered(c: RequestContext, journal: RequestJournal): void | Promise<void> {
  const tenant = c.get('tenant');
  if (!tenant) return;
  const at = c.get('receivedAt');
  const latency = performance.now() - c.get('receivedAtPerf');
  const requestBytes = contentLength(c);
  // Without Content-Length (chunked, or app.request()), measure the body the pipeline has read.
  // (Never touch c.req.raw.body here: on a real socket it builds a whole Request per call.)
  const measureBody = requestBytes === 0 && c.req.method !== 'GET' && c.req.method !== 'HEAD' && requestHeader(c, 'content-length') === undefined;
  const keepBodies = journal.settingsOf(tenant).keep_bodies;
  if (!measureBody && !keepBodies) return record(c, journal, tenant, { at, latency, dropped: false, requestBytes, bodies: undefined });
  return (async () => {
    const bytes = measureBody ? Buffer.byteLength(await c.req.text().catch(() => '')) : requestBytes;
    const bodies = keepBodies ? await readBodies(c) : undefined;
    record(c, journal, tenant, { at, latency, dropped: false, requestBytes: bytes, bodies });
  })();
}

const contentLength = (c: RequestContext) => Number(requestHeader(c, 'content-length') ?? 0) || 0;

/**
 * The copy of `text` already held, when a recent request had the same path or query. An entry
 * lives for a thousand requests, so a fresh string stored in it survives the young-generation
 * collections and is copied by each, then promoted, to die old (the path is a slice that also
 * keeps the whole URL alive). A connector repeats its paths, and a repeated one costs a lookup.
 */
const recentTexts = new Map<string, string>();
const RECENT_TEXTS = 4096;

function recentText(text: string): string {
  const known = recentTexts.get(text);
  if (known !== undefined) return known;
  if (recentTexts.size >= RECENT_TEXTS) recentTexts.clear();
  // A copy of its own, so the entry does not hold on to the whole URL the path was sliced from.
  const own = (' ' + text).slice(1);
  recentTexts.set(own, own);
  return own;
}

/** Fills the tenant's next journal entry, synchronously. */
function record(c: RequestContext, journal: RequestJournal, tenant: Tenant, outcome: Outcome): void {
  const url = c.req.url;
  const q = url.indexOf('?');
  const error = c.error;
  const decision = c.get('rateLimit');
  const entry = journal.claim(tenant);
  entry.seq = journal.nextSeq();
  entry.request_id = c.get('requestId') ?? '';
  entry.at = outcome.at;
  entry.sandbox_at = clockNowMs(tenant.clock, outcome.at);
  entry.method = c.req.method;
  entry.path = recentText(c.req.path);
  entry.query = q < 0 ? '' : recentText(redactQuery(url.slice(q + 1)));
  entry.operation_id = c.get('operation').operationId;
  entry.status = outcome.dropped ? null : c.res.status;
  entry.latency_ms = outcome.latency;
  entry.request_bytes = outcome.requestBytes;
  entry.response_bytes = outcome.dropped
    ? null
    : (c.get('responseBytes') ?? (error instanceof Problem && c.res.status === error.status ? Buffer.byteLength(problemPayload(error, c.req.path, c.get('requestId'))) : null));
  entry.rl_policy = decision?.policy ?? null;
  entry.rl_allowed = decision?.allowed ?? true;
  entry.rl_limit = decision?.limit ?? 0;
  entry.rl_remaining = decision?.remaining ?? 0;
  entry.rl_reset = decision?.reset ?? 0;
  entry.faults = c.get('faults') ?? null;
  entry.notes = c.get('notes') ?? (error instanceof Problem ? error.notes : null);
  entry.credential = c.get('credential') ?? null;
  entry.graphql_operation = c.get('graphqlOperation') ?? null;
  entry.request_headers = outcome.bodies?.headers;
  entry.request_body = outcome.bodies?.request;
  entry.response_body = outcome.bodies?.response;
  // The readiness rollup: the facts the entry does not hold, in a reused object.
  const problem = error instanceof Problem && c.res.status === error.status ? error : null;
  const retryAfter = problem?.headers['retry-after'];
  facts.code = problem ? problem.body.code : null;
  facts.retryAfterSeconds = retryAfter === undefined ? null : Number(retryAfter) || null;
  facts.group = rateGroupOf(c.get('operation').extensions);
  observeRequest(journal.recordOf(tenant), entry, facts);
  if (journal.listened) journal.completed(tenant, entry, facts); // the live journal stream (GET /__sandbox/requests/stream), the other replicas
}

const facts: AnswerFacts = { code: null, retryAfterSeconds: null, group: '' };
const rateGroupOf = (extensions: Record<string, unknown>): string => (extensions['x-rate-limit'] as { group: string } | undefined)?.group ?? 'default';

async function readBodies(c: RequestContext): Promise<Outcome['bodies']> {
  let request: string;
  try {
    request = redactBody(await c.req.text(), c.req.header('content-type'));
  } catch {
    request = '(unreadable)';
  }
  // An event stream's body never ends: it is not kept.
  const response = c.res.body !== null && !c.res.headers.get('content-type')?.startsWith(EVENT_STREAM_TYPE) ? redactBody(await c.res.clone().text(), c.res.headers.get('content-type')) : undefined;
  return { headers: redactHeaders(c.req.raw.headers.entries()), request, response };
}
