/** Seeded synthetic samples of known distributions for the statistics tests. */
import { Rng } from '../../harness/gguf/prng.ts';

export function seeded(seed: number): () => number {
  const r = new Rng(seed);
  return () => (r.u32() + 0.5) / 4294967296; // (0, 1): no log(0)
}

/** Standard normal by Box-Muller. */
export function normals(n: number, seed: number, mean = 0, sd = 1): number[] {
  const u = seeded(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Exponential with the given mean (median = mean x ln 2). */
export function exponentials(n: number, seed: number, mean = 1): number[] {
  const u = seeded(seed);
  return Array.from({ length: n }, () => -mean * Math.log(u()));
}

/** Log-normal latencies: median `median` ms, shape sigma (0.3 = a realistic right tail). */
export function lognormals(n: number, seed: number, median: number, sigma = 0.3): number[] {
  return normals(n, seed).map((z) => median * Math.exp(sigma * z));
}
