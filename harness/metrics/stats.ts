/** Pure statistics over samples: interpolated quantiles, mean/variance, and a least-squares leak slope. */

function assertSamples(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what}: no samples`);
}

/** Ascending copy of the finite values. */
export function sortedFinite(values: readonly number[]): number[] {
  return values.filter(Number.isFinite).sort((a, b) => a - b);
}

/**
 * Quantile q (0..1) of ascending `sorted` values, linearly interpolated between closest ranks
 * (the R-7 / Excel PERCENTILE.INC / numpy 'linear' definition).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  assertSamples(sorted, 'quantile');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within 0..1, got ${q}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Quantile of unsorted values (sorts a copy). */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(sortedFinite(values), q);
}

export function mean(values: readonly number[]): number {
  assertSamples(values, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n - 1 in the denominator); 0 for a single sample. */
export function variance(values: readonly number[]): number {
  assertSamples(values, 'variance');
  if (values.length === 1) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return ss / (values.length - 1);
}

export function stddev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

export interface LinearFit {
  /** dy/dx, e.g. bytes per request. */
  slope: number;
  intercept: number;
  /** Coefficient of determination 0..1: how much of y's variation the line explains (1 when y is constant). */
  r2: number;
  n: number;
}

/**
 * Least-squares line through points; `null` with fewer than 2 points or when every x is the same.
 * For a leak: x = requests served, y = heapUsed or RssAnon bytes; slope = bytes leaked per request.
 */
export function leakSlope(points: ReadonlyArray<{ x: number; y: number }>): LinearFit | null {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = pts.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (const p of pts) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of pts) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2, n };
}
