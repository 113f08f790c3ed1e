// marketplace-sandbox: one entry for everything the sandbox does from a terminal or CI job.
import { serve } from '@hono/node-server';
import { Command, InvalidArgumentError } from 'commander';
import { registerCheckCommands } from './checks/commands.ts';
import { registerVerifyPactCommand } from './pact/command.ts';
import { registerScenarioCommands } from './scenarios/commands.ts';
import { parseClockSetting, type ClockSetting } from './clock/clock.ts';
import { accessOf } from './domain/access.ts';
import { DEFAULT_ADMIN_TOKEN } from './control/admin-token.ts';
import { VERSION } from './sandbox-files.ts';
import { createSandbox } from './server/app.ts';
import { parseRetrySchedule } from './webhooks/retry-policy.ts';

const program = new Command();

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535.');
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer.');
  return n;
}

function clockSetting(value: string): ClockSetting {
  const setting = parseClockSetting(value);
  if (!setting) throw new InvalidArgumentError('must be "realtime", "realtime:<factor>" (e.g. realtime:60) or "manual".');
  return setting;
}

function retrySchedule(value: string): number[] {
  const schedule = parseRetrySchedule(value);
  if (!schedule) throw new InvalidArgumentError('must be a comma-separated list of seconds, e.g. 1,2,4,8,16.');
  return schedule;
}

program
  .name('marketplace-sandbox')
  .description('A local, stateful sandbox of a marketplace seller API, driven by its OpenAPI contract.')
  .version(VERSION);

program
  .command('serve')
  .description('Serve the sandbox (partner API under /api/v2, control API under /__sandbox).')
  .option('--port <port>', 'port to listen on (0 picks a free one)', port, 4300)
  .option('--host <host>', 'interface to bind; use 0.0.0.0 inside containers', '127.0.0.1')
  .option('--data <file>', 'JSON file that keeps the state across restarts', '.sandbox-data/state.json')
  .option('--memory', 'keep state in memory only (nothing written to disk)')
  .option('--seed <n>', 'fixture seed for new tenants (same seed, same data)', seed)
  .option('--strict', 'validate every response against the spec; a mismatch becomes a 500 response_contract_violation')
  .option('--spec <file>', 'serve another OpenAPI 3.x document instead (every operation mocked from it)')
  .option('--clock <mode>', 'sandbox clocks: realtime, realtime:<factor> (sped up) or manual (moves only with POST /__sandbox/clock/advance)', clockSetting)
  .option('--webhook-retries <seconds>', 'seconds to wait after each failed webhook attempt (default 1,2,4,8,16)', retrySchedule)
  .option('--scenario <name>', 'scenario the default tenants start in (default: default, or what the data file holds); see `marketplace-sandbox scenarios`')
  .option('--scenarios-dir <dir>', 'another directory of scenario files (default scenarios/)')
  .addHelpText(
    'after',
    `
Examples:
  $ marketplace-sandbox serve                      # default data, state in .sandbox-data/state.json
  $ marketplace-sandbox serve --memory --strict    # throw-away state, contract-checked responses
  $ marketplace-sandbox serve --spec other.yaml    # mock any OpenAPI 3.x document
  $ marketplace-sandbox serve --clock realtime:60  # one sandbox minute per second: orders open, cancel, get lost
  $ marketplace-sandbox serve --clock manual       # time stands still until POST /__sandbox/clock/advance
  $ marketplace-sandbox serve --scenario peak-load # 10 000 products, 20 000 orders, basic plan

Environment:
  SANDBOX_ADMIN_TOKEN   token of the control API (default "${DEFAULT_ADMIN_TOKEN}")
  SANDBOX_WEBHOOK_ALLOW link-local / metadata addresses webhook URLs may point at anyway
                        (host names, addresses or CIDR ranges, comma separated)`,
  )
  .action(async (opts: { port: number; host: string; data: string; memory?: boolean; seed?: number; strict?: boolean; spec?: string; clock?: ClockSetting; webhookRetries?: number[]; scenario?: string; scenariosDir?: string }) => {
    const sandbox = await createSandbox({
      dataFile: opts.memory ? undefined : opts.data,
      seed: opts.seed,
      strict: opts.strict,
      specFile: opts.spec,
      clock: opts.clock,
      webhooks: opts.webhookRetries ? { retrySchedule: opts.webhookRetries } : undefined,
      scenario: opts.scenario,
      scenariosDir: opts.scenariosDir,
    });
    const server = serve({ fetch: sandbox.app.fetch, port: opts.port, hostname: opts.host }, (info) => {
      const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${info.port}`;
      const lines = [
        `marketplace-sandbox ${VERSION} listening on ${url}`,
        `  partner API   ${url}/api/v2   (spec: ${opts.spec ?? 'specs/marketplace.openapi.yaml'})`,
        `  control API   ${url}/__sandbox`,
        `  state         ${sandbox.store.file ?? 'in memory (nothing written)'}`,
        `  strict mode   ${opts.strict ? 'on' : 'off'}`,
        `  scenario      ${sandbox.store.listTenants()[0]?.scenario ?? 'default'} (POST /__sandbox/reset switches; GET /__sandbox/scenarios lists them)`,
        `  clock         ${opts.clock ? (opts.clock.mode === 'manual' ? 'manual (POST /__sandbox/clock/advance)' : `realtime ×${opts.clock.factor}`) : 'as saved (new tenants: realtime ×1)'}`,
        `  admin token   ${process.env.SANDBOX_ADMIN_TOKEN ? 'from env SANDBOX_ADMIN_TOKEN' : `default "${DEFAULT_ADMIN_TOKEN}" (set SANDBOX_ADMIN_TOKEN to change)`}`,
        '  test keys:',
        ...sandbox.store.listTenants().map((t) => `    ${t.id.padEnd(18)} ${t.api_keys[0]}   ${t.name}`),
        '  OAuth clients (POST /oauth/token, client credentials):',
        ...sandbox.store.listTenants().flatMap((t) => Object.values(accessOf(t).oauth.clients).map((cl) => `    ${t.id.padEnd(18)} ${cl.client_id} : ${cl.client_secret}`)),
        `  try: curl -H "Authorization: Bearer ${sandbox.store.listTenants()[0]?.api_keys[0]}" ${url}/api/v2/products?limit=2`,
      ];
      console.log(lines.join('\n'));
    });

    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      console.log(`\n${signal}: closing, flushing state…`);
      server.close();
      sandbox
        .close()
        .then(() => process.exit(0))
        .catch((error) => {
          console.error(`could not flush state: ${(error as Error).message}`);
          process.exit(1);
        });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

registerCheckCommands(program, VERSION);
registerVerifyPactCommand(program);
registerScenarioCommands(program);

program.parseAsync(process.argv).catch((error) => {
  console.error(`marketplace-sandbox: ${(error as Error).message}`);
  process.exit(1);
});
