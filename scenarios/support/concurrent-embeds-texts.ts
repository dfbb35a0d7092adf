/**
 * Distinct texts for checks where each answer must be told apart from the others (concurrency, throughput):
 * every text ends with its own number, so no two share a token sequence and a vector delivered to the wrong
 * request shows up as a mismatch. Lower-case ASCII words and digits: every synthetic vocabulary tokenizes them.
 */
import type { ScenarioRng } from '../../harness/runner/rng.ts';
import { identical } from './measure.ts';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'local', 'model', 'embed', 'vector', 'socket', 'crash', 'node', 'pipe', 'token', 'cache', 'query', 'fast'];

export function distinctTexts(rng: ScenarioRng, n: number, maxWords = 6): string[] {
  return Array.from({ length: n }, (_, i) => `${Array.from({ length: 1 + rng.int(maxWords) }, () => rng.pick(WORDS)).join(' ')} ${i + 1}`);
}

/** Index pairs whose vectors are bit-identical (should be none for distinct texts; a swap would go unseen). */
export function identicalPairs(vectors: Float32Array[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) if (identical(vectors[i]!, vectors[j]!)) out.push([i, j]);
  return out;
}
