// What the sandbox counts for /metrics, as plain numbers in plain objects: the request path adds
// to them with a couple of lookups and a bucket scan, builds no string and calls no library.
// prom-client reads them only when /metrics is scraped (./exposition.ts).

/** Latency buckets of the request histogram, in seconds: the sandbox answers in well under a millisecond to a few seconds (injected latency). */
export const REQUEST_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Webhook attempts and state writes take longer: milliseconds to the attempt timeout. */
export const SLOW_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One histogram's cells: per-bucket counts (not cumulative), the sum and the count. */
export class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

/** The requests of one operation, tenant and status: their count is the histogram's. */
export interface RequestCell {
  readonly operation: string;
  readonly tenant: string;
  /** The HTTP status, or `dropped` for a connection closed without an answer (an injected timeout). */
  readonly status: string;
  readonly latency: Buckets;
}

/** Status 0 stands for a dropped connection in the per-status array. */
export const DROPPED = 0;

/** Requests by operation, tenant and status, with their latency. */
export class RequestTally {
  /** operationId → tenant id → cells indexed by status. */
  private readonly byOperation = new Map<string, Map<string, RequestCell[]>>();
  readonly cells: RequestCell[] = [];

  /** The tenants of one operation; look it up once per operation (the metrics policy does, at mount). */
  operation(operationId: string): Map<string, RequestCell[]> {
    let tenants = this.byOperation.get(operationId);
    if (!tenants) this.byOperation.set(operationId, (tenants = new Map()));
    return tenants;
  }

  /** Counts one answer (`status` DROPPED for none) that took `seconds`. */
  record(operationId: string, tenants: Map<string, RequestCell[]>, tenant: string, status: number, seconds: number): void {
    let byStatus = tenants.get(tenant);
    if (!byStatus) tenants.set(tenant, (byStatus = []));
    let cell = byStatus[status];
    if (!cell) {
      cell = { operation: operationId, tenant, status: status === DROPPED ? 'dropped' : String(status), latency: new Buckets(REQUEST_BUCKETS) };
      byStatus[status] = cell;
      this.cells.push(cell);
    }
    cell.latency.observe(seconds);
  }
}

/** Counts under a small set of label values (refusals, faults, webhook outcomes). */
export class LabelledCounts {
  readonly counts = new Map<string, { labels: Record<string, string>; value: number }>();
  /** The same counts under two keys (tenant, then policy or kind), so a count builds no key string. */
  private readonly byPair = new Map<string, Map<string, { labels: Record<string, string>; value: number }>>();

  add(key: string, labels: () => Record<string, string>): void {
    const known = this.counts.get(key);
    if (known) known.value++;
    else this.counts.set(key, { labels: labels(), value: 1 });
  }

  /** Counts one under `first` and `second` (labels made on the first count only). */
  addPair(first: string, second: string, labels: () => Record<string, string>): void {
    let inner = this.byPair.get(first);
    if (!inner) this.byPair.set(first, (inner = new Map()));
    const known = inner.get(second);
    if (known) known.value++;
    else {
      const cell = { labels: labels(), value: 1 };
      inner.set(second, cell);
      this.counts.set(`${first} ${second}`, cell);
    }
  }
}

/** Everything /metrics reports besides Node's own figures. */
export class SandboxTally {
  readonly requests = new RequestTally();
  /** 429s of the rate limiter, by tenant and the budget that refused. */
  readonly rateLimitRefusals = new LabelledCounts();
  /** Answers no operation made (404 route_not_found, 405), by status. */
  readonly unmatched = new LabelledCounts();
  /** Faults the fault-injection policy applied, by tenant and kind. */
  readonly injectedFaults = new LabelledCounts();
  /** Webhook delivery attempts by outcome (delivered, refused, unreachable) and their latency. */
  readonly webhookAttempts = new LabelledCounts();
  readonly webhookLatency = new Map<string, Buckets>();
  /** State file writes: their duration, and those that failed. */
  readonly storeWrites = new Buckets(SLOW_BUCKETS);
  storeWriteFailures = 0;
  /** Deliveries waiting to be (re)attempted, read when scraped. */
  webhookQueueDepth: () => number = () => 0;

  webhookAttempt(outcome: 'delivered' | 'refused' | 'unreachable', seconds: number): void {
    this.webhookAttempts.add(outcome, () => ({ outcome }));
    let buckets = this.webhookLatency.get(outcome);
    if (!buckets) this.webhookLatency.set(outcome, (buckets = new Buckets(SLOW_BUCKETS)));
    buckets.observe(seconds);
  }

  storeWrite(seconds: number, failed: boolean): void {
    this.storeWrites.observe(seconds);
    if (failed) this.storeWriteFailures++;
  }
}
