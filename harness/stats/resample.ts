/**
 * Seeded bootstrap: percentile intervals of a statistic of one sample, and of the ratio of a statistic between two
 * samples (new / base). Deterministic for a given seed, so a report and a compare can be reproduced.
 */
import { Rng, deriveSeed } from '../gguf/prng.ts';
import { quantileSorted } from '../metrics/stats.ts';

/** The statistics a figure can be of: a quantile, the mean, an extreme, or a rate (scale / mean of the durations). */
export type FigureStat = 'p50' | 'p90' | 'p95' | 'p99' | 'mean' | 'max' | 'min' | 'rate';

export const DEFAULT_RESAMPLES = 2000;

/** q of a quantile statistic ('p90' -> 0.9), undefined for the others. */
export function statQuantile(stat: FigureStat): number | undefined {
  const m = /^p(\d+)$/.exec(stat);
  return m ? Number(`0.${m[1]}`) : undefined;
}

/** The statistic of `values` (any order; `values` is not changed). `scale` is the rate's numerator. */
export function statistic(values: ArrayLike<number>, stat: FigureStat, scale = 1000): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  if (stat === 'mean' || stat === 'rate') {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i]!;
    return stat === 'mean' ? s / n : scale / (s / n);
  }
  if (stat === 'max' || stat === 'min') {
    let m = values[0]!;
    for (let i = 1; i < n; i++) m = stat === 'max' ? Math.max(m, values[i]!) : Math.min(m, values[i]!);
    return m;
  }
  return selectQuantile(Float64Array.from(values), statQuantile(stat)!);
}

/** Hoare's quickselect: puts the k-th smallest of `a` at index k (a is reordered). */
function select(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** The R-7 quantile (as quantileSorted) of `a` by selection, in O(n); `a` is reordered. */
export function selectQuantile(a: Float64Array, q: number): number {
  const h = (a.length - 1) * q;
  const k = Math.floor(h);
  const lo = select(a, k);
  if (h === k || k + 1 >= a.length) return lo;
  let next = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < a.length; i++) if (a[i]! < next) next = a[i]!;
  return lo + (h - k) * (next - lo);
}

/** statistic() of a scratch buffer, which it may reorder (no copy). */
function scratchStatistic(buf: Float64Array, stat: FigureStat, scale?: number): number {
  const q = statQuantile(stat);
  return q === undefined ? statistic(buf, stat, scale) : selectQuantile(buf, q);
}

function resampleInto(src: Float64Array, out: Float64Array, rng: Rng): void {
  const n = src.length;
  for (let i = 0; i < out.length; i++) out[i] = src[(rng.u32() % n)]!;
}

export interface BootstrapOptions {
  level?: number;
  resamples?: number;
  /** Seed of the resampling (any integer); the same seed gives the same interval. */
  seed?: number;
  /** Name of the stream (e.g. the figure's key): different figures of one seed get independent streams. */
  stream?: string;
  /** For stat 'rate': the numerator (rate = scale / mean). */
  scale?: number;
}

function percentile(draws: Float64Array, level: number): { lo: number; hi: number } {
  draws.sort();
  const tail = (1 - level) / 2;
  const arr = draws as unknown as number[];
  return { lo: quantileSorted(arr, tail), hi: quantileSorted(arr, 1 - tail) };
}

/** Percentile-bootstrap interval of `stat` over `values`. Throws on no samples. */
export function bootstrapInterval(values: readonly number[], stat: FigureStat, opts: BootstrapOptions = {}): { lo: number; hi: number } {
  if (values.length === 0) throw new RangeError('bootstrapInterval: no samples');
  const level = opts.level ?? 0.95;
  const B = opts.resamples ?? DEFAULT_RESAMPLES;
  const rng = new Rng(deriveSeed(opts.seed ?? 1, `bootstrap\u0000${opts.stream ?? ''}`));
  const src = Float64Array.from(values);
  const buf = new Float64Array(src.length);
  const draws = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    resampleInto(src, buf, rng);
    draws[b] = scratchStatistic(buf, stat, opts.scale);
  }
  return percentile(draws, level);
}

/**
 * Percentile-bootstrap interval of statistic(next) / statistic(base), each sample resampled on its own.
 * For 'rate', `scale` and `scaleNext` are the numerators of base and next. Throws on an empty sample.
 */
export function bootstrapRatio(
  base: readonly number[], next: readonly number[], stat: FigureStat,
  opts: BootstrapOptions & { scaleNext?: number } = {},
): { ratio: number; lo: number; hi: number } {
  if (base.length === 0 || next.length === 0) throw new RangeError('bootstrapRatio: no samples');
  const level = opts.level ?? 0.95;
  const B = opts.resamples ?? DEFAULT_RESAMPLES;
  const rng = new Rng(deriveSeed(opts.seed ?? 1, `ratio\u0000${opts.stream ?? ''}`));
  const a = Float64Array.from(base), b = Float64Array.from(next);
  const bufA = new Float64Array(a.length), bufB = new Float64Array(b.length);
  const sa = opts.scale ?? 1000, sb = opts.scaleNext ?? sa;
  const draws = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    resampleInto(a, bufA, rng);
    resampleInto(b, bufB, rng);
    draws[i] = scratchStatistic(bufB, stat, sb) / scratchStatistic(bufA, stat, sa);
  }
  const { lo, hi } = percentile(draws, level);
  return { ratio: statistic(b, stat, sb) / statistic(a, stat, sa), lo, hi };
}

/**
 * The bootstrap interval of a sample's maximum (or minimum), computed exactly instead of by resampling: a resample's
 * maximum is at most X_(k) with probability (k/n)^n. The upper bound is the sample's own maximum: one run cannot
 * say how much worse an unseen worst case would be.
 */
export function extremeInterval(sorted: readonly number[], stat: 'max' | 'min', level = 0.95): { lo: number; hi: number } {
  const n = sorted.length;
  if (n === 0) throw new RangeError('extremeInterval: no samples');
  const tail = (1 - level) / 2;
  if (stat === 'max') {
    let k = 1;
    while (k < n && (k / n) ** n < tail) k++;
    return { lo: sorted[k - 1]!, hi: sorted[n - 1]! };
  }
  // min: a resample's minimum is at least X_(j) with probability ((n - j + 1) / n)^n.
  let j = n;
  while (j > 1 && ((n - j + 1) / n) ** n < tail) j--;
  return { lo: sorted[0]!, hi: sorted[j - 1]! };
}
