// /metrics in the Prometheus text format: prom-client's registry with Node's default metrics
// (event-loop lag, heap, GC, CPU) and the sandbox's tallies (./tally.ts), which it reads when
// scraped. Loaded after the server listens (or by the first scrape), so a start does not pay for
// prom-client.
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import { Buckets, type SandboxTally } from './tally.ts';

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A metric whose samples are made when scraped. prom-client's own Counter and Histogram hash
 * their label values on every inc/observe, which the request path must not pay; the registry
 * asks a metric only for its name, help, type and samples (`get()`), so the tallies are exposed
 * through that contract.
 */
function collected(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => Sample[]): Metric {
  const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }) };
  return metric as unknown as Metric; // the registry's documented shape; the typings only name its own classes
}

/** A histogram's samples: cumulative buckets, +Inf, the sum and the count. */
function histogramSamples(name: string, labels: Record<string, string>, buckets: Buckets, into: Sample[]): void {
  let cumulative = 0;
  for (let i = 0; i < buckets.bounds.length; i++) {
    cumulative += buckets.counts[i]!;
    into.push({ metricName: `${name}_bucket`, labels: { ...labels, le: buckets.bounds[i]! }, value: cumulative });
  }
  into.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: buckets.count });
  into.push({ metricName: `${name}_sum`, labels, value: buckets.sum });
  into.push({ metricName: `${name}_count`, labels, value: buckets.count });
}

export class MetricsExposition {
  private readonly registry = new Registry();

  constructor(tally: SandboxTally) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    r.registerMetric(
      collected('sandbox_requests_total', 'Requests answered (or dropped) by operation, tenant and status.', 'counter', () =>
        tally.requests.cells.map((cell) => ({ labels: { operation: cell.operation, tenant: cell.tenant, status: cell.status }, value: cell.latency.count })),
      ),
    );
    r.registerMetric(
      collected('sandbox_request_duration_seconds', 'Time from arrival to answer, by operation, tenant and status.', 'histogram', () => {
        const samples: Sample[] = [];
        for (const cell of tally.requests.cells) {
          histogramSamples('sandbox_request_duration_seconds', { operation: cell.operation, tenant: cell.tenant, status: cell.status }, cell.latency, samples);
        }
        return samples;
      }),
    );
    r.registerMetric(
      collected('sandbox_unmatched_requests_total', 'Requests no operation matches: 404 route_not_found, 405 method_not_allowed.', 'counter', () =>
        [...tally.unmatched.counts.values()].map(({ labels, value }) => ({ labels, value })),
      ),
    );
    r.registerMetric(
      collected('sandbox_rate_limit_refusals_total', 'Requests the rate limiter refused (429), by tenant and the budget that refused.', 'counter', () =>
        [...tally.rateLimitRefusals.counts.values()].map(({ labels, value }) => ({ labels, value })),
      ),
    );
    r.registerMetric(
      collected('sandbox_injected_faults_total', 'Faults injected into requests (latency, error, every_nth, timeout), by tenant and kind.', 'counter', () =>
        [...tally.injectedFaults.counts.values()].map(({ labels, value }) => ({ labels, value })),
      ),
    );
    r.registerMetric(
      collected('sandbox_webhook_deliveries_total', 'Webhook delivery attempts by outcome: delivered (2xx), refused (another status), unreachable (no answer).', 'counter', () =>
        [...tally.webhookAttempts.counts.values()].map(({ labels, value }) => ({ labels, value })),
      ),
    );
    r.registerMetric(
      collected('sandbox_webhook_delivery_duration_seconds', 'Duration of webhook delivery attempts, by outcome.', 'histogram', () => {
        const samples: Sample[] = [];
        for (const [outcome, buckets] of tally.webhookLatency) histogramSamples('sandbox_webhook_delivery_duration_seconds', { outcome }, buckets, samples);
        return samples;
      }),
    );
    r.registerMetric(
      collected('sandbox_webhook_queue_depth', 'Webhook deliveries pending: waiting for their first attempt or a retry.', 'gauge', () => [{ labels: {}, value: tally.webhookQueueDepth() }]),
    );
    r.registerMetric(
      collected('sandbox_store_write_duration_seconds', 'Duration of writes of the state file (serialise and write).', 'histogram', () => {
        const samples: Sample[] = [];
        histogramSamples('sandbox_store_write_duration_seconds', {}, tally.storeWrites, samples);
        return samples;
      }),
    );
    r.registerMetric(
      collected('sandbox_store_write_failures_total', 'Writes of the state file that failed (the sandbox serves on from memory).', 'counter', () => [{ labels: {}, value: tally.storeWriteFailures }]),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
