// A typical GraphQL product query beside its REST equivalent, through the same sandbox in one run:
// `products(first: 20)` with the fields listProducts answers, against GET /api/v2/products?limit=20;
// and the same page with each product's brand and stock (links REST needs 1 + 20 + 20 calls for).
//
// Method as the throughput bench (bench/README.md): wrk on CPU 0 (a Lua script makes its requests
// POSTs), the sandbox on CPU 1, rate limits lifted, alternating slices, the sandbox's CPU per
// request from /proc. wrk is required: autocannon in one process would be the bottleneck.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { hasWrk, wrk, type Drive } from './load.ts';
import type { BenchReport } from './run.ts';
import { cpuMicros, pinToCpu, startSandboxServer } from './processes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SLICE_SECONDS = Math.min(2, seconds);
const ADMIN = 'bench-admin-token';
const PAGE = '{ products(first: 20) { nodes { id sku title price currency status brand_id category_id } } }';
const LINKED = '{ products(first: 20) { nodes { id sku title price currency brand { name } inventory { sku available } } } }';

export default async function graphqlBench(): Promise<BenchReport> {
  if (!hasWrk()) throw new Error('wrk is not installed (apt-get install wrk): autocannon in one process would measure itself.');
  const [tenant] = DEFAULT_TENANTS;
  const sandbox = await startSandboxServer(['--log-level', 'warn'], { SANDBOX_ADMIN_TOKEN: ADMIN });
  try {
    const lifted = await fetch(`${sandbox.url}/__sandbox/tenants/${tenant.id}/rate-limits`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { product_reads: 1_000_000_000 } }),
    });
    if (!lifted.ok) throw new Error(`lifting the rate limits answered ${lifted.status}: ${await lifted.text()}`);
    const auth = `Bearer ${tenant.api_key}`;
    const dir = await mkdtemp(join(tmpdir(), 'bench-graphql-'));
    const script = async (name: string, query: string) => {
      const file = join(dir, `${name}.lua`);
      await writeFile(file, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify({ query }))}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "${auth}"\n`);
      return file;
    };
    // Each answers what it should before anything is measured.
    const rest = await (await fetch(`${sandbox.url}/api/v2/products?limit=20`, { headers: { authorization: auth } })).json();
    for (const query of [PAGE, LINKED]) {
      const res = await fetch(`${sandbox.url}/graphql`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { data?: { products: { nodes: { id: string }[] } }; errors?: unknown };
      if (res.status !== 200 || body.errors || body.data!.products.nodes.map((p) => p.id).join() !== (rest.data as { id: string }[]).map((p) => p.id).join()) {
        throw new Error(`GraphQL answered ${res.status} ${JSON.stringify(body).slice(0, 300)}, not the REST page; nothing measured.`);
      }
    }
    const pinned = pinToCpu(process.pid, 0) && pinToCpu(sandbox.child.pid!, 1);
    const targets = [
      { name: 'REST page', args: ['-H', `authorization: ${auth}`, `${sandbox.url}/api/v2/products?limit=20`], slices: [] as Drive[], cpu: 0 },
      { name: 'GraphQL page', args: ['-s', await script('page', PAGE), `${sandbox.url}/graphql`], slices: [] as Drive[], cpu: 0 },
      { name: 'GraphQL linked', args: ['-s', await script('linked', LINKED), `${sandbox.url}/graphql`], slices: [] as Drive[], cpu: 0 },
    ];
    for (const t of targets) await wrk(t.args, 2, pinned);
    for (let left = seconds; left > 0; left -= SLICE_SECONDS) {
      for (const t of targets) {
        const before = cpuMicros(sandbox.child.pid!) ?? 0;
        t.slices.push(await wrk(t.args, Math.min(SLICE_SECONDS, left), pinned));
        t.cpu += (cpuMicros(sandbox.child.pid!) ?? 0) - before;
      }
    }
    const refused = targets.filter((t) => t.slices.some((s) => s.non2xx > 0 || s.errors > 0));
    if (refused.length) throw new Error(`run refused: non-2xx answers or socket errors on ${refused.map((t) => t.name).join(', ')}`);
    const f = targets.map((t) => {
      const requests = t.slices.reduce((sum, s) => sum + s.requests, 0);
      const time = t.slices.reduce((sum, s) => sum + s.seconds, 0);
      return { name: t.name, rps: requests / time, cpuUs: t.cpu / requests, p99: t.slices.map((s) => s.p99).sort((a, b) => a - b)[t.slices.length >> 1]! };
    });
    const [restF, page, linked] = f as [(typeof f)[0], (typeof f)[0], (typeof f)[0]];
    const ratio = page.rps / restF.rps;
    return {
      name: 'graphql',
      lines: [
        ...f.map((x) => `${x.name.padEnd(15)} ${x.rps.toFixed(0).padStart(7)} rps ${x.cpuUs.toFixed(1).padStart(7)} µs CPU/request  p99 ${x.p99.toFixed(2)} ms`),
        `GraphQL page at ${ratio.toFixed(2)}× the REST page's throughput; with brand and stock linked ${(linked.rps / restF.rps).toFixed(2)}× (REST would need 41 calls for that)`,
        `load: wrk -t1 -c32${pinned ? ' on CPU 0, sandbox on CPU 1' : ' (unpinned)'}; ${seconds} s each in ${SLICE_SECONDS} s slices; rate limits lifted`,
      ],
      figures: { rest_rps: restF.rps, graphql_rps: page.rps, graphql_linked_rps: linked.rps, rest_cpu_us: restF.cpuUs, graphql_cpu_us: page.cpuUs, graphql_vs_rest: ratio },
      targets: [{ description: 'a GraphQL product query ≥ 0.5× its REST equivalent (throughput)', met: ratio >= 0.5 }],
    };
  } finally {
    await sandbox.stop();
  }
}
