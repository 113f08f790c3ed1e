// The CLI commands of the checks: `sla`, `webhook-sla` and `conformance`. Each prints a summary,
// can write JSON (and, for sla, HTML) reports, and sets the exit code CI jobs branch on:
//   0 met / no violation · 1 breached / violations · 2 the check could not run · 3 nothing to judge
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PROFILE, DEFAULT_SLA_FILE, DEFAULT_SPEC } from '../sandbox-files.ts';
import { shouldShowProgress } from './live-progress.ts';

// The options commander hands each action, as its options and their parsers define them
// (camel-cased flag names; absent when a flag without a default is not given).

/** The options `withTargetOptions` adds. */
interface TargetFlags {
  key?: string;
  oauth?: string;
  tokenUrl?: string;
  scope?: string;
  freshTenant?: boolean;
  adminToken?: string;
}

interface SlaFlags extends TargetFlags {
  profile: string;
  rate?: number;
  connections?: number;
  duration: number;
  warmup: number;
  timeout: number;
  maxInFlight: number;
  sla: string;
  spec: string;
  seed: number;
  out?: string;
  /** false with --no-progress. */
  progress: boolean;
}

interface WebhookSlaFlags {
  url: string;
  tenant: string;
  adminToken?: string;
  key?: string;
  sla: string;
  since?: Date;
  maxDeliveries: number;
  out?: string;
}

interface ConformanceFlags extends TargetFlags {
  spec: string;
  allowWrites?: boolean;
  only?: string[];
  skip?: string[];
  set?: Record<string, unknown>;
  maxRequests: number;
  maxDuration: number;
  timeout: number;
  seed: number;
  out?: string;
}

/** "30", "30s", "2m", "500ms" → seconds. */
export function seconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be a duration such as 30, 30s, 2m or 500ms.');
  const n = Number(match[1]);
  return match[2] === 'ms' ? n / 1000 : match[2] === 'm' ? n * 60 : n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1.');
  return n;
}

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** `--set name=value`, value read as JSON when it parses (numbers, booleans), else as text. */
function assignment(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('must be name=value.');
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // plain text
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

export function timestamp(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-01-15T09:00:00Z.');
  return d;
}

/** Credentials options shared by sla and conformance. */
function withTargetOptions(command: Command): Command {
  return command
    .option('--key <key>', 'partner API key (or env MARKETPLACE_API_KEY)')
    .option('--oauth <client>', 'OAuth client credentials CLIENT_ID:SECRET (or CLIENT_ID with env OAUTH_CLIENT_SECRET)')
    .option('--token-url <url>', 'OAuth token endpoint (default <base-url>/oauth/token)')
    .option('--scope <scopes>', 'OAuth scopes to ask for, space-separated')
    .option('--fresh-tenant', 'sandbox targets only: create a tenant through the control API, lift its rate limits, use its key')
    .option('--admin-token <token>', 'control API token for --fresh-tenant (default env SANDBOX_ADMIN_TOKEN, else sandbox-admin-token)');
}

/** Runs a check command: prints its summary and sets its exit code; an error is one line and exit code 2. */
export async function run(action: () => Promise<{ exitCode: number; summary: string }>): Promise<void> {
  try {
    const { exitCode, summary } = await action();
    console.log(summary);
    process.exitCode = exitCode;
  } catch (error) {
    console.error(`marketplace-sandbox: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

export function registerCheckCommands(program: Command, version: string): void {
  withTargetOptions(
    program
      .command('sla')
      .description('Measure an API under a realistic load against its latency and error budgets (specs/sla.yaml).')
      .argument('<base-url>', 'base URL of the implementation, e.g. http://127.0.0.1:4300')
      .addOption(new Option('--profile <file>', 'load profile: weighted request templates').default(DEFAULT_PROFILE, 'profiles/partner-mix.yaml'))
      .addOption(new Option('--rate <n>', 'open model: requests per second on a fixed schedule (default 10)').argParser(positive).conflicts('connections'))
      .addOption(new Option('--connections <n>', 'closed model: concurrent callers, each waiting for its answer').argParser(count))
      .option('--duration <time>', 'measured time (30, 30s, 2m)', seconds, 30)
      .option('--warmup <time>', 'time before measuring, at the same load', seconds, 5)
      .option('--timeout <ms>', 'a request unanswered after this counts as a timeout (an error)', positive, 10_000)
      .option('--max-in-flight <n>', 'open model: most requests on the wire at once', count, 256)
      .addOption(new Option('--sla <file>', 'budgets').default(DEFAULT_SLA_FILE, 'specs/sla.yaml'))
      .addOption(new Option('--spec <file>', 'OpenAPI contract the profile refers to').default(DEFAULT_SPEC, 'specs/marketplace.openapi.yaml'))
      .option('--seed <n>', 'seed of the request mix (same seed, same sequence)', count, 1)
      .option('--out <dir>', 'write report.json and report.html here')
      .option('--no-progress', 'no live progress line (it only shows on an interactive terminal anyway)'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 every budget met · 1 a budget breached · 2 the run could not start.

Examples:
  $ marketplace-sandbox sla http://127.0.0.1:4300 --fresh-tenant --rate 50 --duration 60s --out sla-report
  $ marketplace-sandbox sla https://sandbox.partner.example --oauth cli_123 --connections 8 --duration 2m`,
    )
    .action((baseUrl: string, o: SlaFlags) =>
      run(async () => {
        const { runSla, summarizeSla } = await import('./sla-run.ts'); // loaded by the command that runs it
        const outcome = await runSla({
          baseUrl,
          key: o.key,
          oauth: o.oauth,
          tokenUrl: o.tokenUrl,
          scope: o.scope,
          freshTenant: o.freshTenant,
          adminToken: o.adminToken,
          specFile: o.spec,
          slaFile: o.sla,
          profileFile: o.profile,
          rate: o.rate,
          connections: o.connections,
          durationSeconds: o.duration,
          warmupSeconds: o.warmup,
          timeoutMs: o.timeout,
          maxInFlight: o.maxInFlight,
          seed: o.seed,
          outDir: o.out,
          version,
          progress: o.progress && shouldShowProgress(process.stderr) ? process.stderr : undefined,
        });
        return { exitCode: outcome.exitCode, summary: summarizeSla(outcome.report, outcome.files) };
      }),
    );

  program
    .command('webhook-sla')
    .description("Judge a partner's webhook receiver from the sandbox's delivery log: acknowledgement latency, success rate, retries.")
    .requiredOption('--url <sandbox>', 'base URL of the sandbox, e.g. http://127.0.0.1:4300')
    .requiredOption('--tenant <id>', 'tenant whose deliveries to judge, e.g. ten_nordwind')
    .option('--admin-token <token>', 'control API token to look up the tenant key (default env SANDBOX_ADMIN_TOKEN, else sandbox-admin-token)')
    .option('--key <key>', "the tenant's API key (skips the control API)")
    .addOption(new Option('--sla <file>', 'budgets (its webhooks section)').default(DEFAULT_SLA_FILE, 'specs/sla.yaml'))
    .option('--since <time>', 'only deliveries created at or after this ISO 8601 time', timestamp)
    .option('--max-deliveries <n>', 'read at most this many deliveries', count, 10_000)
    .option('--out <dir>', 'write webhook-sla.json here')
    .addHelpText('after', '\nExit codes: 0 budget met · 1 breached · 2 could not run · 3 no deliveries to judge.')
    .action((o: WebhookSlaFlags) =>
      run(async () => {
        const { runWebhookSla, summarizeWebhookSla } = await import('./webhook-sla.ts');
        const outcome = await runWebhookSla({
          url: o.url,
          tenant: o.tenant,
          adminToken: o.adminToken,
          key: o.key,
          slaFile: o.sla,
          since: o.since,
          maxDeliveries: o.maxDeliveries,
          outDir: o.out,
          version,
        });
        return { exitCode: outcome.exitCode, summary: summarizeWebhookSla(outcome.report, outcome.files) };
      }),
    );

  withTargetOptions(
    program
      .command('conformance')
      .description('Call every operation with generated valid and invalid requests and check each response against the contract.')
      .argument('<base-url>', 'base URL of the implementation, e.g. http://127.0.0.1:4300')
      .addOption(new Option('--spec <file>', 'OpenAPI contract to hold the implementation to').default(DEFAULT_SPEC, 'specs/marketplace.openapi.yaml'))
      .option('--allow-writes', 'also call POST/PUT/PATCH/DELETE operations (they change data: use a test tenant)')
      .option('--only <ids>', 'only these operationIds (comma-separated, repeatable)', list)
      .option('--skip <ids>', 'leave these operationIds out (comma-separated, repeatable)', list)
      .option('--set <name=value>', 'use this value for every body member or parameter of that name (repeatable)', assignment)
      .option('--max-requests <n>', 'stop after this many requests', count, 2000)
      .option('--max-duration <time>', 'stop after this long', seconds, 300)
      .option('--timeout <ms>', 'per request', positive, 10_000)
      .option('--seed <n>', 'seed of generated values', count, 1)
      .option('--out <dir>', 'write conformance.json here'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 no violation · 1 violations (or stopped before every operation was checked) · 2 could not run.

Examples:
  $ marketplace-sandbox conformance http://127.0.0.1:4300 --key mk_test_nordwind_7d3f9a2c5e8b41d6
  $ marketplace-sandbox conformance http://127.0.0.1:4300 --fresh-tenant --allow-writes --set url=http://127.0.0.1:9/hook`,
    )
    .action((baseUrl: string, o: ConformanceFlags) =>
      run(async () => {
        const { runConformance, summarizeConformance } = await import('./conformance-run.ts');
        const outcome = await runConformance({
          baseUrl,
          key: o.key,
          oauth: o.oauth,
          tokenUrl: o.tokenUrl,
          scope: o.scope,
          freshTenant: o.freshTenant,
          adminToken: o.adminToken,
          specFile: o.spec,
          allowWrites: Boolean(o.allowWrites),
          only: o.only,
          skip: o.skip,
          overrides: o.set,
          maxRequests: o.maxRequests,
          maxDurationSeconds: o.maxDuration,
          timeoutMs: o.timeout,
          seed: o.seed,
          outDir: o.out,
          version,
        });
        return { exitCode: outcome.exitCode, summary: summarizeConformance(outcome.report, outcome.files) };
      }),
    );
}
