// Latencies of one operation in an HDR histogram (hdr-histogram-js): constant memory however long
// the run, 3 significant digits at every scale, exact percentiles. Values are recorded in
// microseconds so sub-millisecond answers of a local sandbox stay distinguishable; everything
// this module hands out is in milliseconds.
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  min_ms: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p95_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/** One point of the percentile curve: `percentile` % of requests took at most `ms`. */
export interface PercentilePoint {
  percentile: number;
  ms: number;
}

export interface HistogramBucket {
  from_ms: number;
  to_ms: number;
  count: number;
}

/** Percentiles a report plots: dense where tails live (90 … 99.99). */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100];

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;

  constructor() {
    // autoResize: a target that hangs for minutes still records, without a fixed ceiling.
    this.histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });
  }

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Latency (ms) below which `percentile` % of the recorded requests fall; 0 when empty. */
  at(percentile: number): number {
    if (this.count === 0) return 0;
    return round(this.histogram.getValueAtPercentile(percentile) / 1000);
  }

  summary(): LatencySummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      min_ms: empty ? 0 : round(this.histogram.minNonZeroValue / 1000),
      mean_ms: empty ? 0 : round(this.histogram.mean / 1000),
      p50_ms: this.at(50),
      p90_ms: this.at(90),
      p95_ms: this.at(95),
      p99_ms: this.at(99),
      p999_ms: this.at(99.9),
      max_ms: empty ? 0 : round(this.histogram.maxValue / 1000),
    };
  }

  percentileCurve(): PercentilePoint[] {
    if (this.count === 0) return [];
    return CURVE_PERCENTILES.map((percentile) => ({ percentile, ms: this.at(percentile) }));
  }

  /**
   * Counts per latency band, bands growing geometrically from the fastest to the slowest request,
   * so a fast bulk and a slow tail both stay visible in one chart.
   */
  buckets(bands = 24): HistogramBucket[] {
    if (this.count === 0) return [];
    const lowest = Math.max(this.histogram.minNonZeroValue, 1);
    const highest = Math.max(this.histogram.maxValue, lowest + 1);
    const ratio = Math.pow(highest / lowest, 1 / bands);
    const edges = Array.from({ length: bands + 1 }, (_, i) => lowest * Math.pow(ratio, i));
    edges[bands] = highest;
    const counts = new Array<number>(bands).fill(0);
    for (const { value, count } of this.recorded()) {
      let band = ratio > 1 ? Math.floor(Math.log(value / lowest) / Math.log(ratio)) : 0;
      band = Math.min(Math.max(band, 0), bands - 1);
      counts[band]! += count;
    }
    return counts.map((count, i) => ({ from_ms: round(edges[i]! / 1000), to_ms: round(edges[i + 1]! / 1000), count }));
  }

  /** Adds every value of another histogram (e.g. per-operation histograms into the run total). */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  private *recorded(): Generator<{ value: number; count: number }> {
    // The JS implementation (the default build) exposes its recorded-values iterator.
    const iterator = (this.histogram as unknown as hdr.JsHistogram).recordedValuesIterator;
    iterator.reset();
    while (iterator.hasNext()) {
      const step = iterator.next();
      yield { value: step.valueIteratedTo, count: step.countAtValueIteratedTo };
    }
  }
}
