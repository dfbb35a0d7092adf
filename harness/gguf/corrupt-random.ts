import type { Rng } from './prng.ts';

export function randomBytesFromRng(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.u32() & 0xff;
  return b;
}
