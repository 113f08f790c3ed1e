// The sandbox's metrics: the tallies the request path, the webhook queue and the store add to
// (./tally.ts), and their exposition in the Prometheus text format (./exposition.ts, prom-client),
// loaded off the start. Served at GET /metrics (src/server/app.ts); docs/operating.md lists them.
import { SandboxTally } from './tally.ts';
import type { MetricsExposition } from './exposition.ts';

export { SandboxTally } from './tally.ts';

export class SandboxMetrics {
  readonly tally = new SandboxTally();
  private exposition: Promise<MetricsExposition> | undefined;

  /** Loads prom-client and starts Node's default metrics (event-loop lag among them); idempotent. */
  prepare(): Promise<MetricsExposition> {
    return (this.exposition ??= import('./exposition.ts').then(({ MetricsExposition }) => new MetricsExposition(this.tally)));
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    const exposition = await this.prepare();
    return { text: await exposition.text(), contentType: exposition.contentType };
  }
}
