// The control plane's speed, through HTTP against the sandbox in its own process: resets into
// `default` and `peak-load`, snapshot save and restore, and state export and import. Targets from
// the scenarios issue: a reset of `default` in < 10 ms and of `peak-load` in < 100 ms (median of
// the server's own `duration_ms`; the round trip, which adds JSON and the socket, is shown beside).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import type { BenchReport } from './run.ts';
import { startServer, startSandboxServer, type Server } from './processes.ts';

const ADMIN = 'bench-admin-token';
const RUNS = 30;

interface Timing {
  server: number;
  roundTrip: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;

/**
 * The first peak-load reset of one tenant on a new data file (the world built in a worker and
 * cached beside it) while another tenant reads products 4 at a time, then the same reset after a
 * restart on that data file (the world read from the cache).
 */
async function buildWhileServing(): Promise<{ lines: string[]; figures: Record<string, number>; targets: BenchReport['targets'] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-reset-'));
  const data = join(dir, 'state.json');
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const reader = { authorization: `Bearer ${DEFAULT_TENANTS[1].api_key}` };
  const start = () => startServer(['bin/marketplace-sandbox.js', 'serve', '--port', '0', '--data', data], { SANDBOX_ADMIN_TOKEN: ADMIN });
  const resetPeak = async (url: string) => {
    const started = performance.now();
    const res = await fetch(`${url}/__sandbox/reset`, { method: 'POST', headers, body: JSON.stringify({ tenant_id: DEFAULT_TENANTS[0].id, scenario: 'peak-load' }) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`reset into peak-load: ${res.status} ${JSON.stringify(json)}`);
    return { build_ms: json.build_ms as number, ms: performance.now() - started };
  };
  let server: Server | undefined;
  try {
    server = await start();
    // The reader measures the build's stall, not the limiter.
    await fetch(`${server.url}/__sandbox/tenants/${DEFAULT_TENANTS[1].id}/rate-limits`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { product_reads: 1_000_000_000 } }),
    });
    const latencies: number[] = [];
    let building = true;
    const readers = Array.from({ length: 4 }, async () => {
      while (building) {
        const started = performance.now();
        const res = await fetch(`${server!.url}/api/v2/products?limit=5`, { headers: reader });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`another tenant's read during the build answered ${res.status}`);
        latencies.push(performance.now() - started);
      }
    });
    const url = server.url;
    const first = await resetPeak(url).finally(() => (building = false));
    await Promise.all(readers);
    // Back to default before the stop, so the restart does not load peak-load for this tenant at start.
    await fetch(`${url}/__sandbox/reset`, { method: 'POST', headers, body: JSON.stringify({ tenant_id: DEFAULT_TENANTS[0].id, scenario: 'default' }) });
    await server.stop();
    server = await start();
    const afterRestart = await resetPeak(server.url);
    const readP99 = p99(latencies);
    return {
      lines: [
        `reset peak-load on a new data file: ${first.ms.toFixed(0)} ms (built in a worker); meanwhile ${latencies.length} reads of another tenant, p50 ${median(latencies).toFixed(1)} ms, p99 ${readP99.toFixed(1)} ms`,
        `reset peak-load, first after a restart (world cache): ${afterRestart.ms.toFixed(0)} ms round trip`,
      ],
      figures: { peak_build_ms: Math.round(first.ms), peak_build_other_tenant_p99_ms: +readP99.toFixed(1), peak_after_restart_ms: Math.round(afterRestart.ms) },
      targets: [
        { description: `another tenant's p99 stays < 20 ms while peak-load builds (${readP99.toFixed(1)} ms)`, met: readP99 < 20 },
        { description: `after a restart the first peak-load reset takes < 500 ms (${afterRestart.ms.toFixed(0)} ms)`, met: afterRestart.ms < 500 },
      ],
    };
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function reset(): Promise<BenchReport> {
  const building = await buildWhileServing();
  const tenant = DEFAULT_TENANTS[0].id;
  const sandbox = await startSandboxServer([], { SANDBOX_ADMIN_TOKEN: ADMIN });
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const control = async (method: string, path: string, body?: unknown): Promise<{ json: any; ms: number; bytes: number }> => {
    const started = performance.now();
    const res = await fetch(`${sandbox.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return { json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, ms, bytes: Buffer.byteLength(text) };
  };
  const resets = async (scenario: string): Promise<Timing[]> => {
    const timings: Timing[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { json, ms } = await control('POST', '/__sandbox/reset', { tenant_id: tenant, scenario });
      timings.push({ server: json.duration_ms, roundTrip: ms });
    }
    return timings;
  };
  const line = (label: string, t: Timing[]) =>
    `${label.padEnd(34)} server median ${median(t.map((x) => x.server)).toFixed(2)} ms, p95 ${p95(t.map((x) => x.server)).toFixed(2)} ms; round trip median ${median(t.map((x) => x.roundTrip)).toFixed(2)} ms`;

  try {
    const defaults = await resets('default');
    const firstPeak = await control('POST', '/__sandbox/reset', { tenant_id: tenant, scenario: 'peak-load' });
    const peak = await resets('peak-load');

    // Snapshots and export/import, of the default world and of the peak-load one.
    const figures: Record<string, number> = {};
    const lines: string[] = [];
    for (const scenario of ['default', 'peak-load']) {
      await control('POST', '/__sandbox/reset', { tenant_id: tenant, scenario });
      const save: number[] = [];
      const restore: number[] = [];
      for (let i = 0; i < 10; i++) {
        save.push((await control('POST', `/__sandbox/snapshots`, { name: `bench-${scenario}`, tenant_id: tenant })).ms);
        restore.push((await control('POST', `/__sandbox/snapshots/bench-${scenario}/restore?tenant_id=${tenant}`)).ms);
      }
      await control('DELETE', `/__sandbox/snapshots/bench-${scenario}?tenant_id=${tenant}`);
      const exported = await control('GET', `/__sandbox/state?tenant_id=${tenant}`);
      const body = typeof exported.json === 'string' ? exported.json : JSON.stringify(exported.json);
      const imported = await control('PUT', `/__sandbox/state?tenant_id=${tenant}`, body);
      const key = scenario.replace('-', '_');
      figures[`${key}_snapshot_save_median_ms`] = +median(save).toFixed(2);
      figures[`${key}_snapshot_restore_median_ms`] = +median(restore).toFixed(2);
      figures[`${key}_export_ms`] = Math.round(exported.ms);
      figures[`${key}_export_kb`] = Math.round(exported.bytes / 1024);
      figures[`${key}_import_ms`] = Math.round(imported.ms);
      lines.push(
        `${scenario}: snapshot save median ${median(save).toFixed(1)} ms, restore median ${median(restore).toFixed(1)} ms (round trips, 10 each)`,
        `${scenario}: export ${(exported.bytes / 1024).toFixed(0)} KB in ${exported.ms.toFixed(0)} ms, import (validated) in ${imported.ms.toFixed(0)} ms`,
      );
    }

    const defaultMedian = median(defaults.map((t) => t.server));
    const peakMedian = median(peak.map((t) => t.server));
    return {
      name: 'reset',
      lines: [
        line(`reset default (${RUNS} runs)`, defaults),
        `reset peak-load, first (builds the world): ${firstPeak.json.build_ms} ms building, ${firstPeak.ms.toFixed(0)} ms round trip`,
        line(`reset peak-load (${RUNS} runs)`, peak),
        ...lines,
        ...building.lines,
      ],
      figures: {
        reset_default_median_ms: +defaultMedian.toFixed(2),
        reset_default_p95_ms: +p95(defaults.map((t) => t.server)).toFixed(2),
        reset_peak_load_build_ms: firstPeak.json.build_ms,
        reset_peak_load_median_ms: +peakMedian.toFixed(2),
        reset_peak_load_p95_ms: +p95(peak.map((t) => t.server)).toFixed(2),
        ...figures,
        ...building.figures,
      },
      targets: [
        ...building.targets,
        { description: `a reset of default takes < 10 ms (median of ${RUNS})`, met: defaultMedian < 10 },
        { description: `a reset of peak-load takes < 100 ms (median of ${RUNS}, world already built)`, met: peakMedian < 100 },
      ],
    };
  } finally {
    await sandbox.stop();
  }
}
