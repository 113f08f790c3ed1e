// Webhook fan-out: events from the sandbox's event bus to a receiver on 127.0.0.1 (its own
// process), through the real delivery queue (matching, signing, one lane per subscription, the
// delivery log). Two figures:
//   - deliveries/s: a burst of events fanned out to several subscriptions, first emit → last arrival;
//   - p95 event → delivery latency under a steady 2 000 deliveries/s.
// Target: ≥ 2 000 deliveries/s and p95 < 50 ms.
import { createSandbox } from '../src/server/app.ts';
import { DEFAULT_TENANTS } from '../src/store/store.ts';
import { startServer } from './processes.ts';
import type { BenchReport } from './run.ts';

const SUBSCRIPTIONS = 4;
const BURST_EVENTS = 5_000; // × 4 subscriptions = 20 000 deliveries
const STEADY_RATE = 2_000; // deliveries per second
const STEADY_SECONDS = 4;

type Arrival = [at: number, emittedAt: number];

const wallNow = () => performance.timeOrigin + performance.now();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export default async function webhooks(): Promise<BenchReport> {
  const receiver = await startServer(['bench/webhook-receiver.mjs']);
  // Quotas lifted like rate limits: the bench measures delivery, not the plan (deliveries are still counted).
  const sandbox = await createSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { enforceQuotas: false } });
  const tenant = DEFAULT_TENANTS[0];
  const stats = async (): Promise<Arrival[]> => ((await (await fetch(`${receiver.url}/stats`)).json()) as { arrivals: Arrival[] }).arrivals;
  /** Collects arrivals until `expected` have come in (bounded wait). */
  const collect = async (expected: number, timeoutMs: number): Promise<Arrival[]> => {
    const all: Arrival[] = [];
    const deadline = Date.now() + timeoutMs;
    while (all.length < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      all.push(...(await stats()));
    }
    return all;
  };
  let seq = 0;
  const emit = () => sandbox.events.emit(tenant.id, 'product.updated', { bench_emitted_at: wallNow(), seq: seq++ });

  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const res = await sandbox.app.request('/api/v2/webhooks', {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${receiver.url}/hooks/${i}`, events: ['product.*'] }),
      });
      if (res.status !== 201) throw new Error(`subscription: ${res.status} ${await res.text()}`);
    }

    // Warm-up: connections, JIT.
    for (let i = 0; i < 500; i++) emit();
    await collect(500 * SUBSCRIPTIONS, 30_000);

    // Burst: every event at once; the queue drains as fast as it can.
    const burstStart = wallNow();
    for (let i = 0; i < BURST_EVENTS; i++) emit();
    const burst = await collect(BURST_EVENTS * SUBSCRIPTIONS, 120_000);
    const burstEnd = Math.max(...burst.map(([at]) => at));
    const perSecond = burst.length / ((burstEnd - burstStart) / 1000);
    const burstLatency = burst.map(([at, sent]) => at - sent).sort((a, b) => a - b);

    // Steady load: STEADY_RATE deliveries/s, emitted every 5 ms.
    const eventsPerTick = STEADY_RATE / SUBSCRIPTIONS / 200;
    const ticks = STEADY_SECONDS * 200;
    let owed = 0;
    const steadyStart = wallNow();
    for (let tick = 0; tick < ticks; tick++) {
      owed += eventsPerTick;
      for (; owed >= 1; owed--) emit();
      const next = steadyStart + (tick + 1) * 5;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - wallNow())));
    }
    const steadyExpected = Math.round(eventsPerTick * ticks) * SUBSCRIPTIONS;
    const steady = await collect(steadyExpected, 60_000);
    const steadyLatency = steady.map(([at, sent]) => at - sent).sort((a, b) => a - b);
    const p95 = percentile(steadyLatency, 95);

    const log = Object.values(sandbox.store.tenant(tenant.id)!.state.deliveries);
    const failed = log.filter((d) => d.status !== 'succeeded').length;
    return {
      name: 'webhooks',
      lines: [
        `burst: ${BURST_EVENTS} events × ${SUBSCRIPTIONS} subscriptions = ${burst.length} deliveries in ${(burstEnd - burstStart).toFixed(0)} ms → ${perSecond.toFixed(0)} deliveries/s`,
        `  burst latency (queueing included): p50 ${percentile(burstLatency, 50).toFixed(1)} ms, p95 ${percentile(burstLatency, 95).toFixed(1)} ms`,
        `steady ${STEADY_RATE} deliveries/s for ${STEADY_SECONDS} s: ${steady.length}/${steadyExpected} delivered, event → delivery p50 ${percentile(steadyLatency, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, p99 ${percentile(steadyLatency, 99).toFixed(2)} ms`,
        `delivery log: ${log.length} deliveries, ${failed} not succeeded`,
      ],
      figures: {
        webhook_deliveries_per_second: Math.round(perSecond),
        webhook_burst_p95_ms: Number(percentile(burstLatency, 95).toFixed(1)),
        webhook_steady_p50_ms: Number(percentile(steadyLatency, 50).toFixed(2)),
        webhook_steady_p95_ms: Number(p95.toFixed(2)),
        webhook_steady_delivered: steady.length,
      },
      targets: [
        { description: `≥ 2000 deliveries/s (measured ${perSecond.toFixed(0)})`, met: perSecond >= 2000 },
        { description: `p95 event → delivery < 50 ms at ${STEADY_RATE}/s (measured ${p95.toFixed(2)} ms)`, met: p95 < 50 && steady.length === steadyExpected },
      ],
    };
  } finally {
    await sandbox.close();
    await receiver.stop();
  }
}
