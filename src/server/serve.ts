// `marketplace-sandbox serve`: builds the sandbox, listens, prints what a partner needs to start,
// compiles what the start left for later, and flushes the state on SIGINT/SIGTERM.
import { serve } from '@hono/node-server';
import type { ClockSetting } from '../clock/clock.ts';
import { configuredAdminToken, DEFAULT_ADMIN_TOKEN, generateAdminToken } from '../control/admin-token.ts';
import { accessOf } from '../domain/access.ts';
import { createServerLog, type LogLevel } from '../logging/logger.ts';
import { createSandbox, VERSION, type DocumentSummary } from './app.ts';
import { describeSource } from '../policies/tenant-auth/document-credentials.ts';
import { isAllInterfaces, isLoopbackHost, reachableUrls } from './exposure.ts';
import { ANY_ORIGIN, DEFAULT_ORIGINS } from '../policies/cors/origins.ts';

export interface ServeOptions {
  port: number;
  host: string;
  data: string;
  memory?: boolean;
  /** A PostgreSQL URL (--store, or env SANDBOX_STORE_URL): the state shared with other replicas. */
  store?: string;
  seed?: number;
  /** With --spec: items each inferred resource starts with. */
  seedItems?: number;
  strict?: boolean;
  spec?: string;
  /** With --spec: print the inferred resources and exit (src/server/explain.ts). */
  explain?: boolean;
  /** false with --no-auth: any credential, or none, is accepted. */
  auth?: boolean;
  clock?: ClockSetting;
  webhookRetries?: number[];
  scenario?: string;
  scenariosDir?: string;
  durability?: 'durable' | 'relaxed';
  repair?: boolean;
  /** Request lines and errors as JSON on stdout from this level on (default info; silent: none). */
  logLevel?: LogLevel;
  /** Replace the default tenants' well-known keys and OAuth secrets; undefined: only when exposed. */
  freshKeys?: boolean;
  /** Origins browsers may call from (--cors); undefined: http://localhost:* and http://127.0.0.1:*. */
  cors?: string[];
}

/** What the start made of a document the user brought (--spec). */
function documentLines(doc: DocumentSummary, url: string, file: string, noAuth: boolean): string[] {
  const listed = (names: string[]) => (names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length})` : names.join(', '));
  return [
    `  API           ${url}${doc.basePath}${doc.basePath ? ` (and ${url} without ${doc.basePath})` : ''}   (spec: ${file})`,
    `  document      ${doc.title} (OpenAPI ${doc.openapi}, ${doc.operations} operations)`,
    `  credentials   ${noAuth ? 'any value, or none (--no-auth): requests act as the first tenant below' : doc.credentials.length ? `where the document asks for them: ${doc.credentials.map((s) => describeSource(s, '<a test key below>')).join(' or ')}` : 'none: the document asks for none'}`,
    `  resources     ${doc.resources.length ? `${listed(doc.resources.map((r) => `${r.name} (${r.collectionPath})`))}, kept in the store (--explain: ids and operations)` : 'none inferred: Prism answers every operation'}`,
    ...(doc.derivedOperationIds.length ? [`  derived ids   ${listed(doc.derivedOperationIds)} (operations without an operationId, named from method and path)`] : []),
    ...(doc.unknownFormats.length ? [`  formats       ${listed(doc.unknownFormats)}: no validator knows them, values are accepted as they are`] : []),
  ];
}

/** The banner's try-it: a GET that needs no parameters, with a test key where one is needed. */
function tryLine(doc: DocumentSummary | null, url: string, key: string | undefined, noAuth: boolean): string[] {
  if (!doc) return [`  try: curl ${noAuth ? '' : `-H "Authorization: Bearer ${key}" `}${url}/api/v2/products?limit=2`];
  if (!doc.tryPath) return [];
  const source = noAuth ? undefined : doc.credentials[0];
  if (source?.kind === 'apiKey' && source.in === 'query') return [`  try: curl "${url}${doc.tryPath}${doc.tryPath.includes('?') ? '&' : '?'}${source.name}=${key}"`];
  const header =
    !source ? '' : source.kind === 'bearer' ? `-H "Authorization: Bearer ${key}" ` : source.kind === 'basic' ? `-u "sandbox:${key}" ` : source.in === 'header' ? `-H "${source.name}: ${key}" ` : `-b "${source.name}=${key}" `;
  return [`  try: curl ${header}${url}${doc.tryPath}`];
}

export async function serveSandbox(opts: ServeOptions): Promise<void> {
  // Off loopback, no well-known secret is used: a token nobody chose is generated and the default
  // tenants get fresh keys (docs/exposing.md).
  const exposed = !isLoopbackHost(opts.host);
  const configured = configuredAdminToken();
  const adminToken = configured ?? (exposed ? generateAdminToken() : DEFAULT_ADMIN_TOKEN);
  const freshKeys = opts.freshKeys ?? exposed;
  const log = await createServerLog(opts.logLevel ?? 'info');
  const sandbox = await createSandbox({
    logger: log.logger,
    requestLines: log.requestLines,
    dataFile: opts.memory || opts.store ? undefined : opts.data,
    storeUrl: opts.store,
    seed: opts.seed,
    seedItems: opts.seedItems,
    strict: opts.strict,
    specFile: opts.spec,
    clock: opts.clock,
    webhooks: opts.webhookRetries ? { retrySchedule: opts.webhookRetries } : undefined,
    scenario: opts.scenario,
    scenariosDir: opts.scenariosDir,
    durability: opts.durability,
    repair: opts.repair,
    adminToken,
    freshKeys,
    cors: opts.cors,
    noAuth: opts.auth === false,
  });
  const server = serve({ fetch: sandbox.app.fetch, port: opts.port, hostname: opts.host }, (info) => {
    const urls = reachableUrls(info.address, info.port);
    const url = urls[0]!;
    const where = isAllInterfaces(info.address)
      ? `listening on all interfaces (${info.address}, port ${info.port}) at ${urls.join(', ')}`
      : `listening on ${url}`;
    const tokenLine =
      configured !== undefined
        ? configured === DEFAULT_ADMIN_TOKEN
          ? `"${DEFAULT_ADMIN_TOKEN}" from env SANDBOX_ADMIN_TOKEN (the well-known default)`
          : 'from env SANDBOX_ADMIN_TOKEN'
        : exposed
          ? `${adminToken}   (generated for this start, shown only here; set SANDBOX_ADMIN_TOKEN to choose one)`
          : `default "${DEFAULT_ADMIN_TOKEN}" (set SANDBOX_ADMIN_TOKEN to change)`;
    const defaultsLeft = [
      ...(adminToken === DEFAULT_ADMIN_TOKEN ? [`the admin token "${DEFAULT_ADMIN_TOKEN}"`] : []),
      ...(!freshKeys ? ['the README\'s test keys and OAuth secrets (--no-fresh-keys)'] : []),
      ...(opts.cors?.includes(ANY_ORIGIN) ? ["CORS for any origin (--cors '*')"] : []),
      ...(opts.auth === false ? ['no credentials needed on the API (--no-auth)'] : []),
    ];
    const lines = [
      `marketplace-sandbox ${VERSION} ${where}`,
      ...(exposed && defaultsLeft.length
        ? [`  WARNING: reachable from other machines with well-known defaults left on: ${defaultsLeft.join(', ')}; anyone who can reach it can use them.`]
        : []),
      ...(opts.spec
        ? documentLines(sandbox.document, url, opts.spec, opts.auth === false)
        : [`  partner API   ${url}/api/v2   (spec: specs/marketplace.openapi.yaml)`]),
      `  control API   ${url}/__sandbox`,
      `  state         ${sandbox.store.file ? `${sandbox.store.file} (${sandbox.store.shared ? 'shared with the replicas on it; ' : ''}${sandbox.store.durability === 'durable' ? `durable: a write is answered once it is ${sandbox.store.shared ? 'committed' : 'on disk'}` : 'relaxed: written within 50 ms of the answer'})` : 'in memory (nothing written)'}`,
      `  strict mode   ${opts.strict ? 'on' : 'off'}`,
      `  scenario      ${sandbox.store.listTenants()[0]?.scenario ?? 'default'} (POST /__sandbox/reset switches; GET /__sandbox/scenarios lists them)`,
      `  clock         ${opts.clock ? (opts.clock.mode === 'manual' ? 'manual (POST /__sandbox/clock/advance)' : `realtime ×${opts.clock.factor}`) : 'as saved (new tenants: realtime ×1)'}`,
      // Shared: one replica runs the realtime clocks' scheduled moves; GET /__sandbox/health says who, later.
      ...(sandbox.store.shared
        ? [`  clock leader  ${sandbox.store.clockLeader ? 'yes: this replica runs the scheduled moves' : 'no: another replica runs the scheduled moves; this one takes over if it stops'} (clock_leader in GET /__sandbox/health)`]
        : []),
      `  admin token   ${tokenLine}`,
      `  CORS          ${(opts.cors ?? DEFAULT_ORIGINS).join(', ')} (--cors)`,
      // A --spec document takes the test keys only where it asks for credentials; OAuth clients are the marketplace's.
      ...(!opts.spec || (sandbox.document.credentials.length && opts.auth !== false)
        ? [`  test keys${freshKeys ? ' (fresh: --fresh-keys)' : ''}:`, ...sandbox.store.listTenants().map((t) => `    ${t.id.padEnd(18)} ${t.api_keys[0]}   ${t.name}`)]
        : []),
      ...(!opts.spec
        ? ['  OAuth clients (POST /oauth/token, client credentials):', ...sandbox.store.listTenants().flatMap((t) => Object.values(accessOf(t).oauth.clients).map((cl) => `    ${t.id.padEnd(18)} ${cl.client_id} : ${cl.client_secret}`))]
        : []),
      ...tryLine(opts.spec ? sandbox.document : null, url, sandbox.store.listTenants()[0]?.api_keys[0], opts.auth === false),
    ];
    console.log(lines.join('\n'));
    log.logger?.info({ url, version: VERSION }, 'listening');
    // What the start left for first use is compiled now, while the first requests come in.
    sandbox.compileAll().catch((error: Error) => console.error(`marketplace-sandbox: ${error.message}`));
  });

  server.once('error', (error: NodeJS.ErrnoException) => {
    const hints: Record<string, string> = {
      EADDRINUSE: `; another process uses port ${opts.port}: stop it or pass --port 0 for a free one`,
      ENOTFOUND: `; the host name ${opts.host} does not resolve: pass an address of this machine, e.g. --host 127.0.0.1 or --host 0.0.0.0`,
      EADDRNOTAVAIL: `; ${opts.host} is not an address of this machine: pass one it has, e.g. --host 127.0.0.1 or --host 0.0.0.0`,
      EACCES: `; binding port ${opts.port} needs privileges: pass a port above 1023`,
    };
    const hint = hints[error.code ?? ''] ?? '';
    console.error(`marketplace-sandbox: cannot listen on ${opts.host}:${opts.port} (${error.code ?? error.message})${hint}.`);
    process.exit(2); // a start error, as every other one (src/cli.ts)
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal}: closing, flushing state…`);
    server.close();
    sandbox
      .close()
      .then(() => log.flush())
      .then(() => process.exit(0))
      .catch((error) => {
        console.error(`could not flush state: ${(error as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
