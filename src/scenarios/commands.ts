// CLI commands of the control plane: `scenarios`, `reset`, `snapshot save|restore|list|delete`.
// All but `scenarios` talk to a running sandbox through its control API, like a CI job would.
import { Command } from 'commander';
import { ControlClient } from '../control/client.ts';
import { SCENARIO_DIR } from '../sandbox-files.ts';

interface ControlOptions {
  url: string;
  tenant?: string;
  adminToken?: string;
}

const client = (options: ControlOptions) => new ControlClient({ url: options.url, adminToken: options.adminToken });

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
      // Loaded here: only this command needs the contracts, and the others start faster without them.
      const { loadCheckedScenarios } = await import('./checked.ts');
      const scenarios = [...(await loadCheckedScenarios(opts.dir)).values()];
      if (opts.json) return console.log(JSON.stringify(scenarios.map(({ name, description }) => ({ name, description })), null, 2));
      const width = Math.max(...scenarios.map((s) => s.name.length));
      for (const s of scenarios) console.log(`${s.name.padEnd(width)}  ${s.description}`);
    });

  controlOptions(program.command('reset'))
    .description('Reset a tenant of a running sandbox into a scenario.')
    .option('--scenario <name>', 'scenario name (see `marketplace-sandbox scenarios`)', 'default')
    .action(async (opts: ControlOptions & { scenario: string }) => {
      const result = await client(opts).reset({ scenario: opts.scenario, tenantId: opts.tenant });
      const built = result.build_ms > 0 ? ` (built the world first: ${result.build_ms} ms)` : '';
      console.log(`${result.tenant_id} is in scenario ${result.scenario}: ${result.counts.products} products, ${result.counts.orders} orders; reset took ${result.duration_ms} ms${built}`);
    });

  const snapshot = program.command('snapshot').description('Save, restore, list and delete snapshots of a tenant of a running sandbox.');
  controlOptions(snapshot.command('save').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    const saved = await client(opts).saveSnapshot(name, opts.tenant);
    console.log(`saved snapshot ${saved.name} of ${saved.tenant_id} (scenario ${saved.scenario}, sandbox time ${saved.sandbox_time})`);
  });
  controlOptions(snapshot.command('restore').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    const restored = await client(opts).restoreSnapshot(name, opts.tenant);
    console.log(`restored snapshot ${restored.snapshot} into ${restored.tenant_id} in ${restored.duration_ms} ms`);
  });
  controlOptions(snapshot.command('list')).action(async (opts: ControlOptions) => {
    const data = await client(opts).listSnapshots(opts.tenant);
    if (data.length === 0) console.log('no snapshots');
    for (const s of data) console.log(`${s.tenant_id}  ${s.name}  scenario ${s.scenario}  saved ${s.created_at}  ${s.counts.products} products, ${s.counts.orders} orders`);
  });
  controlOptions(snapshot.command('delete').argument('<name>', 'snapshot name')).action(async (name: string, opts: ControlOptions) => {
    await client(opts).deleteSnapshot(name, opts.tenant);
    console.log(`deleted snapshot ${name}`);
  });
}
