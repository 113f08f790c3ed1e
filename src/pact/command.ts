// The `verify-pact` CLI command. Exit codes CI jobs branch on:
//   0 every interaction verified (and no spec drift) · 1 not verified · 2 the verification could not run
import { Command } from 'commander';

interface VerifyPactFlags {
  url?: string;
  adminToken?: string;
  states?: string;
  junit?: string;
  checkSpec: boolean;
  spec?: string;
  webhookHost?: string;
  verbose?: boolean;
}

export function registerVerifyPactCommand(program: Command): void {
  program
    .command('verify-pact')
    .description("Verify a partner's consumer pact (Pact v2–v4: HTTP and webhook messages) against the sandbox, and cross-check it with the OpenAPI spec.")
    .argument('<pact>', 'a pact file, a directory of pact files, or an http(s) URL of a pact')
    .option('--url <sandbox>', 'a running sandbox (default: one is started in-process for the run)')
    .option('--admin-token <token>', 'admin token of the sandbox at --url (default: env SANDBOX_ADMIN_TOKEN)')
    .option('--states <file>', 'YAML file of your own provider states (state name → scenario and control-API steps)')
    .option('--junit <file>', 'also write the result as JUnit XML')
    .option('--check-spec', 'cross-check every interaction with the OpenAPI spec (default)', true)
    .option('--no-check-spec', 'skip the pact ↔ spec cross-check')
    .option('--spec <file>', 'OpenAPI document for the cross-check (default: the marketplace spec)')
    .option('--webhook-host <host>', 'address the sandbox reaches this machine at, for webhook messages', '127.0.0.1')
    .option('--verbose', "also print the Pact verifier engine's own output")
    .addHelpText(
      'after',
      `
Each run gets a fresh tenant; before every interaction it is reset to its fixture, then the
interaction's provider states are made true, named by the convention in the README ("an unconfirmed
open order ord_… exists", "product prod_… has price 100.00 EUR", …) or described in --states.

Examples:
  $ marketplace-sandbox verify-pact pacts/
  $ marketplace-sandbox verify-pact my-connector.json --states states.yaml --junit pact-results.xml
  $ marketplace-sandbox verify-pact https://ci.example/pacts/latest.json --url http://127.0.0.1:4300

Exit codes: 0 verified · 1 not verified (a failed interaction, an unknown state or spec drift) · 2 could not run`,
    )
    .action(async (source: string, flags: VerifyPactFlags) => {
      try {
        // Loaded when the command runs, so `--help` and the other commands do not pay for them.
        const [{ verifyPact }, { formatReport, reportPassed }] = await Promise.all([import('./verify-pact.ts'), import('./verification-report.ts')]);
        const report = await verifyPact({
          source,
          url: flags.url,
          adminToken: flags.adminToken,
          statesFile: flags.states,
          junitFile: flags.junit,
          checkSpec: flags.checkSpec,
          specFile: flags.spec,
          webhookHost: flags.webhookHost,
          onEngineOutput: flags.verbose ? (text) => process.stderr.write(text) : undefined,
        });
        console.log(formatReport(report, process.stdout.isTTY === true));
        if (flags.junit) console.log(`JUnit XML written to ${flags.junit}`);
        process.exitCode = reportPassed(report) ? 0 : 1;
      } catch (error) {
        console.error(`verify-pact: ${(error as Error).message}`);
        process.exitCode = 2;
      }
    });
}
