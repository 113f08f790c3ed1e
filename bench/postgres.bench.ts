// The shared store against the embedded one, on one machine, in one run: product reads
// (GET /api/v2/products/{id}) and durable writes (inventory patches cycling through 100 SKUs) at 32
// connections, through `serve --store postgres://…` and through `serve --data` (the embedded store,
// durable), then reads and writes spread over two replicas on the same database.
//
// PostgreSQL is a throwaway cluster started here (test/support/postgres.ts: Debian's package, as
// the tests use it). wrk drives; nothing is pinned, since PostgreSQL needs a core too, and the
// figures say so. Rate limits are lifted; a run with a non-2xx answer is refused. Last, the start
// time of a replica over the log the writes left, before and after the log is folded.
// Targets (issue 25): reads ≥ 0.3× the embedded store; durable writes ≥ 2 000/s at 32 connections.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { startCluster, type PostgresCluster } from '../test/support/postgres.ts';
import { CONNECTIONS, hasWrk, wrk, type Drive } from './load.ts';
import { cpuMicros, startServer, type Server } from './processes.ts';
import type { BenchReport } from './run.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const ADMIN = 'bench-admin-token';
const tenant = DEFAULT_TENANTS[0];
const partner = { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' };

async function lifted(server: Server): Promise<Server> {
  const res = await fetch(`${server.url}/__sandbox/tenants/${tenant.id}/rate-limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan: 'enterprise', daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { inventory: 1_000_000_000, product_reads: 1_000_000_000 } }),
  });
  if (res.status !== 200) throw new Error(`lifting the rate limits: ${res.status} ${await res.text()}`);
  return server;
}

// The replicas driven fold nothing (the fold is measured on its own at the end).
const NO_FOLDS = { SANDBOX_STORE_FOLD_AFTER: String(2 ** 31 - 1) };
const start = (args: string[], env: Record<string, string> = NO_FOLDS) => startServer(['bin/marketplace-sandbox.js', 'serve', '--port', '0', '--log-level', 'warn', ...args], { SANDBOX_ADMIN_TOKEN: ADMIN, ...env });
const serve = async (args: string[]) => lifted(await start(args));

/** How long a replica takes from spawn to listening. */
async function startMs(url: string, env?: Record<string, string>): Promise<number> {
  const began = performance.now();
  const server = await start(['--store', url], env);
  const ms = performance.now() - began;
  await server.stop();
  return ms;
}

async function get(server: Server, path: string): Promise<any> {
  const res = await fetch(`${server.url}${path}`, { headers: partner });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function writeScript(server: Server, dir: string): Promise<string> {
  const skus = ((await get(server, '/api/v2/inventory?limit=100')).data as Array<{ sku: string }>).map((i) => i.sku);
  const file = join(dir, `patch-${server.child.pid}.lua`);
  await writeFile(
    file,
    `local items = { ${skus.map((sku) => `"/api/v2/inventory/${encodeURIComponent(sku)}"`).join(', ')} }
local n = 0
request = function()
  n = n + 1
  return wrk.format("PATCH", items[(n % #items) + 1], { ["Authorization"] = "Bearer ${tenant.api_key}", ["Content-Type"] = "application/json" }, '{"quantity":' .. (n % 500) .. ',"location":"loc_berlin"}')
end
`,
  );
  return file;
}

interface Measured {
  rps: number;
  p99: number;
  /** Server CPU µs per request, summed over the servers driven. */
  cpuUs: number;
}

/** Drives every server at once (the connections split between them) and sums what they served. */
async function drive(servers: Server[], args: (server: Server) => Promise<string[]>): Promise<Measured> {
  const each = await Promise.all(servers.map(args));
  const before = servers.map((s) => cpuMicros(s.child.pid!) ?? 0);
  const connections = String(Math.max(1, Math.round(CONNECTIONS / servers.length)));
  const drives: Drive[] = await Promise.all(each.map((a) => wrk(['-c', connections, ...a], seconds, false)));
  const cpu = servers.reduce((sum, s, i) => sum + (cpuMicros(s.child.pid!) ?? 0) - before[i]!, 0);
  const bad = drives.reduce((sum, d) => sum + d.non2xx + d.errors, 0);
  if (bad > 0) throw new Error(`run refused: ${bad} answers were not 2xx or failed`);
  const requests = drives.reduce((sum, d) => sum + d.requests, 0);
  return { rps: drives.reduce((sum, d) => sum + d.requests / d.seconds, 0), p99: Math.max(...drives.map((d) => d.p99)), cpuUs: cpu / requests };
}

export default async function postgres(): Promise<BenchReport> {
  if (!hasWrk()) return { name: 'postgres', lines: ['wrk is not installed (apt-get install wrk): this bench needs its scripted writes'], figures: {}, targets: [] };
  const dir = await mkdtemp(join(tmpdir(), 'bench-postgres-'));
  const servers: Server[] = [];
  let cluster: PostgresCluster | undefined;
  try {
    cluster = await startCluster({ fsync: true });
    cluster.sql('CREATE DATABASE bench');
    const url = cluster.url('bench');
    const embedded = await serve(['--data', join(dir, 'state.json')]);
    const a = await serve(['--store', url]);
    servers.push(embedded, a);
    const product = ((await get(a, '/api/v2/products?limit=1')).data as Array<{ id: string }>)[0]!.id;
    const reads = async (server: Server) => ['-H', `authorization: Bearer ${tenant.api_key}`, `${server.url}/api/v2/products/${product}`];
    const writes = async (server: Server) => ['-s', await writeScript(server, dir), server.url];

    // Warm-up, then alternating rounds so a slow spell of the machine lands on both.
    await drive([embedded], reads);
    await drive([a], reads);
    const runs: Record<string, Measured[]> = { embeddedReads: [], pgReads: [], embeddedWrites: [], pgWrites: [] };
    for (let round = 0; round < 2; round++) {
      runs.embeddedReads!.push(await drive([embedded], reads));
      runs.pgReads!.push(await drive([a], reads));
      runs.embeddedWrites!.push(await drive([embedded], writes));
      runs.pgWrites!.push(await drive([a], writes));
    }
    const b = await serve(['--store', url]);
    servers.push(b);
    const twoReads = await drive([a, b], reads);
    const twoWrites = await drive([a, b], writes);

    // Start time over the log these writes left, before and after it is folded (a replica that folds every 200 ms does it).
    const records = Number(cluster.sql('SELECT count(*) FROM sandbox_log', 'bench'));
    const unfolded = await startMs(url);
    const folder = await start(['--store', url], { SANDBOX_STORE_FOLD_EVERY_MS: '200' });
    for (const deadline = Date.now() + 60_000; Number(cluster.sql('SELECT count(*) FROM sandbox_log l LEFT JOIN sandbox_folds f ON f.tenant = l.tenant WHERE l.version > coalesce(f.version, 0)', 'bench')) >= 1000; ) {
      if (Date.now() > deadline) throw new Error('the log was not folded within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await folder.stop();
    const folded = await startMs(url);

    const mean = (ms: Measured[], pick: (m: Measured) => number) => ms.reduce((sum, m) => sum + pick(m), 0) / ms.length;
    const fig = (ms: Measured[]) => ({ rps: mean(ms, (m) => m.rps), p99: mean(ms, (m) => m.p99), cpu: mean(ms, (m) => m.cpuUs) });
    const er = fig(runs.embeddedReads!), pr = fig(runs.pgReads!), ew = fig(runs.embeddedWrites!), pw = fig(runs.pgWrites!);
    const line = (name: string, f: { rps: number; p99: number; cpu: number }) => `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(7)} /s  p99 ${f.p99.toFixed(1).padStart(6)} ms  ${f.cpu.toFixed(0).padStart(5)} µs sandbox CPU/request`;
    const readRatio = pr.rps / er.rps;
    return {
      name: 'postgres',
      lines: [
        line('reads, embedded store', er),
        line('reads, PostgreSQL store', pr),
        line('durable writes, embedded store', ew),
        line('durable writes, PostgreSQL store', pw),
        line('reads, 2 replicas on PostgreSQL', { rps: twoReads.rps, p99: twoReads.p99, cpu: twoReads.cpuUs }),
        line('writes, 2 replicas on PostgreSQL', { rps: twoWrites.rps, p99: twoWrites.p99, cpu: twoWrites.cpuUs }),
        `reads through PostgreSQL at ${readRatio.toFixed(2)}× the embedded store; 1 → 2 replicas: reads ${(twoReads.rps / pr.rps).toFixed(2)}×, writes ${(twoWrites.rps / pw.rps).toFixed(2)}× (one machine: the replicas, PostgreSQL and wrk share its cores)`,
        `start of a replica over a log of ${records} records: ${unfolded.toFixed(0)} ms; once it is folded: ${folded.toFixed(0)} ms`,
        `load: wrk -t1 -c${CONNECTIONS} (split between the replicas), ${seconds} s per run, unpinned; PostgreSQL ${cluster.sql('SHOW server_version')} with fsync on; rate limits lifted`,
      ],
      figures: { embedded_read_rps: er.rps, postgres_read_rps: pr.rps, embedded_write_rps: ew.rps, postgres_write_rps: pw.rps, two_replica_read_rps: twoReads.rps, two_replica_write_rps: twoWrites.rps, read_ratio: readRatio, log_records: records, start_unfolded_ms: unfolded, start_folded_ms: folded },
      targets: [
        { description: `reads through PostgreSQL ≥ 0.3× the embedded store (${readRatio.toFixed(2)}×)`, met: readRatio >= 0.3 },
        { description: `durable writes through PostgreSQL ≥ 2 000/s at ${CONNECTIONS} connections (${pw.rps.toFixed(0)})`, met: pw.rps >= 2000 },
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    try {
      cluster?.stop();
    } catch {
      // already stopped
    }
    if (cluster) await rm(cluster.dir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}
