// Durable writes against relaxed ones, side by side in one run: inventory patches and price
// updates at 32 connections, each sandbox on its own data file, driven by wrk (a Lua script that
// cycles through 100 items), pinned to CPU 0 with the servers on CPU 1, rate limits lifted.
// Then the same inventory patches against a tenant in peak-load, for the cost of a write to a
// 50 MB world. Targets (the durability issue): durable ≥ 5 000 writes/s and ≥ 0.5× relaxed; a
// write to a peak-load tenant costs < 1 ms of server CPU.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { CONNECTIONS, hasWrk, wrk } from './load.ts';
import { cpuMicros, pinToCpu, startServer, type Server } from './processes.ts';
import type { BenchReport } from './run.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const ADMIN = 'bench-admin-token';
const tenant = DEFAULT_TENANTS[0];
const partner = { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' };

interface Workload {
  name: string;
  /** The wrk script for this sandbox's items. */
  script(server: Server): Promise<string>;
}

async function get(server: Server, path: string): Promise<any> {
  const res = await fetch(`${server.url}${path}`, { headers: partner });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const lua = (method: string, items: string[], body: string) => `
local items = { ${items.join(', ')} }
local n = 0
request = function()
  n = n + 1
  local item = items[(n % #items) + 1]
  return wrk.format("${method}", item.path, { ["Authorization"] = "Bearer ${tenant.api_key}", ["Content-Type"] = "application/json" }, ${body})
end
`;

const inventoryPatches: Workload = {
  name: 'inventory patch',
  async script(server) {
    const skus = ((await get(server, '/api/v2/inventory?limit=100')).data as Array<{ sku: string }>).map((i) => i.sku);
    return lua('PATCH', skus.map((sku) => `{ path = "/api/v2/inventory/${encodeURIComponent(sku)}" }`), `'{"quantity":' .. (n % 500) .. ',"location":"loc_berlin"}'`);
  },
};

const priceUpdates: Workload = {
  name: 'price update',
  async script(server) {
    const products = ((await get(server, '/api/v2/products?limit=100')).data as Array<{ id: string; price: number; currency: string }>).filter((p) => p.price > 1);
    // Each item goes back and forth between its price and 1 % more: always within price protection.
    return lua(
      'PUT',
      products.map((p) => `{ path = "/api/v2/products/${p.id}/price", low = ${p.price}, high = ${Math.round(p.price * 101) / 100}, currency = "${p.currency}" }`),
      `'{"price":' .. ((n % 2 == 0) and item.low or item.high) .. ',"currency":"' .. item.currency .. '"}'`,
    );
  },
};

async function startWriter(dir: string, name: string, durability: 'durable' | 'relaxed', scenario?: string): Promise<Server> {
  const server = await startServer(['bin/marketplace-sandbox.js', 'serve', '--port', '0', '--data', join(dir, name, 'state.json'), '--durability', durability], { SANDBOX_ADMIN_TOKEN: ADMIN });
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  if (scenario) {
    const reset = await fetch(`${server.url}/__sandbox/reset`, { method: 'POST', headers: admin, body: JSON.stringify({ tenant_id: tenant.id, scenario }) });
    if (reset.status !== 200) throw new Error(`reset into ${scenario}: ${reset.status}`);
  }
  const limits = await fetch(`${server.url}/__sandbox/tenants/${tenant.id}/rate-limits`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ plan: 'enterprise', daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { inventory: 1_000_000_000, product_update: 1_000_000_000, product_reads: 1_000_000_000 } }),
  });
  if (limits.status !== 200) throw new Error(`lifting the rate limits: ${limits.status} ${await limits.text()}`);
  return server;
}

interface Measured {
  rps: number;
  p99: number;
  cpuPerWrite: number | null;
}

/** Drives `server` with the workload's script and reads the server's CPU time around it. */
async function measure(server: Server, workload: Workload, dir: string, pinned: boolean): Promise<Measured> {
  const scriptFile = join(dir, `${workload.name.replace(/\W/g, '-')}-${server.child.pid}.lua`);
  await writeFile(scriptFile, await workload.script(server));
  const before = cpuMicros(server.child.pid!);
  const drive = await wrk(['-s', scriptFile, server.url], seconds, pinned);
  const after = cpuMicros(server.child.pid!);
  if (drive.non2xx > 0 || drive.errors > 0) throw new Error(`${workload.name}: ${drive.non2xx} answers were not 2xx and ${drive.errors} failed; a bench of refused writes measures nothing`);
  return { rps: drive.requests / drive.seconds, p99: drive.p99, cpuPerWrite: before === null || after === null ? null : (after - before) / drive.requests };
}

export default async function writes(): Promise<BenchReport> {
  if (!hasWrk()) {
    return { name: 'writes', lines: ['wrk is not installed (apt-get install wrk): this bench needs its scripted writes'], figures: {}, targets: [] };
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-writes-'));
  const servers: Server[] = [];
  try {
    const durable = await startWriter(dir, 'durable', 'durable');
    const relaxed = await startWriter(dir, 'relaxed', 'relaxed');
    const peak = await startWriter(dir, 'peak', 'durable', 'peak-load');
    servers.push(durable, relaxed, peak);
    const pinned = servers.every((s) => pinToCpu(s.child.pid!, 1)) && pinToCpu(process.pid, 0);

    const lines: string[] = [`load: wrk -t1 -c${CONNECTIONS}, ${seconds} s per run${pinned ? ', on CPU 0; servers on CPU 1' : ' (unpinned)'}`];
    const figures: Record<string, number> = {};
    const targets: BenchReport['targets'] = [];
    for (const workload of [inventoryPatches, priceUpdates]) {
      // Alternating, twice each, so a slow spell of the machine does not land on one mode only.
      const runs = { durable: [] as Measured[], relaxed: [] as Measured[] };
      for (let round = 0; round < 2; round++) {
        runs.durable.push(await measure(durable, workload, dir, pinned));
        runs.relaxed.push(await measure(relaxed, workload, dir, pinned));
      }
      const mean = (ms: Measured[], pick: (m: Measured) => number | null) => ms.reduce((sum, m) => sum + (pick(m) ?? NaN), 0) / ms.length;
      const d = mean(runs.durable, (m) => m.rps);
      const r = mean(runs.relaxed, (m) => m.rps);
      const key = workload.name.replace(/\W/g, '_');
      lines.push(
        `${workload.name}: durable ${d.toFixed(0)} writes/s (p99 ${mean(runs.durable, (m) => m.p99).toFixed(1)} ms, ${mean(runs.durable, (m) => m.cpuPerWrite).toFixed(0)} µs CPU/write); ` +
          `relaxed ${r.toFixed(0)} writes/s (p99 ${mean(runs.relaxed, (m) => m.p99).toFixed(1)} ms, ${mean(runs.relaxed, (m) => m.cpuPerWrite).toFixed(0)} µs CPU/write); ratio ${(d / r).toFixed(2)}`,
      );
      figures[`${key}_durable_rps`] = Math.round(d);
      figures[`${key}_relaxed_rps`] = Math.round(r);
      figures[`${key}_durable_cpu_us`] = Math.round(mean(runs.durable, (m) => m.cpuPerWrite));
      targets.push(
        { description: `${workload.name}: durable ≥ 5 000 writes/s (${d.toFixed(0)})`, met: d >= 5000 },
        { description: `${workload.name}: durable ≥ 0.5× relaxed (${(d / r).toFixed(2)}×)`, met: d / r >= 0.5 },
      );
    }
    const onPeak = await measure(peak, inventoryPatches, dir, pinned);
    lines.push(`inventory patch on a peak-load tenant, durable: ${onPeak.rps.toFixed(0)} writes/s, p99 ${onPeak.p99.toFixed(1)} ms, ${onPeak.cpuPerWrite?.toFixed(0)} µs CPU/write`);
    figures.peak_load_durable_rps = Math.round(onPeak.rps);
    figures.peak_load_cpu_us_per_write = Math.round(onPeak.cpuPerWrite ?? NaN);
    targets.push({ description: `a write to a peak-load tenant costs < 1 ms of server CPU (${onPeak.cpuPerWrite?.toFixed(0)} µs)`, met: (onPeak.cpuPerWrite ?? Infinity) < 1000 });
    return { name: 'writes', lines, figures, targets };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
