// Assembles the sandbox: the store, the event bus, and two contracts mounted on one hono app,
// the partner API (specs/marketplace.openapi.yaml) and the control API (specs/sandbox-admin.openapi.yaml).
import { ADMIN_SPEC, DEFAULT_SPEC, VERSION } from '../sandbox-files.ts';
import { resolveAdminToken } from '../control/admin-token.ts';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { listOperations, loadDocument, serverBasePath, type Operation } from '../contract/operations.ts';
import { loadBuiltValidators, toFieldErrors, unknownFormats, type OperationValidators } from '../contract/validators.ts';
import { EventBus } from '../events/bus.ts';
import { keepEventFeed } from '../events/feed.ts';
import { adminHandlers } from '../admin/index.ts';
import { clockNow, setClockMode, type ClockSetting } from '../clock/clock.ts';
import { apiHandlers } from '../handlers/index.ts';
import { documentResourceHandlers } from '../handlers/document-resources.ts';
import { graphqlHandlers } from '../handlers/graphql.ts';
import type { RestApi } from '../graphql/rest-call.ts';
import { inferResources, schemaResolver } from '../contract/resources.ts';
import { documentErrors } from '../policies/document-errors/index.ts';
import { adminAuth, adminTokenCheck } from '../policies/admin-auth/index.ts';
import { requestId, requestIdOf } from '../policies/request-id/index.ts';
import { requestMetrics } from '../policies/metrics/index.ts';
import { requestLog } from '../policies/request-log/index.ts';
import { pinoRequestLines, type RequestLines } from '../logging/request-line.ts';
import { documentSources, type CredentialSource } from '../policies/tenant-auth/document-credentials.ts';
import { SandboxMetrics } from '../metrics/index.ts';
import { readyAdminHandlers } from '../admin/ready.ts';
import { tenantAuth } from '../policies/tenant-auth/index.ts';
import { accessAdminHandlers } from '../admin/access.ts';
import { readinessAdminHandlers } from '../admin/readiness.ts';
import { ConnectionDropped, FaultInjector } from '../faults/injector.ts';
import { faultInjection } from '../policies/fault-injection/index.ts';
import { tokenEndpoint } from '../policies/oauth-token/index.ts';
import { RateLimiter, rateGroupsByOperation, specRateLimitGroups } from '../rate-limits/counters.ts';
import { perFieldRateLimitHeaders, rateLimit } from '../policies/rate-limit/index.ts';
import { idempotency } from '../policies/idempotency/index.ts';
import { RequestJournal } from '../journal/journal.ts';
import { FailedAttempts, type FailedAttemptLimits } from '../rate-limits/failed-attempts.ts';
import { failedAttempts } from '../policies/failed-attempts/index.ts';
import { requestJournal } from '../policies/request-journal/index.ts';
import { controlReplicaSync, partnerReplicaSync } from '../policies/replica-sync/index.ts';
import { requestBodyLimit } from '../policies/body-limit/index.ts';
import { SECURE_HEADERS, secureResponseHeaders } from '../policies/secure-headers/index.ts';
import { corsAnswers, corsHeaderNames, corsPreflight, writeCorsHeaders } from '../policies/cors/index.ts';
import { controlOrigins, DEFAULT_ORIGINS, originPolicy } from '../policies/cors/origins.ts';
import { webhookTargetAllowList } from '../webhooks/target.ts';
import { MarketplaceTicker } from '../orders/marketplace-moves.ts';
import { enterScenario } from '../scenarios/enter.ts';
import { ScenarioLibrary } from '../scenarios/library.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { scenarioChecks } from '../scenarios/checked.ts';
export { loadCheckedScenarios } from '../scenarios/checked.ts';
import { compileStateCheck } from '../scenarios/state-check.ts';
import { DEFAULT_SCENARIO, DEFAULT_TENANTS, SandboxStore, type Tenant } from '../store/store.ts';
import type { Durability, StateBackend } from '../store/backend.ts';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WebhookDispatcher, type WebhookDeliveryOptions } from '../webhooks/dispatcher.ts';
import type { SandboxEnv } from './env.ts';
import { registry, type HandlerContext } from './handler.ts';
import { mountContract, type MountedContract } from './pipeline.ts';
import { OpenStreams } from './event-stream.ts';
import { isWrite, type AnswerError, type Policy } from './policy.ts';
import { operationRouter } from './router.ts';
import { graphiqlPage, mountReference } from '../reference/index.ts';
import { mountConsole } from '../console/index.ts';
import { Problem, problemAnswer, problemPayload, type FieldError } from './problem.ts';

export { ADMIN_SPEC, DEFAULT_SPEC, VERSION } from '../sandbox-files.ts';
export { DEFAULT_ADMIN_TOKEN } from '../control/admin-token.ts';

export interface SandboxOptions {
  /** Another OpenAPI 3.x document to serve instead of the marketplace API: its resources from the store, the rest mocked by Prism. */
  specFile?: string;
  /** With specFile: items each inferred resource starts with (default 10; the document's examples first). */
  seedItems?: number;
  /** State file; omitted means memory only. */
  dataFile?: string;
  /** A PostgreSQL URL instead of the file: the state shared with other replicas (src/store/postgres). */
  storeUrl?: string;
  seed?: number;
  strict?: boolean;
  adminToken?: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
  /**
   * How tenants' sandbox clocks run: realtime (× factor) or manual (moves only when advanced).
   * Given, it also switches the clocks of tenants loaded from the data file. Default realtime ×1.
   */
  clock?: ClockSetting;
  /** How often realtime clocks make their due marketplace moves, in wall milliseconds (default 1000). */
  clockTickMs?: number;
  /** Webhook retry schedule, its scale factor (tests) and the per-attempt timeout. */
  webhooks?: WebhookDeliveryOptions;
  /** Refuse requests over the rate limits (default true). false: nothing is refused; counting and headers go on. */
  rateLimits?: boolean;
  /** Link-local / metadata addresses webhook URLs may point at anyway (besides env SANDBOX_WEBHOOK_ALLOW). */
  webhookTargetAllowList?: string[];
  /** Where the scenario files are (default scenarios/). */
  scenariosDir?: string;
  /** The scenario the default tenants start in (default: default). */
  scenario?: string;
  /** How writes to the data file are acknowledged (default durable: after their fsync). */
  durability?: Durability;
  /** Keep what can be read of damaged state files (serve --repair). */
  repair?: boolean;
  /** Another persistence backend instead of the data file (src/store/backend.ts). */
  backend?: StateBackend;
  /** Where request lines and unexpected errors are logged (src/logging/logger.ts); omitted, no request lines and errors go to the console. */
  logger?: Logger | null;
  /** `--no-auth`: any credential, or none, is accepted on the partner API; requests act as the first tenant. */
  noAuth?: boolean;
  /** How request lines are written (src/logging/request-line.ts); omitted, through `logger` at `info`. */
  requestLines?: RequestLines | null;
  /** Replace the default tenants' well-known keys and OAuth secrets with random ones (serve --fresh-keys). */
  freshKeys?: boolean;
  /** When failed credential attempts from one address are slowed down and refused (src/rate-limits/failed-attempts.ts). */
  failedAttempts?: Partial<FailedAttemptLimits>;
  /** Time between the heartbeat comments of event streams, in ms (default 15 000; tests shorten it). */
  streamHeartbeatMs?: number;
  /** Origins browsers may call the partner API from (src/policies/cors/origins.ts); default this machine's. */
  cors?: string[];
}

/** What the start made of the partner API's document, for the banner. */
export interface DocumentSummary {
  title: string;
  openapi: string;
  operations: number;
  /** Operations the document gave no operationId, named by derivedOperationId. */
  derivedOperationIds: string[];
  /** Formats no validator knows, accepted as they are. */
  unknownFormats: string[];
  /** The path of `servers[0]`, which operations are also served under ("" for none). */
  basePath: string;
  /** Where the document's secured operations take a credential (empty: none asks for one). */
  credentials: CredentialSource[];
  /** A GET that needs no parameters, to try. */
  tryPath: string | null;
  /** The resources inferred from its REST shape, served from the store (empty for the marketplace API). */
  resources: { name: string; collectionPath: string }[];
}

export interface Sandbox {
  app: Hono<SandboxEnv>;
  document: DocumentSummary;
  store: SandboxStore;
  events: EventBus;
  api: MountedContract;
  admin: MountedContract;
  adminToken: string;
  /** The webhook delivery queue. */
  webhooks: WebhookDispatcher;
  /** Rate-limit counters, fault rules and the request journal (src/rate-limits, src/faults, src/journal). */
  limiter: RateLimiter;
  faults: FaultInjector;
  journal: RequestJournal;
  /** What GET /metrics reports (src/metrics). */
  metrics: SandboxMetrics;
  /** Failed credential attempts per client address. */
  attempts: FailedAttempts;
  /** The event streams open now (src/server/event-stream.ts). */
  streams: OpenStreams;
  /**
   * Compiles what the start left for first use (validators, Prism), off the request path: call it
   * once the server listens. Requests that come first compile what they need themselves.
   */
  compileAll(): Promise<void>;
  /** Stops webhook delivery and the clock's timer, then flushes the store. Call on shutdown. */
  close(): Promise<void>;
}

// A state import (PUT /__sandbox/state) carries a whole world: peak-load's is about 50 MB.
const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apiDoc = await loadDocument(options.specFile ?? DEFAULT_SPEC);
  const adminDoc = await loadDocument(ADMIN_SPEC);
  const marketplaceDoc = options.specFile ? await loadDocument(DEFAULT_SPEC) : apiDoc;
  // The validators the build compiled for these documents (any other compiles at run time).
  await Promise.all([apiDoc, adminDoc, marketplaceDoc].map(loadBuiltValidators));
  const specGroups = specRateLimitGroups(listOperations(marketplaceDoc));
  // Large built worlds are cached beside the data file (in memory: in the system's temporary folder).
  const worldCache = options.dataFile ? join(dirname(options.dataFile), 'worlds') : join(tmpdir(), 'marketplace-sandbox-worlds');
  const library = new ScenarioLibrary(await loadScenarios(options.scenariosDir, scenarioChecks(adminDoc, specGroups)), worldCache);
  if (options.scenario && !library.get(options.scenario)) {
    throw new Error(`There is no scenario ${options.scenario}; the scenarios are: ${library.names.join(', ')}.`);
  }
  const store = await SandboxStore.open({
    file: options.dataFile,
    url: options.storeUrl,
    backend: options.backend,
    durability: options.durability,
    repair: options.repair,
    seed: options.seed,
    clock: options.clock,
    library,
  });
  if (options.freshKeys) store.freshenDefaultCredentials();
  if (options.clock) {
    for (const tenant of store.listTenants()) tenant.clock = setClockMode(tenant.clock, options.clock.mode, options.clock.factor);
  }
  const events = new EventBus();
  const stopEventFeed = keepEventFeed(store, events); // sequence numbers and the feed of GET /api/v2/events
  const streams = new OpenStreams({ heartbeatMs: options.streamHeartbeatMs }); // Server-Sent Events answers, ended on close
  const webhookTargets = webhookTargetAllowList(options.webhookTargetAllowList);
  const webhooks = new WebhookDispatcher(store, events, options.webhooks, webhookTargets);
  const ticker = new MarketplaceTicker(store, events, options.clockTickMs);
  const adminToken = resolveAdminToken(options.adminToken); // empty means unset
  const strict = options.strict ?? false;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;

  const app = new Hono<SandboxEnv>({ router: operationRouter() });
  const logger = options.logger ?? null;
  const requestLines = options.requestLines !== undefined ? options.requestLines : logger?.isLevelEnabled('info') ? pinoRequestLines(logger) : null;
  const metrics = new SandboxMetrics();
  store.observeWrites((seconds, failed) => metrics.tally.storeWrite(seconds, failed));
  webhooks.onAttempt = (outcome) => {
    const code = outcome.status_code;
    metrics.tally.webhookAttempt(code === null ? 'unreachable' : code >= 200 && code < 300 ? 'delivered' : 'refused', outcome.latency_ms / 1000);
  };
  metrics.tally.webhookQueueDepth = () => webhooks.pendingDeliveries();
  // `headers` is the policies' record when an operation's chain answers the error (hono's own
  // error path, outside any chain, gives none): the answer is built with it.
  const onError: AnswerError = (error, c, headers) => {
    if (error instanceof ConnectionDropped) throw error; // an injected timeout: no answer at all
    const id = requestIdOf(c);
    let problem: Problem;
    if (error instanceof Problem) problem = error;
    else {
      if (logger) logger.error({ request_id: id, method: c.req.method, path: c.req.path, err: error }, 'unexpected error');
      else console.error(`marketplace-sandbox: unexpected error on ${c.req.method} ${c.req.path} (request ${id}):`, error);
      problem = new Problem(500, 'internal_error', 'The sandbox failed on this request; it has been logged. This is a sandbox bug: please report it with the request id.');
    }
    const payload = problemPayload(problem, c.req.path, id);
    c.set('responseBytes', Buffer.byteLength(payload)); // for the journal, which would serialise it again
    return problemAnswer(problem, payload, headers ?? { 'x-request-id': id });
  };
  app.onError(onError);
  // Every operation's chain starts with these, not app.use (src/server/README.md, "Hot-path
  // rules"): the request id and arrival first, then the layers whose `after` must see every answer.
  const frame = [
    requestId(),
    requestMetrics(metrics.tally),
    ...(requestLines ? [requestLog(requestLines)] : []),
    secureResponseHeaders(),
    requestBodyLimit({ maxBytes: maxBodyBytes, larger: { importState: MAX_IMPORT_BYTES } }),
  ];
  let closing = false;
  let warmedUp = false;
  // CORS first in the partner and control chains, so every answer (a 413, a 401) carries it; the control API has its own origins.
  const partnerOrigins = originPolicy(options.cors ?? DEFAULT_ORIGINS);
  const controlOriginPolicy = originPolicy(controlOrigins(options.cors ?? DEFAULT_ORIGINS));
  const corsNames = corsHeaderNames([...listOperations(apiDoc), ...listOperations(adminDoc)]);
  const exposed = corsNames.expose.join(', ');

  // The handler's view of the world depends only on the tenant (and, on the token endpoint, the
  // client credentials), so one per tenant serves all its requests: no object per request.
  const contexts = new WeakMap<Tenant, HandlerContext>();
  const contextOf = (tenant: Tenant | null, clientAuth?: HandlerContext['clientAuth']): HandlerContext => ({
    store,
    events,
    streams,
    tenant,
    now: () => (tenant ? clockNow(tenant.clock) : new Date()),
    checkRequestBody,
    checkAnswer,
    webhooks,
    clientAuth,
    webhookTargetAllowList: webhookTargets,
  });
  let anonymous: HandlerContext | undefined;
  const context = (c: Context<SandboxEnv>): HandlerContext => {
    const tenant = c.get('tenant') ?? null;
    const clientAuth = c.get('clientAuth');
    if (clientAuth) return contextOf(tenant, clientAuth);
    if (!tenant) return (anonymous ??= contextOf(null));
    let known = contexts.get(tenant);
    if (!known) contexts.set(tenant, (known = contextOf(tenant)));
    return known;
  };
  // Bulk handlers check each line against another operation's body schema, compiled at mount.
  const checkRequestBody = (operationId: string, value: unknown, pointer: string): FieldError[] => {
    const validate = (api.validators.get(operationId) ?? admin.validators.get(operationId))?.bodies.get('application/json');
    if (!validate) throw new Error(`${operationId} has no JSON request body schema to check against.`);
    return validate(value) ? [] : toFieldErrors(validate.errors, pointer);
  };
  // The --spec document's stored items are answered only where their documented schema takes them.
  const checkAnswer = (operationId: string, status: number, body: unknown): string[] | null => {
    const responses = api.validators.get(operationId)?.responses;
    if (!responses) return null;
    for (const [key, validate] of responses) {
      if (key.startsWith(`${status} `) && /json/i.test(key)) return validate(body) ? [] : toFieldErrors(validate.errors, '/body').map((e) => `${e.pointer} ${e.message}`);
    }
    return null;
  };
  // A write that succeeded is written with its batch (src/store/durable-writes.ts); durable, its
  // answer waits for the batch's fsync, and a batch the disk refused is undone and answered 503.
  const durable = store.durability === 'durable' && store.file !== null;
  const persistWrites: Policy = {
    name: 'persist-writes',
    appliesTo: isWrite,
    after(c) {
      if (c.res.status >= 400) return;
      store.changed(c.get('tenant') ?? undefined);
      if (!durable) return;
      return store.durable().catch((error: NodeJS.ErrnoException) => {
        throw new Problem(
          503,
          'storage_unavailable',
          `The sandbox could not write this change to ${store.file} (${error.code ?? error.message}), so it was not made: nothing of it is kept. ${store.shared ? 'Retry in a few seconds: the sandbox reconnects to PostgreSQL by itself.' : 'Retry once the disk has space again.'}`,
          {},
          { 'retry-after': '5' },
        );
      });
    },
  };

  const limiter = new RateLimiter({ enforce: options.rateLimits ?? true, specGroups: specRateLimitGroups(listOperations(apiDoc)), shared: store.rateWindows ?? undefined });
  const faults = new FaultInjector();
  const journal = new RequestJournal();
  if (store.sharedJournal) journal.share(store.sharedJournal); // every replica's requests in one journal (src/store/postgres/journal.ts)
  const attempts = new FailedAttempts(options.failedAttempts);
  const policies = { limiter, faults, journal };
  // serve --scenario: the default tenants start in it (a tenant the data file has in it already keeps its state).
  if (options.scenario) {
    await store.library.prepare(options.scenario, store.seed);
    for (const { id } of DEFAULT_TENANTS) {
      const tenant = store.tenant(id);
      if (tenant && (tenant.scenario ?? DEFAULT_SCENARIO) !== options.scenario) enterScenario(store, policies, tenant, options.scenario);
    }
  }

  const admin = await mountContract(app, {
    doc: adminDoc,
    handlers: {
      ...adminHandlers(VERSION, policies, compileStateCheck(marketplaceDoc)),
      ...accessAdminHandlers(policies),
      ...registry(readinessAdminHandlers({ journal, limiter, groupOf: rateGroupsByOperation(listOperations(apiDoc)) })),
      ...registry(readyAdminHandlers({ closing: () => closing, warmedUp: () => warmedUp })),
    },
    frame: [corsAnswers(controlOriginPolicy, corsNames.expose), ...frame],
    // A shared store: the call sees (and a write locks) the state every replica agrees on (src/policies/replica-sync).
    policies: [failedAttempts(attempts, 'control'), adminAuth(adminToken, store), ...(store.shared ? [controlReplicaSync(store)] : []), persistWrites],
    context,
    strict,
    compileLater: true,
    onError,
  });
  // A foreign document is also served under its server's path (/v1/pets beside /pets).
  const basePath = options.specFile ? serverBasePath(apiDoc) : '';
  const resourceMap = options.specFile ? inferResources(apiDoc, listOperations(apiDoc)) : null;
  let restApi: RestApi | undefined; // what GraphQL's fields run: the partner API's operations, once mounted
  const api: MountedContract = await mountContract(app, {
    doc: apiDoc,
    basePath,
    // Its resources are served from the tenant's store; the rest is mocked.
    handlers: resourceMap
      ? documentResourceHandlers(apiDoc, resourceMap, listOperations(apiDoc), { seed: options.seed, seedItems: options.seedItems })
      : { ...apiHandlers, ...registry(graphqlHandlers((): RestApi => (restApi ??= { operations: new Map(api.operations.map((op): [string, Operation] => [op.operationId, op])), validators: (id) => api.validators.get(id), handlers: apiHandlers, limiter, faults }))) },
    // A foreign document's Prefer (code=, example=, dynamic=) asks Prism for that answer, stored resources included.
    preferMocks: Boolean(options.specFile),
    // In this order: the journal sees every answer, the token endpoint and bearer auth name the
    // tenant, then the limiter counts (its headers go on every answer; a replay counts too, and a
    // 429 is never remembered), then Idempotency-Key is looked up in that tenant's keys (a replay
    // answers here), and faults strike inside it: an injected latency holds the key (a duplicate
    // meanwhile gets 409), an injected failure or timeout is not remembered, so the retry is real.
    frame: [corsAnswers(partnerOrigins, corsNames.expose), ...frame],
    // The write's answer waits for its batch outside idempotency, so the remembered answer is on disk with the change.
    // A --spec document's errors take its own shape, outside everything that can answer one.
    policies: [...(options.specFile ? [] : [graphiqlPage(() => (options.freshKeys ? undefined : store.tenant(DEFAULT_TENANTS[0].id)?.api_keys[0]))]), ...(options.specFile ? [documentErrors((): Map<string, OperationValidators> => api.validators, schemaResolver(apiDoc))] : []), requestJournal(journal), failedAttempts(attempts, 'marketplace'), ...(store.shared ? [partnerReplicaSync(store)] : []), tokenEndpoint(store), tenantAuth(store, { doc: options.specFile ? apiDoc : undefined, anyone: options.noAuth ? () => store.listTenants()[0] : undefined, openAs: options.specFile ? () => store.listTenants()[0] : undefined }), rateLimit(limiter), perFieldRateLimitHeaders(limiter), persistWrites, idempotency(store), faultInjection(faults)],
    context,
    strict,
    documentsProblems: !options.specFile,
    compileLater: !options.specFile,
    onError,
  }).catch((error: Error) => {
    // A document the user brought is compiled now: what it gets wrong is said with its file.
    throw options.specFile && error.message.startsWith('at /') ? new Error(`${options.specFile} ${error.message}`) : error;
  });

  // /, /docs, /openapi.json|yaml, /__sandbox/openapi.json|yaml, /postman.json (src/reference/README.md).
  const isReference = mountReference(app, {
    partner: apiDoc,
    admin: adminDoc,
    specGiven: options.specFile,
    adminToken,
    store,
    keysShown: !options.freshKeys,
    cors: (c, headers) => {
      const into: Record<string, string> = {};
      writeCorsHeaders(partnerOrigins, exposed, c.req.header('origin'), into);
      for (const name in into) headers.set(name, into[name]!);
    },
  });

  // /console: the web console over both APIs, with its own sessions (src/console/README.md).
  mountConsole(app, { adminToken, store, attempts });

  // GET /metrics: the Prometheus text format, for the admin token (docs/operating.md).
  const metricsAccess = adminTokenCheck(adminToken);
  app.get('/metrics', async (c) => {
    const id = requestIdOf(c);
    try {
      metricsAccess(c);
    } catch (problem) {
      return onError(problem as Problem, c, { ...SECURE_HEADERS, 'x-request-id': id });
    }
    const { text, contentType } = await metrics.scrape();
    return c.body(text, 200, { ...SECURE_HEADERS, 'content-type': contentType, 'x-request-id': id });
  });

  // Answers no operation makes: counted and logged here, with a request id and the origin's CORS headers like any other.
  const unrouted = (c: Context<SandboxEnv>, extra: Record<string, string>): Record<string, string> => {
    const headers: Record<string, string> = { ...SECURE_HEADERS, ...extra };
    writeCorsHeaders(c.req.path.startsWith('/__sandbox') ? controlOriginPolicy : partnerOrigins, exposed, c.req.header('origin'), headers);
    return headers;
  };
  const whereTheApiLives = options.specFile
    ? `The API is ${apiDoc.info?.title ?? 'the document'} (${options.specFile}): its operations are listed at /openapi.json${basePath ? ` and served at their paths and under ${basePath}` : ''}.`
    : 'The partner API lives under /api/v2 (see specs/marketplace.openapi.yaml).';
  const notFound = (c: Context<SandboxEnv>) => {
    const id = requestIdOf(c);
    const methods = api.allowedMethods(c.req.path) ?? admin.allowedMethods(c.req.path);
    const problem = methods
      ? new Problem(405, 'method_not_allowed', `${c.req.method} is not supported on ${c.req.path}; use ${methods.join(', ')}.`, { allowed_methods: methods }, { allow: methods.join(', ') })
      : new Problem(404, 'route_not_found', `No operation of the API matches ${c.req.method} ${c.req.path}. ${whereTheApiLives}`);
    metrics.tally.unmatched.add(String(problem.status), () => ({ status: String(problem.status) }));
    requestLines?.('info', { request_id: id, method: c.req.method, path: c.req.path, operation: null, tenant: null, status: problem.status }, 'request');
    return problemAnswer(problem, problemPayload(problem, c.req.path, id), unrouted(c, { 'x-request-id': id, ...problem.headers }));
  };
  app.notFound(notFound);
  // Preflights: OPTIONS on any path an operation or the reference serves answers 204 (src/policies/cors).
  const preflight = corsPreflight({
    partner: partnerOrigins,
    control: controlOriginPolicy,
    methodsAt: (path) => api.allowedMethods(path) ?? admin.allowedMethods(path) ?? (isReference(path) ? ['GET', 'HEAD'] : null),
    allowHeaders: corsNames.allow,
    exposeHeaders: corsNames.expose,
    notFound,
  });
  app.options('/', preflight);
  app.options('/*', preflight);

  // Started last: deliveries left pending by a previous run resume, realtime clocks begin to act.
  webhooks.start();
  await store.leadClock(); // a shared store: one replica runs the scheduled moves (src/store/postgres/clock-leader.ts)
  ticker.start();
  const close = async () => {
    closing = true;
    streams.closeAll();
    ticker.stop();
    webhooks.close();
    stopEventFeed();
    await Promise.all([api.close(), admin.close()]);
    await store.close();
  };
  const compileAll = async () => {
    await api.compileAll();
    await admin.compileAll();
    await metrics.prepare(); // prom-client, and the event-loop monitor from now on
    warmedUp = true;
  };
  const apiOperations = listOperations(apiDoc);
  const document: DocumentSummary = {
    title: `${apiDoc.info?.title ?? '(untitled)'}${apiDoc.info?.version ? ` ${apiDoc.info.version}` : ''}`,
    openapi: apiDoc.openapi,
    operations: apiOperations.length,
    derivedOperationIds: apiOperations.filter((op) => op.operationIdDerived).map((op) => op.operationId),
    basePath,
    credentials: documentSources(apiDoc, apiOperations),
    tryPath: ((op) => (op ? `${basePath}${op.path}` : null))(apiOperations.find((op) => op.method === 'get' && op.parameters.every((p) => !p.required))),
    unknownFormats: unknownFormats(apiDoc),
    resources: resourceMap?.resources.map((r) => ({ name: r.name, collectionPath: `${basePath}${r.collectionPath}` })) ?? [],
  };
  return { app, document, store, events, api, admin, adminToken, webhooks, limiter, faults, journal, metrics, attempts, streams, compileAll, close };
}


