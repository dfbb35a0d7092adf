/**
 * Distribution-free confidence intervals for a quantile from order statistics: with n samples, the true q-quantile
 * lies between the l-th and u-th smallest sample with probability P(l <= B < u), B ~ Binomial(n, q). No assumption
 * about the distribution; the interval is exact in its coverage (at least the level asked for).
 */

/** Binomial(n, q) probability masses 0..n, computed in log space (no underflow for large n). */
function binomialPmf(n: number, q: number): Float64Array {
  const out = new Float64Array(n + 1);
  if (q <= 0) { out[0] = 1; return out; }
  if (q >= 1) { out[n] = 1; return out; }
  let log = n * Math.log1p(-q);
  const odds = Math.log(q) - Math.log1p(-q);
  for (let k = 0; k <= n; k++) {
    out[k] = Math.exp(log);
    log += Math.log((n - k) / (k + 1)) + odds;
  }
  return out;
}

export interface QuantileInterval {
  /** 1-based ranks of the bounds among the ascending samples; 0 = below the smallest, n + 1 = above the largest. */
  loRank: number;
  hiRank: number;
  /** The bounds; null where the rank falls outside the samples (too few samples to bound that side). */
  lo: number | null;
  hi: number | null;
  /** The interval's actual coverage P(loRank <= B < hiRank) (>= level when both bounds exist). */
  coverage: number;
}

/**
 * The order-statistics interval of the q-quantile of ascending `sorted` samples at `level` (0.95): equal tails,
 * each holding at most (1 - level) / 2. Throws on no samples or q outside (0, 1).
 */
export function quantileInterval(sorted: readonly number[], q: number, level = 0.95): QuantileInterval {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileInterval: no samples');
  if (!(q > 0 && q < 1)) throw new RangeError(`quantileInterval: q must be within (0, 1), got ${q}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`quantileInterval: level must be within (0, 1), got ${level}`);
  const pmf = binomialPmf(n, q);
  const tail = (1 - level) / 2;
  // Lower bound X_(l): the largest l with P(B < l) <= tail (B < l means fewer than l samples below the quantile).
  let below = 0;
  let l = 0;
  while (l < n && below + pmf[l]! <= tail) { below += pmf[l]!; l++; }
  // Upper bound X_(u): the smallest u with P(B >= u) <= tail.
  let above = 0;
  let u = n + 1;
  while (u - 1 >= 1 && above + pmf[u - 1]! <= tail) { above += pmf[u - 1]!; u--; }
  const coverage = Math.max(0, 1 - below - above);
  return { loRank: l, hiRank: u, lo: l >= 1 ? sorted[l - 1]! : null, hi: u <= n ? sorted[u - 1]! : null, coverage };
}
