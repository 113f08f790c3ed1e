// marketplace-sandbox: one entry for everything the sandbox does from a terminal or CI job.
import { Command, InvalidArgumentError } from 'commander';
import { registerCheckCommands } from './checks/commands.ts';
import { registerVerifyPactCommand } from './pact/command.ts';
import { registerScenarioCommands } from './scenarios/commands.ts';
import { registerReadinessCommands } from './readiness/commands.ts';
import { parseClockSetting, type ClockSetting } from './clock/clock.ts';
import { DEFAULT_ADMIN_TOKEN } from './control/admin-token.ts';
import { VERSION } from './sandbox-files.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logging/log-levels.ts';
import { parseOrigins } from './policies/cors/origins.ts';
import type { ServeOptions } from './server/serve.ts';
import { parseRetrySchedule } from './webhooks/retry-policy.ts';

const program = new Command();

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535.');
  return n;
}

/** serve's port when --port is not given: env PORT (containers and platforms set it), else 4300. */
function defaultPort(): number {
  const given = process.env.PORT;
  if (given === undefined || given === '') return 4300;
  try {
    return port(given);
  } catch {
    console.error(`marketplace-sandbox: the environment variable PORT is "${given}", which is not a port number 0-65535: set it to one, or unset it for 4300.`);
    process.exit(2);
  }
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

function durability(value: string): 'durable' | 'relaxed' {
  if (value !== 'durable' && value !== 'relaxed') throw new InvalidArgumentError('must be "durable" or "relaxed".');
  return value;
}

/** A --store value: a PostgreSQL URL. */
function storeUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/[^\s]+$/i.test(value)) throw new InvalidArgumentError('must be a PostgreSQL URL, e.g. postgres://sandbox:secret@db:5432/sandbox.');
  return value;
}

function logLevel(value: string): LogLevel {
  if (!isLogLevel(value)) throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}.`);
  return value;
}

function corsOrigins(value: string): string[] {
  try {
    return parseOrigins([value]);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--cors: /, ''));
  }
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
  .option('--port <port>', 'port to listen on (0 picks a free one; default: env PORT, else 4300)', port)
  .option('--host <host>', 'interface to bind; use 0.0.0.0 inside containers (off loopback: no well-known secrets, see docs/exposing.md)', '127.0.0.1')
  .option('--data <file>', 'JSON file that keeps the state across restarts', '.sandbox-data/state.json')
  .option('--memory', 'keep state in memory only (nothing written to disk)')
  .option('--store <url>', 'keep the state in PostgreSQL (postgres://…), shared by every replica started on it (default: env SANDBOX_STORE_URL; docs/shared-deployments.md)', storeUrl)
  .option('--durability <mode>', 'durable: a write is answered once it is fsync\'d to the data file\'s log; relaxed: at once, written within 50 ms (faster, a crash may lose the last moment)', durability, 'durable')
  .option('--repair', 'start from damaged state files: keep every record up to the last good one, the damaged file aside as <name>.corrupt-<time>')
  .option('--seed <n>', 'fixture seed for new tenants (same seed, same data)', seed)
  .option('--strict', 'validate every response against the spec; a mismatch becomes a 500 response_contract_violation')
  .option('--spec <file>', 'serve another OpenAPI 3.x document instead: its resources kept in the store, the rest mocked from it')
  .option('--seed-items <n>', 'with --spec: items each resource starts with, the document\'s examples first (default 10; --seed makes them the same each time)', seed)
  .option('--no-auth', 'accept any credential, or none, on the partner API (or the --spec document): requests act as the first tenant')
  .option('--explain', 'with --spec: print the resources inferred from the document (collections, items, id fields) and what Prism answers, then exit')
  .option('--clock <mode>', 'sandbox clocks: realtime, realtime:<factor> (sped up) or manual (moves only with POST /__sandbox/clock/advance)', clockSetting)
  .option('--webhook-retries <seconds>', 'seconds to wait after each failed webhook attempt (default 1,2,4,8,16)', retrySchedule)
  .option('--scenario <name>', 'scenario the default tenants start in (default: default, or what the data file holds); see `marketplace-sandbox scenarios`')
  .option('--scenarios-dir <dir>', 'another directory of scenario files (default scenarios/)')
  .option('--log-level <level>', 'JSON log lines on stdout (one per request at info): fatal, error, warn, info, debug, trace or silent', logLevel, 'info')
  .option('--fresh-keys', 'give the default tenants random test keys and OAuth secrets, printed at start (the default off loopback)')
  .option('--no-fresh-keys', "keep the README's well-known test keys even off loopback (a warning says so)")
  .option('--cors <origins>', "origins browser apps may call from, comma separated (default http://localhost:*, http://127.0.0.1:*, http://[::1]:*; '*' for any, without credentials)", corsOrigins)
  .addHelpText(
    'after',
    `
Examples:
  $ marketplace-sandbox serve                      # default data, state in .sandbox-data/state.json
  $ marketplace-sandbox serve --memory --strict    # throw-away state, contract-checked responses
  $ marketplace-sandbox serve --spec other.yaml    # a stateful mock of any OpenAPI 3.x document
  $ marketplace-sandbox serve --clock realtime:60  # one sandbox minute per second: orders open, cancel, get lost
  $ marketplace-sandbox serve --clock manual       # time stands still until POST /__sandbox/clock/advance
  $ marketplace-sandbox serve --scenario peak-load # 10 000 products, 20 000 orders, basic plan

Environment:
  PORT                  the port when --port is not given (default 4300)
  SANDBOX_STORE_URL     the PostgreSQL URL when --store is not given (docs/shared-deployments.md)
  SANDBOX_ADMIN_TOKEN   token of the control API (default "${DEFAULT_ADMIN_TOKEN}" on loopback;
                        on any other --host a random one, printed at start: docs/exposing.md)
  SANDBOX_WEBHOOK_ALLOW link-local / metadata addresses webhook URLs may point at anyway
                        (host names, addresses or CIDR ranges, comma separated)`,
  )
  .action(async (opts: ServeOptions, command: Command) => {
    // --data has a default, so only one given on the command line contradicts --memory.
    if (opts.memory && command.getOptionValueSource('data') === 'cli') {
      console.error('marketplace-sandbox: --memory keeps nothing on disk and --data names the file to keep the state in: pass one of them.');
      process.exit(2);
    }
    const envStore = process.env.SANDBOX_STORE_URL;
    if (opts.store === undefined && envStore) {
      try {
        opts.store = storeUrl(envStore);
      } catch (error) {
        console.error(`marketplace-sandbox: the environment variable SANDBOX_STORE_URL ${(error as Error).message.replace(/^must/, 'must')}`);
        process.exit(2);
      }
    }
    if (opts.store && (opts.memory || command.getOptionValueSource('data') === 'cli')) {
      console.error(`marketplace-sandbox: --store keeps the state in PostgreSQL and ${opts.memory ? '--memory keeps it in memory' : '--data names a file to keep it in'}: pass one of them.`);
      process.exit(2);
    }
    if (opts.seedItems !== undefined && !opts.spec) {
      console.error('marketplace-sandbox: --seed-items sets how many items the resources of a --spec document start with; pass --spec FILE, or leave it out (the marketplace data is set by --scenario and --seed).');
      process.exit(2);
    }
    if (opts.explain) {
      if (!opts.spec) {
        console.error('marketplace-sandbox: --explain explains a document given with --spec: pass --spec FILE.');
        process.exit(2);
      }
      const { explainDocument } = await import('./server/explain.ts');
      await explainDocument(opts.spec).then(
        (text) => console.log(text),
        (error: Error) => {
          console.error(`marketplace-sandbox: ${error.message}`);
          process.exit(2);
        },
      );
      return;
    }
    opts.port ??= defaultPort();
    const { serveSandbox } = await import('./server/serve.ts'); // the server loads only for serve
    // A start that cannot go on says why in one line and exits 2 (a usage or set-up error, not a crash).
    await serveSandbox(opts).catch((error: Error) => {
      console.error(`marketplace-sandbox: ${error.message}`);
      process.exit(2);
    });
  });

program
  .command('export')
  .description('Write the API for other tools.')
  .command('postman')
  .description('Write the partner API as a Postman collection (v2.1): a folder per tag, a "Happy path" folder for the default data, bearer auth with the test key.')
  .option('--out <file>', 'write it to this file (default: stdout)')
  .option('--base-url <url>', 'the collection variable baseUrl: where the sandbox is', 'http://127.0.0.1:4300')
  .option('--key <key>', 'the collection variable apiKey (default: the first default tenant\'s test key)')
  .option('--spec <file>', 'another OpenAPI 3.x document (converted now, without the happy path)')
  .action(async (opts: import('./reference/postman-export.ts').ExportPostmanOptions) => {
    const { exportPostman } = await import('./reference/postman-export.ts'); // the converter loads only here
    await exportPostman(opts);
  });

function positiveCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

program
  .command('listen')
  .description('Follow the partner event stream and post each event, signed as the sandbox signs webhooks, to a local receiver (for receivers the sandbox cannot reach).')
  .requiredOption('--url <url>', 'base URL of the running sandbox, e.g. http://127.0.0.1:4300')
  .requiredOption('--key <key>', "the partner's test key or access token (with the webhooks scope)")
  .requiredOption('--forward-to <url>', 'your receiver, e.g. http://localhost:3000/webhooks')
  .option('--events <filter>', 'only these event types, comma separated; wildcards as in a subscription (order.*,price.updated)')
  .option('--cursor <cursor>', 'first replay what the event feed holds after this cursor (a listEvents next_cursor or a stream id)')
  .option('--secret <whsec>', 'sign with this secret (default: a new one, printed at start)')
  .option('--max-events <n>', 'exit after forwarding this many events', positiveCount)
  .action(async (opts: import('./event-commands/listen.ts').ListenOptions) => {
    const { listen, ListenError } = await import('./event-commands/listen.ts');
    await listen(opts).catch((error: Error) => {
      console.error(`marketplace-sandbox listen: ${error.message}`);
      process.exit(error instanceof ListenError ? 2 : 1);
    });
  });

program
  .command('trigger')
  .description('Make the change that emits an event (as the partner, the marketplace or a carrier) and print the event ids from the feed.')
  .argument('[event]', 'the event type, e.g. order.created (see --list)')
  .option('--url <url>', 'base URL of the running sandbox, e.g. http://127.0.0.1:4300')
  .option('--key <key>', "the partner's test key")
  .option('--list', 'print every event it can trigger, and how; and those it cannot, and why')
  .action(async (event: string | undefined, opts: { url?: string; key?: string; list?: boolean }) => {
    const { trigger, triggerList, TRIGGERS } = await import('./event-commands/trigger.ts');
    if (opts.list) return console.log(triggerList());
    const fail = (message: string) => {
      console.error(`marketplace-sandbox trigger: ${message}`);
      process.exit(2);
    };
    if (!event || !TRIGGERS[event]) return fail(`${event ? `"${event}" is not an event it can trigger` : 'name the event to trigger'}; one of: ${Object.keys(TRIGGERS).join(', ')} (--list says how).`);
    if (!opts.url || !opts.key) return fail('pass --url (the running sandbox) and --key (the partner\'s test key).');
    const ids = await trigger(event, { url: opts.url, key: opts.key }).catch((error: Error) => {
      console.error(`marketplace-sandbox trigger: ${error.message}`);
      process.exit(1);
    });
    if (ids.length === 0) {
      console.error(`marketplace-sandbox trigger: the change was made, but no ${event} is in the feed after it.`);
      process.exit(1);
    }
    for (const id of ids) console.log(`${event} ${id}`);
  });

registerCheckCommands(program, VERSION);
registerVerifyPactCommand(program);
registerScenarioCommands(program);
registerReadinessCommands(program);

program.parseAsync(process.argv).catch((error) => {
  console.error(`marketplace-sandbox: ${(error as Error).message}`);
  process.exit(1);
});
