/** A seeded RNG per scenario x adapter, so that a run is reproducible from the seed printed in its report. */
import { deriveSeed, Rng } from '../gguf/prng.ts';

export interface ScenarioRng {
  /** The 32-bit seed this stream started from. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Integer in [min, max] inclusive. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32 seeded from the run seed and the given names (e.g. scenario id and adapter name). */
export function createRng(seed: number, ...names: string[]): ScenarioRng {
  const derived = deriveSeed(seed, names.join('\u0000'));
  const r = new Rng(derived);
  const int = (n: number) => r.int(n);
  return {
    seed: derived,
    next: () => r.next(),
    int,
    between: (min, max) => min + int(max - min + 1),
    pick(items) {
      if (items.length === 0) throw new Error('rng.pick: the list is empty');
      return items[int(items.length)]!;
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
