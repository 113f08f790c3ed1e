// CLI commands of the control plane: `scenarios`, `reset`, `snapshot save|restore|list|delete`.
// All but `scenarios` talk to a running sandbox through its control API, like a CI job would.
import { Command } from 'commander';
import { DEFAULT_ADMIN_TOKEN, loadCheckedScenarios } from '../server/app.ts';
import { SCENARIO_DIR } from './load.ts';

interface ControlOptions {
  url: string;
  tenant?: string;
  adminToken?: string;
}

/** One control-API call; a problem+json answer becomes an error that says what the sandbox said. */
async function control(options: ControlOptions, method: string, path: string, body?: unknown): Promise<any> {
  const token = options.adminToken ?? (process.env.SANDBOX_ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN);
  const url = new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`cannot reach the sandbox at ${options.url} (${(error as Error).cause ?? (error as Error).message}); is it running?`);
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text);
      detail = [problem.detail, ...(problem.errors ?? []).map((e: { pointer: string; message: string }) => `  ${e.pointer} ${e.message}`)].join('\n');
    } catch {
      // not problem+json: show the body as it came
    }
    throw new Error(`${method} ${url.pathname} answered ${response.status}: ${detail}`);
  }
  return text ? JSON.parse(text) : null;
}

const withTenant = (path: string, tenant?: string) => (tenant ? `${path}?tenant_id=${encodeURIComponent(tenant)}` : path);

function controlOptions(command: Command): Command {
  return command
    .requiredOption('--url <url>', 'base URL of the running sandbox, e.g. http://127.0.0.1:4300')
    .option('--tenant <id>', 'the tenant (default ten_nordwind)')
    .option('--admin-token <token>', 'control API token (default: env SANDBOX_ADMIN_TOKEN, else the default token)');
}

export function registerScenarioCommands(program: Command): void {
  program
    .command('scenarios')
    .description('List the scenarios (scenarios/*.yaml), checking each against specs/scenario.schema.json.')
    .option('--dir <dir>', 'another directory of scenario files', SCENARIO_DIR)
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; json?: boolean }) => {
      const scenarios = [...(await loadCheckedScenarios(opts.dir)).values()];
      if (opts.json) return console.log(JSON.stringify(scenarios.map(({ name, description }) => ({ name, description })), null, 2));
      const width = Math.max(...scenarios.map((s) => s.name.length));
      for (const s of scenarios) console.log(`${s.name.padEnd(width)}  ${s.description}`);
    });

  controlOptions(program.command('reset'))
    .description('Reset a tenant of a running sandbox into a scenario.')
    .option('--scenario <name>', 'scenario name (see `marketplace-sandbox scenarios`)', 'default')
    .action(async (opts: ControlOptions & { scenario: string }) => {
      const result = await control(opts, 'POST', '__sandbox/reset', { scenario: opts.scenario, ...(opts.tenant ? { tenant_id: opts.tenant } : {}) });
      const built = result.build_ms > 0 ? ` (built the world first: ${result.build_ms} ms)` : '';
      console.log(`${result.tenant_id} is in scenario ${result.scenario}: ${result.counts.products} products, ${result.counts.orders} orders; reset took ${result.duration_ms} ms${built}`);
    });

  const snapshot = program.command('snapshot').description('Save, restore, list and delete snapshots of a tenant of a running sandbox.');
  controlOptions(snapshot.command('save').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    const saved = await control(opts, 'POST', '__sandbox/snapshots', { name, ...(opts.tenant ? { tenant_id: opts.tenant } : {}) });
    console.log(`saved snapshot ${saved.name} of ${saved.tenant_id} (scenario ${saved.scenario}, sandbox time ${saved.sandbox_time})`);
  });
  controlOptions(snapshot.command('restore').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    const restored = await control(opts, 'POST', withTenant(`__sandbox/snapshots/${encodeURIComponent(name)}/restore`, opts.tenant));
    console.log(`restored snapshot ${restored.snapshot} into ${restored.tenant_id} in ${restored.duration_ms} ms`);
  });
  controlOptions(snapshot.command('list')).action(async (opts: ControlOptions) => {
    const { data } = await control(opts, 'GET', withTenant('__sandbox/snapshots', opts.tenant));
    if (data.length === 0) console.log('no snapshots');
    for (const s of data) console.log(`${s.tenant_id}  ${s.name}  scenario ${s.scenario}  saved ${s.created_at}  ${s.counts.products} products, ${s.counts.orders} orders`);
  });
  controlOptions(snapshot.command('delete').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    await control(opts, 'DELETE', withTenant(`__sandbox/snapshots/${encodeURIComponent(name)}`, opts.tenant));
    console.log(`deleted snapshot ${name}`);
  });
}
