/**
 * LatencySummary builders: exact (interpolated quantiles over every sample) for short runs, and a recorder backed
 * by an HDR histogram for long runs, which keeps exact samples only up to a limit. Both bucket the distribution
 * on a 1-2-5 scale for charts.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary, SamplePoint } from '../report/schema.ts';
import { mean, quantileSorted, sortedFinite } from './stats.ts';

/** Upper bounds in ms: 0.01, 0.02, 0.05, 0.1, ... 500000, then +Infinity. */
export const BUCKET_BOUNDS: readonly number[] = (() => {
  const out: number[] = [];
  for (let decade = 0.01; decade <= 100_000; decade *= 10) {
    for (const m of [1, 2, 5]) out.push(Number((decade * m).toPrecision(3)));
  }
  out.push(Number.POSITIVE_INFINITY);
  return out;
})();

export function bucketIndex(ms: number): number {
  for (let i = 0; i < BUCKET_BOUNDS.length; i++) if (ms <= BUCKET_BOUNDS[i]!) return i;
  return BUCKET_BOUNDS.length - 1;
}

/**
 * [upper bound, count] from the first to the last non-empty bucket (empty ones in between kept for charts).
 * The overflow bucket past the grid ends at `max` (JSON has no Infinity).
 */
export function histogramFromCounts(counts: readonly number[], max: number): Array<[number, number]> {
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  const out: Array<[number, number]> = [];
  for (let i = first; i <= last; i++) out.push([Number.isFinite(BUCKET_BOUNDS[i]!) ? BUCKET_BOUNDS[i]! : max, counts[i]!]);
  return out;
}

function emptySummary(errors: number): LatencySummary {
  return { count: 0, errors, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0, histogram: [] };
}

/** Exact summary of latency samples in ms (non-finite samples are ignored). */
export function summarizeLatencies(samplesMs: readonly number[], errors = 0): LatencySummary {
  const s = sortedFinite(samplesMs);
  if (s.length === 0) return emptySummary(errors);
  const counts = new Array<number>(BUCKET_BOUNDS.length).fill(0);
  for (const v of s) counts[bucketIndex(v)]!++;
  return {
    count: s.length, errors,
    min: s[0]!, p50: quantileSorted(s, 0.5), p90: quantileSorted(s, 0.9), p99: quantileSorted(s, 0.99), max: s.at(-1)!,
    mean: mean(s),
    histogram: histogramFromCounts(counts, s.at(-1)!),
  };
}

export interface LatencyRecorderOptions {
  /** Keep every sample (exact quantiles) up to this many; past it quantiles come from the HDR histogram. */
  exactLimit?: number;
  /** Significant digits of the HDR histogram (3 = 0.1% precision). */
  significantDigits?: 1 | 2 | 3 | 4 | 5;
}

/** Records latencies of a long run in constant memory; `summary()` at any time. Call `destroy()` when done. */
export class LatencyRecorder {
  private readonly hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  private readonly counts = new Array<number>(BUCKET_BOUNDS.length).fill(0);
  private samples: number[] | undefined = [];
  private readonly exactLimit: number;
  private n = 0;
  private sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  errors = 0;

  constructor(options: LatencyRecorderOptions = {}) {
    this.exactLimit = options.exactLimit ?? 10_000;
  }

  get count(): number {
    return this.n;
  }

  /** Whether quantiles are still exact (every sample kept). */
  get exact(): boolean {
    return this.samples !== undefined;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`LatencyRecorder.record: expected a finite latency >= 0 ms, got ${ms}`);
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
    this.counts[bucketIndex(ms)]!++;
    this.hist.recordValue(Math.max(1, Math.round(ms * 1000))); // microseconds
    if (this.samples) {
      this.samples.push(ms);
      if (this.samples.length > this.exactLimit) this.samples = undefined;
    }
  }

  error(): void {
    this.errors++;
  }

  summary(): LatencySummary {
    if (this.n === 0) return emptySummary(this.errors);
    if (this.samples) return summarizeLatencies(this.samples, this.errors);
    const at = (p: number) => Math.min(this.hi, Math.max(this.lo, this.hist.getValueAtPercentile(p) / 1000));
    return {
      count: this.n, errors: this.errors,
      min: this.lo, p50: at(50), p90: at(90), p99: at(99), max: this.hi, mean: this.sum / this.n,
      histogram: histogramFromCounts(this.counts, this.hi),
    };
  }

  destroy(): void {
    this.hist.destroy();
    this.samples = undefined;
  }
}

/**
 * Flattens a summary into ScenarioResult.metrics keys (see harness/claims/metrics-catalogue.ts):
 * `<metric>.count`, `.errors`, and for a non-empty summary `.min .p50 .p90 .p99 .max .mean`.
 */
export function latencyMetrics(metric: string, s: LatencySummary): Record<string, number> {
  const out: Record<string, number> = { [`${metric}.count`]: s.count, [`${metric}.errors`]: s.errors };
  if (s.count === 0) return out;
  for (const k of ['min', 'p50', 'p90', 'p99', 'max', 'mean'] as const) out[`${metric}.${k}`] = s[k];
  return out;
}

/** `<metric>.max .min .mean .first .last` of a sampled series (empty series: no keys). */
export function seriesMetrics(metric: string, points: readonly SamplePoint[]): Record<string, number> {
  const vals = points.map((p) => p.value).filter(Number.isFinite);
  if (vals.length === 0) return {};
  let max = vals[0]!;
  let min = vals[0]!;
  for (const v of vals) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return {
    [`${metric}.max`]: max,
    [`${metric}.min`]: min,
    [`${metric}.mean`]: mean(vals),
    [`${metric}.first`]: vals[0]!,
    [`${metric}.last`]: vals.at(-1)!,
  };
}
