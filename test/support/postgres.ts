// A throwaway PostgreSQL cluster for the tests of the shared store: Debian's `postgresql` package
// (installed by scripts/ensure-test-tools.sh), initdb'd in a temporary folder owned by the
// `postgres` user (the server refuses to run as root, and CI runs as root), on a free port, with
// its socket in that folder. One cluster per test file (`usePostgres()` in its top level), a fresh
// database per test (`database()`), the cluster stopped in afterAll whatever happened. Without
// PostgreSQL the tests fail, saying what to install: they never skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin), or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresCluster {
  port: number;
  dir: string;
  /** A URL for a database of this cluster (postgres://postgres@127.0.0.1:port/name). */
  url(database: string): string;
  /** Runs SQL as the superuser on the `postgres` database (or another). */
  sql(query: string, database?: string): string;
  /** Stops the server (fast shutdown: open connections are cut). */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the postgres user when we are root. */
function run(bin: string, program: string, args: string[]): string {
  const command = asRoot ? 'runuser' : join(bin, program);
  const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** `fsync`: off by default (a test's cluster dies with it); a bench of durable writes turns it on. */
export async function startCluster(options: { fsync?: boolean } = {}): Promise<PostgresCluster> {
  const bin = postgresBin();
  if (!bin) {
    throw new Error('PostgreSQL is not installed, and the shared-store tests need it: apt-get install -y postgresql (scripts/ensure-test-tools.sh does it as root).');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  run(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const start = () => {
    run(bin, 'pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${options.fsync ? 'on' : 'off'} -c max_connections=200`, '-l', join(dir, 'server.log'), '-w', 'start']);
  };
  const stop = () => {
    run(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  start();
  return {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    sql: (query, database = 'postgres') => run(bin, 'psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atc', query]).trim(),
    stop,
    start,
  };
}

/**
 * One cluster for the test file: started in beforeAll, stopped (and its folder removed) in
 * afterAll, also when a test failed. `database()` makes a fresh database and gives its URL.
 */
export function usePostgres(): { cluster: () => PostgresCluster; database: () => string } {
  let cluster: PostgresCluster | undefined;
  let made = 0;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 120_000);
  afterAll(() => {
    if (!cluster) return;
    try {
      cluster.stop();
    } catch {
      // stopped already (a test stopped it)
    }
    rmSync(cluster.dir, { recursive: true, force: true });
  });
  return {
    cluster: () => cluster!,
    database: () => {
      const name = `sandbox_${process.pid}_${++made}`;
      cluster!.sql(`CREATE DATABASE ${name}`);
      return cluster!.url(name);
    },
  };
}
