/** Seeded, fast, deterministic random numbers (mulberry32 state, FNV-1a for deriving sub-seeds). */

export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A sub-seed for one named stream (e.g. one tensor) of a run seeded with `seed`. */
export function deriveSeed(seed: number, name: string): number {
  return fnv1a(name, (fnv1a(String(seed)) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
}

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  /**
   * Fills `out` with mean + std * z, z a bell-shaped (triangular, unit-variance) variate built from the two
   * 16-bit halves of one draw: cheap enough for gigabytes, smooth enough for weights.
   */
  fillBell(out: Float32Array, mean: number, std: number): void {
    const scale = (std * Math.sqrt(6)) / 65536;
    let s = this.s;
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      t = (t ^ (t >>> 14)) >>> 0;
      out[i] = mean + ((t & 0xffff) + (t >>> 16) - 65535) * scale;
    }
    this.s = s;
  }
}
