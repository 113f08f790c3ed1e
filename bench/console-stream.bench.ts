// What a console watching the live journal costs the partner API: GET /api/v2/products/{id} with
// and without one console session streaming the tenant's journal (/console/api/__sandbox/requests/
// stream: at most 500 entries a second sent whole, the rest counted in `skipped` messages), in
// alternating slices of one run.
//
// Method as the throughput bench (bench/README.md): wrk (else autocannon in workers) and this
// process, which reads the stream, on CPU 0; the sandbox on CPU 1; rate limits lifted; the
// sandbox's CPU per request from /proc. A run with a non-2xx answer, or a stream that did not
// deliver the journal, is refused.
import { cpus } from 'node:os';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { CONNECTIONS, loadGenerator, type Drive } from './load.ts';
import type { BenchReport } from './run.ts';
import { cpuMicros, pinToCpu, startSandboxServer } from './processes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const SLICE_SECONDS = Math.min(2, seconds);
const ADMIN = 'bench-admin-token';

interface Side {
  name: string;
  slices: Drive[];
  cpu: number;
}

export default async function consoleStream(): Promise<BenchReport> {
  const [tenant] = DEFAULT_TENANTS;
  const sandbox = await startSandboxServer(['--log-level', 'warn'], { SANDBOX_ADMIN_TOKEN: ADMIN });
  let stream: { stop(): void; messages(): number } | undefined;
  try {
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const lifted = await fetch(`${sandbox.url}/__sandbox/tenants/${tenant.id}/rate-limits`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ daily_quota: 1_000_000_000, burst_per_minute: 1_000_000_000, groups: { product_reads: 1_000_000_000 } }),
    });
    if (!lifted.ok) throw new Error(`lifting the rate limits answered ${lifted.status}`);
    const headers = { authorization: `Bearer ${tenant.api_key}` };
    const id = ((await (await fetch(`${sandbox.url}/api/v2/products?limit=1`, { headers })).json()) as { data: { id: string }[] }).data[0]!.id;
    const url = `${sandbox.url}/api/v2/products/${id}`;

    // A console session, as a browser holds it: the cookie from the login.
    const login = await fetch(`${sandbox.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: sandbox.url }, body: JSON.stringify({ token: ADMIN }) });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (!login.ok || !cookie) throw new Error(`the console login answered ${login.status}: ${await login.text()}`);

    const pinned = pinToCpu(process.pid, 0) && pinToCpu(sandbox.child.pid!, 1);
    const load = loadGenerator(pinned, Math.max(2, cpus().length - 1));
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${sandbox.url}/console/api/__sandbox/requests/stream?tenant_id=${tenant.id}`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
      if (res.status !== 200 || !res.body) throw new Error(`the console's journal stream answered ${res.status}`);
      let count = 0;
      let text = '';
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      void (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            // Each entry sent, and each count of those the stream left out (over 500 a second).
            text += decoder.decode(value, { stream: true });
            const end = text.lastIndexOf('\n\n');
            if (end < 0) continue;
            for (const message of text.slice(0, end).split('\n\n')) {
              if (message.includes('event: request')) count += 1;
              else if (message.includes('event: skipped')) count += Number(/"skipped":(\d+)/.exec(message)?.[1] ?? 0);
            }
            text = text.slice(end + 2);
          }
        } catch {
          // aborted at the end of the slice
        }
      })();
      return { stop: () => controller.abort(), messages: () => count };
    };

    const sides: Side[] = [
      { name: 'no console', slices: [], cpu: 0 },
      { name: 'console streaming', slices: [], cpu: 0 },
    ];
    await load.drive(url, headers, 2); // warm-up
    let streamed = 0;
    let served = 0;
    // ABBA order, and the same pause after every slice, so neither side always follows the other.
    // Each round's ratio of its two slices: this machine's speed drifts by more than 5 % between
    // slices seconds apart, and a median of paired ratios follows the drift where totals do not.
    const roundRatios: number[] = [];
    let round = 0;
    for (let left = seconds; left > 0; left -= SLICE_SECONDS, round += 1) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        if (side.name === 'console streaming') stream = await open();
        const before = cpuMicros(sandbox.child.pid!) ?? 0;
        const drive = await load.drive(url, headers, Math.min(SLICE_SECONDS, left));
        side.cpu += (cpuMicros(sandbox.child.pid!) ?? 0) - before;
        side.slices.push(drive);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the stream's last messages (and the same pause for both sides)
        if (stream) {
          streamed += stream.messages();
          served += drive.requests;
          stream.stop();
          stream = undefined;
        }
      }
      const rate = (side: Side) => side.slices.at(-1)!.requests / side.slices.at(-1)!.seconds;
      roundRatios.push(rate(sides[1]!) / rate(sides[0]!));
    }
    const refusals: string[] = [];
    for (const side of sides) {
      const bad = side.slices.reduce((sum, s) => sum + s.non2xx + s.errors, 0);
      if (bad > 0) refusals.push(`${side.name}: ${bad} non-2xx answers or socket errors`);
    }
    // The stream must really have carried the load's requests, or the comparison means nothing.
    if (streamed < served * 0.99) refusals.push(`the console heard of ${streamed} requests (sent or counted as skipped) of ${served}`);
    if (refusals.length) throw new Error(`run refused: ${refusals.join('; ')}`);

    const figures = sides.map((side) => {
      const requests = side.slices.reduce((sum, s) => sum + s.requests, 0);
      const time = side.slices.reduce((sum, s) => sum + s.seconds, 0);
      return { name: side.name, rps: requests / time, cpuUs: side.cpu / requests };
    });
    const [bare, watched] = figures as [(typeof figures)[0], (typeof figures)[0]];
    const totalRatio = watched.rps / bare.rps;
    const sorted = [...roundRatios].sort((a, b) => a - b);
    const rpsRatio = sorted[sorted.length >> 1]!;
    const cpuRatio = watched.cpuUs / bare.cpuUs;
    return {
      name: 'console-stream',
      lines: [
        ...figures.map((f) => `${f.name.padEnd(18)} ${f.rps.toFixed(0).padStart(7)} rps ${f.cpuUs.toFixed(1).padStart(7)} µs CPU/request`),
        `with one console streaming the journal: ${(rpsRatio * 100).toFixed(1)} % of the throughput (median of ${sorted.length} paired slices, from ${(sorted[0]! * 100).toFixed(1)} to ${(sorted.at(-1)! * 100).toFixed(1)} %; ${(totalRatio * 100).toFixed(1)} % over the totals), ${(cpuRatio * 100).toFixed(1)} % of the CPU per request; the console heard of ${streamed} of ${served} requests (at most 500 a second sent whole, the rest counted)`,
        `load: ${load.description}; sandbox ${pinned ? 'on CPU 1' : 'unpinned'}; ${seconds} s each in ${SLICE_SECONDS} s slices; ${CONNECTIONS} connections; rate limits lifted`,
      ],
      figures: { no_console_rps: bare.rps, console_rps: watched.rps, no_console_cpu_us: bare.cpuUs, console_cpu_us: watched.cpuUs, throughput_ratio: rpsRatio },
      targets: [{ description: 'one console streaming the journal costs ≤ 5 % of throughput', met: rpsRatio >= 0.95 }],
    };
  } finally {
    stream?.stop();
    await sandbox.stop();
  }
}
