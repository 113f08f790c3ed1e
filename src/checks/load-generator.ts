// Sends a request mix at a target and records what came back, per operation.
//
// Two load models:
// - open (`rate`): requests are scheduled at fixed intervals (start + i / rate), whether or not
//   earlier ones have answered, and latency is measured from the *intended* send time. A target
//   that stalls therefore shows the full wait its callers would have seen: no coordinated omission.
// - closed (`connections`): N callers each send, wait for the answer, send again; latency is
//   measured from the actual send. This measures capacity, not what a scheduled client experiences.
//
// HTTP goes through node:http(s) with one keep-alive agent, so connection set-up is not measured
// on every request and the number of sockets is bounded. We do not use autocannon: its response
// events do not say which request (operation) they answer, and per-operation latency is the point.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RenderedRequest } from './load-profile.ts';
import { LatencyHistogram } from './latency-histogram.ts';

export type LoadModel = { kind: 'open'; rate: number } | { kind: 'closed'; connections: number };

export interface LoadOptions {
  baseUrl: string;
  model: LoadModel;
  /** Measured time; requests scheduled before warmup ends are sent but not recorded. */
  durationMs: number;
  warmupMs: number;
  /** A request not answered in this time counts as a timeout (an error). */
  timeoutMs: number;
  /** Open model: most requests on the wire at once; more wait for a socket (and that wait is measured). */
  maxInFlight: number;
  /** Headers of every request, e.g. authorization; called per request, so a refreshed token is used at once. */
  headers(): Record<string, string>;
  /** The next request of the mix. */
  next(): RenderedRequest;
  /** Called about once a second while the run goes on. */
  onTick?(tick: LoadTick): void;
}

export interface LoadTick {
  elapsedMs: number;
  totalMs: number;
  warmingUp: boolean;
  /** Answers per second over the last tick. */
  rps: number;
  completed: number;
  errors: number;
  rateLimited: number;
  p95Ms: number;
}

/** What one operation's requests got. */
export interface OperationLoadStats {
  operationId: string;
  /** Every recorded request, whatever its outcome. */
  requests: number;
  /** Answers per HTTP status ("200", "404", …). */
  statuses: Record<string, number>;
  /** 5xx answers. */
  serverErrors: number;
  /** 502, 503, 504: the service (or its gateway) said it is not there. */
  unavailableAnswers: number;
  timeouts: number;
  connectionErrors: number;
  /** 429 answers: the profile exceeds the plan's rate limits. Not errors of the target, not in the latencies. */
  rateLimited: number;
  /** Latency of every answered request except 429s, plus timeouts at the time they were given up. */
  latency: LatencyHistogram;
  /** A few distinct error messages (connection errors, timeouts) for the report. */
  sampleErrors: string[];
}

export interface LoadResult {
  model: LoadModel;
  measuredMs: number;
  warmupMs: number;
  /** Requests sent, warm-up included. */
  sent: number;
  operations: Map<string, OperationLoadStats>;
}

type Outcome =
  | { kind: 'answer'; status: number }
  | { kind: 'timeout' }
  | { kind: 'connection_error'; message: string };

export function newOperationStats(operationId: string): OperationLoadStats {
  return {
    operationId,
    requests: 0,
    statuses: {},
    serverErrors: 0,
    unavailableAnswers: 0,
    timeouts: 0,
    connectionErrors: 0,
    rateLimited: 0,
    latency: new LatencyHistogram(),
    sampleErrors: [],
  };
}

/** Errors of the target: 5xx, timeouts and connection errors. */
export const errorsOf = (s: OperationLoadStats) => s.serverErrors + s.timeouts + s.connectionErrors;

export async function generateLoad(options: LoadOptions): Promise<LoadResult> {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  const sockets = options.model.kind === 'closed' ? options.model.connections : options.maxInFlight;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: sockets })
    : new http.Agent({ keepAlive: true, maxSockets: sockets });
  const basePath = base.pathname.replace(/\/$/, '');

  const operations = new Map<string, OperationLoadStats>();
  const all = new LatencyHistogram(); // for the live p95 only
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let rateLimited = 0;

  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;

  const record = (request: RenderedRequest, outcome: Outcome, latencyMs: number) => {
    completed++;
    let stats = operations.get(request.operationId);
    if (!stats) operations.set(request.operationId, (stats = newOperationStats(request.operationId)));
    stats.requests++;
    switch (outcome.kind) {
      case 'answer': {
        const status = outcome.status;
        stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
        if (status === 429) {
          stats.rateLimited++;
          rateLimited++;
          return;
        }
        if (status >= 500) {
          stats.serverErrors++;
          errors++;
        }
        if (status === 502 || status === 503 || status === 504) stats.unavailableAnswers++;
        break;
      }
      case 'timeout':
        stats.timeouts++;
        errors++;
        note(stats, `timeout after ${options.timeoutMs} ms`);
        break;
      case 'connection_error':
        stats.connectionErrors++;
        errors++;
        note(stats, outcome.message);
        return; // no answer, no latency
    }
    stats.latency.record(latencyMs);
    all.record(latencyMs);
  };

  const issue = async (request: RenderedRequest, measuredFrom: number) => {
    sent++;
    const outcome = await send(agent, secure, base, basePath, request, options.headers(), options.timeoutMs);
    if (measuredFrom >= measureFrom) record(request, outcome, performance.now() - measuredFrom);
  };

  let lastTickCompleted = 0;
  let lastTickAt = start;
  const ticker = options.onTick
    ? setInterval(() => {
        const now = performance.now();
        options.onTick!({
          elapsedMs: now - start,
          totalMs: end - start,
          warmingUp: now < measureFrom,
          rps: ((completed - lastTickCompleted) * 1000) / Math.max(1, now - lastTickAt),
          completed,
          errors,
          rateLimited,
          p95Ms: all.at(95),
        });
        lastTickCompleted = completed;
        lastTickAt = now;
      }, 1000)
    : null;

  try {
    if (options.model.kind === 'open') {
      await openModel(options.model.rate, start, end, options.next, issue);
    } else {
      await closedModel(options.model.connections, end, options.next, issue);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    agent.destroy();
  }
  return { model: options.model, measuredMs: options.durationMs, warmupMs: options.warmupMs, sent, operations };
}

async function openModel(
  rate: number,
  start: number,
  end: number,
  next: () => RenderedRequest,
  issue: (request: RenderedRequest, measuredFrom: number) => Promise<void>,
): Promise<void> {
  const interval = 1000 / rate;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const intended = start + i * interval;
    if (intended >= end) break;
    const wait = intended - performance.now();
    // Sleep only when the next send is a millisecond or more away; otherwise catch up at once.
    if (wait >= 1) await sleep(wait);
    // Late (the loop or the target fell behind): measure from the intended time, so the delay
    // counts. Early (timers fire on whole milliseconds): measure from the real send. Both: the earlier.
    const p = issue(next(), Math.min(intended, performance.now())).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}

async function closedModel(
  connections: number,
  end: number,
  next: () => RenderedRequest,
  issue: (request: RenderedRequest, measuredFrom: number) => Promise<void>,
): Promise<void> {
  const caller = async () => {
    while (performance.now() < end) await issue(next(), performance.now());
  };
  await Promise.all(Array.from({ length: connections }, caller));
}

function note(stats: OperationLoadStats, message: string) {
  if (stats.sampleErrors.length < 5 && !stats.sampleErrors.includes(message)) stats.sampleErrors.push(message);
}

function send(
  agent: http.Agent,
  secure: boolean,
  base: URL,
  basePath: string,
  request: RenderedRequest,
  extraHeaders: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers: Record<string, string | number> = { accept: 'application/json', ...extraHeaders, ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    const req = (secure ? https : http).request(
      {
        agent,
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        method: request.method,
        path: basePath + request.path,
        headers,
      },
      (res) => {
        // The answer counts when its body has arrived, as it would for a client that uses it.
        res.on('data', () => {});
        res.on('end', () => settle({ kind: 'answer', status: res.statusCode ?? 0 }));
        res.on('error', (error) => settle({ kind: 'connection_error', message: error.message }));
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => settle({ kind: 'connection_error', message: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`.trim() }));
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
