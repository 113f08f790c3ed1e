// How fast the CLI starts, as a user meets it: the median of 5 runs of the built CLI (dist/, run
// with plain node, as the package bin runs it) from spawn to exit (`--version`, `--help`, a client
// command against a running sandbox) and from spawn to the first answered partner request
// (`serve` with the default data: a fresh data file, the same file again, and `--memory`).
// Targets from the build issue: --version and --help under 300 ms, serve answering within 1 s.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import type { BenchReport } from './run.ts';
import { ROOT, startSandboxServer } from './processes.ts';

const RUNS = 5;
const CLI = 'bin/marketplace-sandbox.js';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds from spawn to a clean exit of `node bin … args`. */
function timeToExit(args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

/** Milliseconds from spawn of `serve` to the first answered GET /api/v2/products?limit=1 (then the server is stopped). */
async function timeToFirstAnswer(args: string[], path = '/api/v2/products?limit=1', expect = 200): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${DEFAULT_TENANTS[0].api_key}` } });
    await res.text();
    if (res.status !== expect) throw new Error(`the first request answered ${res.status}`);
    return performance.now() - started;
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

async function medianOf(run: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run());
  return median(times);
}

export default async function startup(): Promise<BenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-startup-'));
  const admin = 'bench-admin-token';
  const sandbox = await startSandboxServer([], { SANDBOX_ADMIN_TOKEN: admin });
  try {
    const figures: Record<string, number> = {
      version_ms: await medianOf(() => timeToExit(['--version'])),
      help_ms: await medianOf(() => timeToExit(['--help'])),
      serve_help_ms: await medianOf(() => timeToExit(['serve', '--help'])),
      client_reset_ms: await medianOf(() => timeToExit(['reset', '--url', sandbox.url], { SANDBOX_ADMIN_TOKEN: admin })),
      client_snapshot_list_ms: await medianOf(() => timeToExit(['snapshot', 'list', '--url', sandbox.url], { SANDBOX_ADMIN_TOKEN: admin })),
    };
    let run = 0;
    figures.serve_new_data_file_ms = await medianOf(() => timeToFirstAnswer(['--data', join(dir, `fresh-${run++}.json`)]));
    await timeToFirstAnswer(['--data', join(dir, 'kept.json')]);
    figures.serve_existing_data_file_ms = await medianOf(() => timeToFirstAnswer(['--data', join(dir, 'kept.json')]));
    figures.serve_memory_ms = await medianOf(() => timeToFirstAnswer(['--memory']));
    // A large real document (DigitalOcean's, 659 operations): its validators compile at start; the
    // first request is a stateful list, whose collection is made then (its examples and seed items).
    figures.serve_spec_659_operations_ms = await medianOf(() =>
      timeToFirstAnswer(['--memory', '--spec', join(ROOT, 'test/fixtures/specs/digitalocean.openapi.json')], '/v2/droplets', 200),
    );

    const lines = Object.entries(figures).map(([name, ms]) => `${name.replace(/_ms$/, '').replace(/_/g, ' ').padEnd(28)} median ${ms.toFixed(0).padStart(5)} ms (of ${RUNS})`);
    const serveWorst = Math.max(figures.serve_new_data_file_ms!, figures.serve_existing_data_file_ms!, figures.serve_memory_ms!);
    return {
      name: 'startup',
      lines,
      figures,
      targets: [
        { description: `--version and --help in under 300 ms (${figures.version_ms!.toFixed(0)} / ${figures.help_ms!.toFixed(0)} ms)`, met: figures.version_ms! < 300 && figures.help_ms! < 300 },
        { description: `serve answers its first request within 1 s (slowest median ${serveWorst.toFixed(0)} ms)`, met: serveWorst < 1000 },
        // The stateful-mocks issue asks 2 s for a 300-operation document; this one has 659.
        { description: `serve --spec of 659 operations answers its first request within 2 s (median ${figures.serve_spec_659_operations_ms!.toFixed(0)} ms)`, met: figures.serve_spec_659_operations_ms! < 2000 },
      ],
    };
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
