// GET /api/v2/products/{id} with a valid key through the sandbox's whole pipeline, beside bare
// hono returning the same JSON and Prism's mock of the same spec, all in one run; and the
// sandbox's error answers, a 404 (an unknown product) and a 429 (a tenant over its quota), which
// a connector in a retry storm meets by the thousand.
//
// Method (bench/README.md): wrk (else autocannon in workers) on CPU 0, every server on CPU 1; rate
// limits lifted for the 200 and 404 paths; the targets driven in alternating slices, so a slow
// spell of a shared machine hits all of them; each server's CPU time per request from /proc (user
// + system), which is steadier than rps. A run with an answer it did not ask for (a non-2xx on a
// 200 path, another status on an error path, a socket error) is refused: no figures.
import { cpus } from 'node:os';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { CONNECTIONS, loadGenerator, type Drive } from './load.ts';
import type { BenchReport } from './run.ts';
import { cpuMicros, pinToCpu, startSandboxServer, startServer, type Server } from './processes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SLICE_SECONDS = Math.min(2, seconds);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ADMIN = 'bench-admin-token';
/** Extra `serve` options for the sandbox (e.g. --log-level warn); by default it runs as shipped. */
const SANDBOX_ARGS = (process.env.BENCH_SANDBOX_ARGS ?? '').split(' ').filter(Boolean);


interface Target {
  name: string;
  server: Server;
  url: string;
  headers: Record<string, string>;
  /** The status every answer must have: 200 (any non-2xx refuses the run), or the error it measures. */
  expect: 200 | 404 | 429;
  slices: Drive[];
  cpu: number | null;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  cpuUs: number | null;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function figuresOf(t: Target): Figures {
  const requests = t.slices.reduce((sum, s) => sum + s.requests, 0);
  const time = t.slices.reduce((sum, s) => sum + s.seconds, 0);
  return { rps: requests / time, p50: median(t.slices.map((s) => s.p50)), p99: median(t.slices.map((s) => s.p99)), requests, cpuUs: t.cpu === null ? null : t.cpu / requests };
}

/** sandbox_requests_total by "operation tenant status", from the sandbox's /metrics. */
async function requestCounts(sandbox: Server): Promise<Map<string, number>> {
  const text = await (await fetch(`${sandbox.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^sandbox_requests_total\{operation="([^"]*)",tenant="([^"]*)",status="([^"]*)"\} (\d+)/gm)) {
    counts.set(`${m[1]} ${m[2]} ${m[3]}`, Number(m[4]));
  }
  return counts;
}

async function setLimits(sandbox: Server, tenant: string, limits: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.url}/__sandbox/tenants/${tenant}/rate-limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(limits),
  });
  if (!res.ok) throw new Error(`setting the rate limits of ${tenant} answered ${res.status}: ${await res.text()}`);
}

export default async function throughput(): Promise<BenchReport> {
  const [open, throttled] = DEFAULT_TENANTS;
  const servers: Server[] = [];
  try {
    const sandbox = await startSandboxServer(SANDBOX_ARGS, { SANDBOX_ADMIN_TOKEN: ADMIN });
    servers.push(sandbox);
    // Measure the pipeline, not throttling: lift the first tenant's limits. The second tenant is
    // over its daily quota after one request, so every request of the 429 path is refused.
    await setLimits(sandbox, open.id, { daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { product_reads: 1_000_000_000 } });
    await setLimits(sandbox, throttled.id, { daily_quota: 1 });
    const headers = { authorization: `Bearer ${open.api_key}` };
    const list = await (await fetch(`${sandbox.url}/api/v2/products?limit=1`, { headers })).json();
    const id = list.data[0].id as string;
    const productJson = await (await fetch(`${sandbox.url}/api/v2/products/${id}`, { headers })).text();
    await fetch(`${sandbox.url}/api/v2/products/${id}`, { headers: { authorization: `Bearer ${throttled.api_key}` } }); // uses up its quota

    const bare = await startServer(['--import', 'tsx', 'bench/bare-hono.ts'], { BENCH_PRODUCT_JSON: productJson });
    servers.push(bare);
    const prism = await startServer(['--import', 'tsx', 'bench/prism-mock.ts']);
    servers.push(prism);
    const pinned = pinToCpu(process.pid, 0) && servers.every((s) => pinToCpu(s.child.pid!, 1));
    const load = loadGenerator(pinned, Math.max(2, cpus().length - 1));

    const target = (name: string, server: Server, path: string, h: Record<string, string>, expect: Target['expect']): Target => ({
      name,
      server,
      url: `${server.url}${path}`,
      headers: h,
      expect,
      slices: [],
      cpu: 0,
    });
    const targets = [
      target('bare hono', bare, `/api/v2/products/${id}`, {}, 200),
      target('sandbox', sandbox, `/api/v2/products/${id}`, headers, 200),
      target('sandbox 404', sandbox, '/api/v2/products/prod_notthere', headers, 404),
      target('sandbox 429', sandbox, `/api/v2/products/${id}`, { authorization: `Bearer ${throttled.api_key}` }, 429),
      target('Prism mock', prism, `/api/v2/products/${id}`, headers, 200),
    ];
    for (const t of targets) {
      const check = await fetch(t.url, { headers: t.headers });
      await check.arrayBuffer();
      if (check.status !== t.expect) throw new Error(`${t.name}: GET ${t.url} answered ${check.status}, not ${t.expect}; nothing measured.`);
    }

    // A warm-up of each, so all are measured with a hot JIT; then the alternating slices.
    for (const t of targets) await load.drive(t.url, t.headers, WARMUP_SECONDS);
    const before = await requestCounts(sandbox);
    for (let left = seconds; left > 0; left -= SLICE_SECONDS) {
      const duration = Math.min(SLICE_SECONDS, left);
      for (const t of targets) {
        const cpuBefore = cpuMicros(t.server.child.pid!);
        t.slices.push(await load.drive(t.url, t.headers, duration));
        const cpuAfter = cpuMicros(t.server.child.pid!);
        t.cpu = cpuBefore === null || cpuAfter === null || t.cpu === null ? null : t.cpu + cpuAfter - cpuBefore;
      }
    }
    const after = await requestCounts(sandbox);

    // Refuse a run with answers it did not ask for.
    const refusals: string[] = [];
    for (const t of targets) {
      const errors = t.slices.reduce((sum, s) => sum + s.errors, 0);
      const non2xx = t.slices.reduce((sum, s) => sum + s.non2xx, 0);
      if (errors > 0) refusals.push(`${t.name}: ${errors} socket errors or timeouts`);
      if (t.expect === 200 && non2xx > 0) refusals.push(`${t.name}: ${non2xx} non-2xx answers`);
      if (t.expect !== 200 && non2xx < t.slices.reduce((sum, s) => sum + s.requests, 0)) refusals.push(`${t.name}: some answers were 2xx, not ${t.expect}`);
    }
    // The sandbox's own count says which statuses it answered: only the asked-for ones may have grown.
    const allowed = new Set([`getProduct ${open.id} 200`, `getProduct ${open.id} 404`, `getProduct ${throttled.id} 429`]);
    for (const [cell, count] of after) {
      const grown = count - (before.get(cell) ?? 0);
      if (grown > 0 && !allowed.has(cell) && !cell.startsWith('getReady ')) refusals.push(`sandbox answered ${grown} × ${cell.replace(/ (\S+)$/, ' status $1')}`);
    }
    if (refusals.length > 0) throw new Error(`run refused, its answers were not all the asked-for ones: ${refusals.join('; ')}`);

    const f = new Map(targets.map((t) => [t.name, figuresOf(t)]));
    const us = (name: string) => f.get(name)!.cpuUs;
    const sbx = us('sandbox');
    const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
    const vsHono = ratio(us('bare hono'), sbx); // CPU per request: hono's over the sandbox's
    const vsPrism = ratio(us('Prism mock'), sbx);
    const cost404 = ratio(us('sandbox 404'), sbx);
    const cost429 = ratio(us('sandbox 429'), sbx);
    const fmt = (n: number | null, digits = 1) => (n === null ? '–' : n.toFixed(digits));
    const lines = [
      `${'target'.padEnd(12)} ${'rps'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(11)}`,
      ...targets.map((t) => {
        const x = f.get(t.name)!;
        return `${t.name.padEnd(12)} ${x.rps.toFixed(0).padStart(7)} ${fmt(x.p50, 2).padStart(7)} ${fmt(x.p99, 2).padStart(7)} ${fmt(x.cpuUs).padStart(11)}`;
      }),
      `CPU per request: sandbox ${fmt(vsHono, 2)}× bare hono's efficiency, ${fmt(vsPrism, 0)}× Prism's; a 404 costs ${fmt(cost404, 2)}× a 200, a 429 ${fmt(cost429, 2)}×`,
      `load: ${load.description}; servers ${pinned ? 'on CPU 1' : 'unpinned (taskset unavailable or one core): figures swing more'}; ${seconds} s each in ${targets[0]!.slices.length} alternating slices after ${WARMUP_SECONDS} s of warm-up; ${CONNECTIONS} connections`,
      `sandbox: serve --memory${SANDBOX_ARGS.length ? ` ${SANDBOX_ARGS.join(' ')}` : ''} (log level ${SANDBOX_ARGS.includes('--log-level') ? SANDBOX_ARGS[SANDBOX_ARGS.indexOf('--log-level') + 1] : 'info: one JSON line per request'}), rate limits lifted but on the 429 path`,
    ];
    const figures: Record<string, number> = {};
    for (const [name, x] of f) {
      const key = name.toLowerCase().replace(/\W+/g, '_');
      figures[`${key}_rps`] = x.rps;
      figures[`${key}_p50_ms`] = x.p50;
      figures[`${key}_p99_ms`] = x.p99;
      if (x.cpuUs !== null) figures[`${key}_cpu_us_per_request`] = x.cpuUs;
    }
    if (vsHono !== null) figures.sandbox_vs_hono_cpu = vsHono;
    if (vsPrism !== null) figures.sandbox_vs_prism_cpu = vsPrism;
    if (cost404 !== null) figures.cost_404_vs_200 = cost404;
    if (cost429 !== null) figures.cost_429_vs_200 = cost429;
    return {
      name: 'throughput',
      lines,
      figures,
      targets: [
        { description: 'sandbox ≥ 0.75× bare hono (CPU per request)', met: vsHono !== null && vsHono >= 0.75 },
        { description: 'sandbox ≥ 25× Prism\'s mock (CPU per request)', met: vsPrism !== null && vsPrism >= 25 },
        { description: 'a 404 costs ≤ 1.2× a 200 (CPU per request)', met: cost404 !== null && cost404 <= 1.2 },
        { description: 'a 429 costs ≤ 1.2× a 200 (CPU per request)', met: cost429 !== null && cost429 <= 1.2 },
      ],
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
