/** Latency summaries (the report's LatencySummary) from durations in ms: interpolated quantiles, log buckets. */
import type { LatencySummary } from '../report/schema.ts';

/** Interpolated quantile (type 7) of sorted values; NaN for none. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Bucket upper bounds in ms: 1-2-5 steps from 0.05 ms to 100 s. */
const BOUNDS = (() => {
  const out: number[] = [];
  for (let e = -2; e <= 5; e++) for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(3)));
  return out.filter((b) => b >= 0.05);
})();

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);

export function summarizeLatency(durationsMs: readonly number[], errors = 0): LatencySummary {
  const sorted = durationsMs.filter((d) => Number.isFinite(d)).slice().sort((a, b) => a - b);
  const n = sorted.length;
  const histogram: Array<[number, number]> = [];
  if (n > 0) {
    let i = 0;
    for (const b of BOUNDS) {
      let c = 0;
      while (i < n && sorted[i]! <= b) { c++; i++; }
      if (c > 0) histogram.push([b, c]);
      if (i >= n) break;
    }
    if (i < n) histogram.push([round(sorted[n - 1]!), n - i]);
  }
  return {
    count: n,
    errors,
    min: round(sorted[0] ?? NaN), p50: round(quantileSorted(sorted, 0.5)), p90: round(quantileSorted(sorted, 0.9)),
    p99: round(quantileSorted(sorted, 0.99)), max: round(sorted[n - 1] ?? NaN),
    mean: round(n ? sorted.reduce((a, b) => a + b, 0) / n : NaN),
    histogram,
  };
}
