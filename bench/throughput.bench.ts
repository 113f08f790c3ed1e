// GET /api/v2/products/{id} with a valid key, through the sandbox's whole pipeline (auth, rate
// limiter, journal, validation, handler) against a bare hono server returning the same JSON.
// 32 connections, 10 s each (BENCH_SECONDS to change). Target: sandbox ≥ 0.5× bare hono.
import autocannon from 'autocannon';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import type { BenchReport } from './run.ts';
import { startSandboxServer, startServer } from './processes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const ADMIN = 'bench-admin-token';

async function drive(url: string, headers: Record<string, string>) {
  // A short warm-up so both servers are measured with a hot JIT.
  await autocannon({ url, connections: 32, duration: 2, headers });
  const r = await autocannon({ url, connections: 32, duration: seconds, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

export default async function throughput(): Promise<BenchReport> {
  const tenant = DEFAULT_TENANTS[0];
  const sandbox = await startSandboxServer([], { SANDBOX_ADMIN_TOKEN: ADMIN });
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

    const bare = await startServer(['--import', 'tsx', 'bench/bare-hono.ts'], { BENCH_PRODUCT_JSON: productJson });
    let hono;
    try {
      hono = await drive(`${bare.url}/api/v2/products/${id}`, {});
    } finally {
      await bare.stop();
    }
    const sbx = await drive(`${sandbox.url}/api/v2/products/${id}`, headers);
    const ratio = sbx.rps / hono.rps;
    return {
      name: 'throughput',
      lines: [
        `bare hono   ${hono.rps.toFixed(0).padStart(6)} rps   p50 ${hono.p50} ms   p99 ${hono.p99} ms`,
        `sandbox     ${sbx.rps.toFixed(0).padStart(6)} rps   p50 ${sbx.p50} ms   p99 ${sbx.p99} ms   non-2xx ${sbx.non2xx}   errors ${sbx.errors}`,
        `ratio       ${ratio.toFixed(2)}× (32 connections, ${seconds} s each, GET /api/v2/products/{id})`,
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
      },
      targets: [
        { description: 'sandbox ≥ 0.5× bare hono throughput', met: ratio >= 0.5 },
        { description: 'every sandbox response a 2xx (no throttling or errors measured)', met: sbx.non2xx === 0 && sbx.errors === 0 },
      ],
    };
  } finally {
    await sandbox.stop();
  }
}
