// The CLI commands of the go-live readiness: `readiness` (the report over what a connector did)
// and `certify` (a compressed business day played against the connector, then the report).
// Exit codes: 0 every rule passes · 1 a rule fails (or a required one was not exercised) · 2 no report.
import { Command, InvalidArgumentError, Option } from 'commander';
import { run, timestamp } from '../checks/commands.ts';
import { GO_LIVE_PROFILE } from '../sandbox-files.ts';
import { REPORT_FORMATS, type ReportFormat } from './run-readiness.ts';

function formats(value: string): ReportFormat[] {
  const chosen = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = chosen.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (unknown.length || !chosen.length) throw new InvalidArgumentError(`must be a comma-separated list of ${REPORT_FORMATS.join(', ')}.`);
  return chosen as ReportFormat[];
}

function speed(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('must be a number from 1 to 100000 (sandbox seconds per wall second).');
  return n;
}

interface ReadinessFlags {
  url: string;
  tenant: string;
  adminToken?: string;
  since?: Date;
  until?: Date;
  profile?: string;
  probeSignatures?: boolean;
  format: ReportFormat[];
  out: string;
}

interface CertifyFlags {
  url: string;
  tenant: string;
  adminToken?: string;
  profile: string;
  speed: number;
  format: ReportFormat[];
  out: string;
  progress: boolean;
}

const EXIT_CODES = '\nExit codes: 0 every rule passes · 1 a rule fails, or a rule the profile requires was not exercised · 2 no report could be made.';

export function registerReadinessCommands(program: Command): void {
  program
    .command('readiness')
    .description("Judge a tenant's connector against the marketplace's integration rules, with the request ids behind each finding.")
    .requiredOption('--url <sandbox>', 'base URL of the sandbox, e.g. http://127.0.0.1:4300')
    .requiredOption('--tenant <id>', 'tenant whose connector to judge, e.g. ten_nordwind')
    .option('--admin-token <token>', 'control API token (default env SANDBOX_ADMIN_TOKEN, else sandbox-admin-token)')
    .option('--since <time>', 'only what happened from this ISO 8601 time on', timestamp)
    .option('--until <time>', 'only what happened before this ISO 8601 time', timestamp)
    .option('--profile <file>', 'thresholds (a copy of profiles/go-live.yaml); default: the go-live defaults')
    .option('--probe-signatures', 'send each active subscription one delivery with a wrong signature; it must be refused with a 4xx')
    .addOption(new Option('--format <list>', 'report files to write: json, html, junit').argParser(formats).default([...REPORT_FORMATS], 'json,html,junit'))
    .option('--out <dir>', 'where to write readiness.json, readiness.html and readiness.xml', 'readiness')
    .addHelpText('after', `${EXIT_CODES}\n\nExample:\n  $ marketplace-sandbox readiness --url http://127.0.0.1:4300 --tenant ten_nordwind --format json,junit --out reports`)
    .action((o: ReadinessFlags) =>
      run(async () => {
        const { runReadiness, summarizeReadiness } = await import('./run-readiness.ts');
        const outcome = await runReadiness({ url: o.url, tenant: o.tenant, adminToken: o.adminToken, since: o.since, until: o.until, profileFile: o.profile, probeSignatures: o.probeSignatures, formats: o.format, outDir: o.out });
        return { exitCode: outcome.exitCode, summary: summarizeReadiness(outcome.report, outcome.files) };
      }),
    );

  program
    .command('certify')
    .description("Play a compressed business day of the marketplace (orders, cancellations, a price campaign, a rate-limit burst, a flaky spell) while your connector runs, then judge it.")
    .requiredOption('--url <sandbox>', 'base URL of the sandbox, e.g. http://127.0.0.1:4300')
    .requiredOption('--tenant <id>', 'tenant your connector works for')
    .option('--admin-token <token>', 'control API token (default env SANDBOX_ADMIN_TOKEN, else sandbox-admin-token)')
    .addOption(new Option('--profile <file>', 'thresholds and the day to play (its certify section)').default(GO_LIVE_PROFILE, 'profiles/go-live.yaml'))
    .option('--speed <n>', 'sandbox seconds per wall second: 60 plays an 8-hour day in 8 minutes', speed, 60)
    .addOption(new Option('--format <list>', 'report files to write: json, html, junit').argParser(formats).default([...REPORT_FORMATS], 'json,html,junit'))
    .option('--out <dir>', 'where to write the report files', 'readiness')
    .option('--no-progress', 'no progress bar (it shows only on a terminal)')
    .addHelpText('after', `${EXIT_CODES}\n\nExample:\n  $ marketplace-sandbox certify --url http://127.0.0.1:4300 --tenant ten_nordwind --speed 120`)
    .action((o: CertifyFlags) =>
      run(async () => {
        const { runCertify } = await import('./certify.ts');
        const { summarizeReadiness } = await import('./run-readiness.ts');
        const outcome = await runCertify({ url: o.url, tenant: o.tenant, adminToken: o.adminToken, profileFile: o.profile, speed: o.speed, formats: o.format, outDir: o.out, progress: o.progress && Boolean(process.stderr.isTTY) && !process.env.CI });
        const played = Object.entries(outcome.played).map(([what, n]) => `${n} ${what.replace(/_/g, ' ')}`).join(', ');
        return { exitCode: outcome.exitCode, summary: `certify played: ${played}\n${summarizeReadiness(outcome.report, outcome.files)}` };
      }),
    );
}
