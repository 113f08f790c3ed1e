// GET /api/v2/products/{id} with a valid key, through the sandbox's whole pipeline (auth, rate
// limiter, journal, validation, handler) against a bare hono server returning the same JSON.
// 32 connections, 10 s each (BENCH_SECONDS to change). Target: sandbox ≥ 0.5× bare hono.
//
// The two are driven in alternating 2-second slices rather than one after the other: on a shared
// machine a slow spell would otherwise land on one of them only and swing the ratio. Both
// servers run the whole time (an idle server costs nothing), each in its own process. Where the
// machine allows, autocannon (this process) runs on CPU 0 and the servers on CPU 1.
import autocannon from 'autocannon';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import type { BenchReport } from './run.ts';
import { readFileSync } from 'node:fs';
import { pinToCpu, startSandboxServer, startServer } from './processes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SLICE_SECONDS = 2;
const ADMIN = 'bench-admin-token';

interface Slice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const slice = async (url: string, headers: Record<string, string>, duration: number): Promise<Slice> => {
  const r = await autocannon({ url, connections: 32, duration, headers });
  return { requests: r.requests.total, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summary(slices: Slice[]) {
  const requests = slices.reduce((sum, s) => sum + s.requests, 0);
  const time = slices.reduce((sum, s) => sum + s.seconds, 0);
  return {
    rps: requests / time,
    p50: median(slices.map((s) => s.p50)),
    p99: median(slices.map((s) => s.p99)),
    non2xx: slices.reduce((sum, s) => sum + s.non2xx, 0),
    errors: slices.reduce((sum, s) => sum + s.errors, 0),
  };
}

/**
 * CPU time (user + system) a process has used so far, in µs, from /proc/PID/stat; null where
 * there is no /proc. Steadier than rps on a shared machine: it counts the server's own work.
 */
function cpuMicros(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // Linux's USER_HZ

/** Runs a slice and adds the server's CPU time during it to `cpu`. */
async function measured(pid: number, cpu: { micros: number | null }, run: () => Promise<Slice>): Promise<Slice> {
  const before = cpuMicros(pid);
  const result = await run();
  const after = cpuMicros(pid);
  cpu.micros = before === null || after === null || cpu.micros === null ? null : cpu.micros + after - before;
  return result;
}

export default async function throughput(): Promise<BenchReport> {
  const tenant = DEFAULT_TENANTS[0];
  const sandbox = await startSandboxServer([], { SANDBOX_ADMIN_TOKEN: ADMIN });
  let bare: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    // Measure the pipeline, not throttling: lift the tenant's limits where the control API allows it.
    await fetch(`${sandbox.url}/__sandbox/tenants/${tenant.id}/rate-limits`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { product_reads: 1_000_000_000 } }),
    }).catch(() => undefined);
    const headers = { authorization: `Bearer ${tenant.api_key}` };
    const list = await (await fetch(`${sandbox.url}/api/v2/products?limit=1`, { headers })).json();
    const id = list.data[0].id as string;
    const productJson = await (await fetch(`${sandbox.url}/api/v2/products/${id}`, { headers })).text();
    bare = await startServer(['--import', 'tsx', 'bench/bare-hono.ts'], { BENCH_PRODUCT_JSON: productJson });
    const pinned = pinToCpu(process.pid, 0) && pinToCpu(sandbox.child.pid!, 1) && pinToCpu(bare.child.pid!, 1);
    const bareUrl = `${bare.url}/api/v2/products/${id}`;
    const sandboxUrl = `${sandbox.url}/api/v2/products/${id}`;

    // A short warm-up of each, so both are measured with a hot JIT.
    await slice(bareUrl, {}, 2);
    await slice(sandboxUrl, headers, 2);
    const bareSlices: Slice[] = [];
    const sandboxSlices: Slice[] = [];
    const bareCpu = { micros: 0 as number | null };
    const sandboxCpu = { micros: 0 as number | null };
    for (let left = seconds; left > 0; left -= SLICE_SECONDS) {
      const duration = Math.min(SLICE_SECONDS, left);
      bareSlices.push(await measured(bare.child.pid!, bareCpu, () => slice(bareUrl, {}, duration)));
      sandboxSlices.push(await measured(sandbox.child.pid!, sandboxCpu, () => slice(sandboxUrl, headers, duration)));
    }
    const perRequest = (cpu: { micros: number | null }, slices: Slice[]) =>
      cpu.micros === null ? null : cpu.micros / slices.reduce((sum, s) => sum + s.requests, 0);
    const bareUs = perRequest(bareCpu, bareSlices);
    const sandboxUs = perRequest(sandboxCpu, sandboxSlices);
    const hono = summary(bareSlices);
    const sbx = summary(sandboxSlices);
    const ratio = sbx.rps / hono.rps;
    const sliceRatios = sandboxSlices.map((s, i) => s.requests / s.seconds / (bareSlices[i]!.requests / bareSlices[i]!.seconds));
    return {
      name: 'throughput',
      lines: [
        `bare hono   ${hono.rps.toFixed(0).padStart(6)} rps   p50 ${hono.p50} ms   p99 ${hono.p99} ms`,
        `sandbox     ${sbx.rps.toFixed(0).padStart(6)} rps   p50 ${sbx.p50} ms   p99 ${sbx.p99} ms   non-2xx ${sbx.non2xx}   errors ${sbx.errors}`,
        `ratio       ${ratio.toFixed(2)}× (32 connections, ${seconds} s each in ${bareSlices.length} alternating slices, GET /api/v2/products/{id})`,
        `            slice ratios ${sliceRatios.map((r) => r.toFixed(2)).join(' ')} (p50/p99: median of the slices)`,
        bareUs === null || sandboxUs === null ? 'server CPU  (no /proc here)' : `server CPU  bare hono ${bareUs.toFixed(1)} µs per request · sandbox ${sandboxUs.toFixed(1)} µs per request`,
        pinned ? 'pinned      autocannon on CPU 0, the servers on CPU 1' : 'unpinned    (taskset unavailable or one core): figures swing more',
      ],
      figures: {
        hono_rps: hono.rps,
        hono_p50_ms: hono.p50,
        hono_p99_ms: hono.p99,
        sandbox_rps: sbx.rps,
        sandbox_p50_ms: sbx.p50,
        sandbox_p99_ms: sbx.p99,
        sandbox_non2xx: sbx.non2xx,
        ratio,
        slice_ratio_min: Math.min(...sliceRatios),
        slice_ratio_max: Math.max(...sliceRatios),
        ...(bareUs === null || sandboxUs === null ? {} : { hono_cpu_us_per_request: bareUs, sandbox_cpu_us_per_request: sandboxUs }),
      },
      targets: [
        { description: 'sandbox ≥ 0.5× bare hono throughput', met: ratio >= 0.5 },
        { description: 'every sandbox response a 2xx (no throttling or errors measured)', met: sbx.non2xx === 0 && sbx.errors === 0 },
      ],
    };
  } finally {
    await bare?.stop();
    await sandbox.stop();
  }
}
