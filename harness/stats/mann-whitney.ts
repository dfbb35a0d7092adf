/**
 * Mann-Whitney U test (Wilcoxon rank-sum): do two samples come from the same distribution, or is one shifted?
 * Two-sided p-value from the normal approximation with tie and continuity correction (Google Benchmark's
 * compare.py and asv use this test for repeated timings). Meant for n >= 8 per side; below that the
 * approximation is rough and compare does not rely on it.
 */

export interface UTest {
  /** U of `next` against `base`: the number of (base, next) pairs where next is larger (ties count half). */
  u: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** P(next > base) estimated: u / (n1 n2); 0.5 = no shift. */
  effect: number;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function mannWhitneyU(base: readonly number[], next: readonly number[]): UTest {
  const n1 = base.length, n2 = next.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU: no samples');
  const all = [...base.map((v) => ({ v, g: 0 })), ...next.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v);
  const N = n1 + n2;
  let rankSumNext = 0;
  let tieTerm = 0;
  for (let i = 0; i < N;) {
    let j = i;
    while (j + 1 < N && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j + 2) / 2; // average of 1-based ranks i+1..j+1
    const t = j - i + 1;
    if (t > 1) tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 1) rankSumNext += rank;
    i = j + 1;
  }
  const u = rankSumNext - (n2 * (n2 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) return { u, z: 0, p: 1, effect: u / (n1 * n2) };
  const diff = u - mu;
  const z = (Math.max(0, Math.abs(diff) - 0.5) / sigma) * Math.sign(diff);
  const p = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { u, z, p, effect: u / (n1 * n2) };
}
