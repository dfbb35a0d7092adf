import { GauntletError } from '../util/errors.ts';
import { CONTENT_CORRUPTIONS } from './corruptions-content.ts';
import { FORMAT_CORRUPTIONS } from './corruptions-format.ts';
import type { CorruptionClass, CorruptionVariant } from './corruption-types.ts';
import { deriveSeed, Rng } from './prng.ts';
import { readGguf } from './reader.ts';

export type { CorruptionClass, CorruptionPart, CorruptionVariant, EngineHarm } from './corruption-types.ts';

/** The variant's class (see CorruptionClass): its own, else 'must-refuse' for an expected rejection, 'valid' otherwise. */
export function corruptionClass(v: Pick<CorruptionVariant, 'class' | 'expect'>): CorruptionClass {
  return v.class ?? (v.expect === 'rejected' ? 'must-refuse' : 'valid');
}

/** Every named corruption, in catalogue order (header, metadata, tensor-info, tensor-data, semantics). */
export const CORRUPTIONS: CorruptionVariant[] = [...FORMAT_CORRUPTIONS, ...CONTENT_CORRUPTIONS];

export function findCorruption(id: string): CorruptionVariant {
  const v = CORRUPTIONS.find((x) => x.id === id);
  if (!v) {
    throw new GauntletError('GAUNTLET_USAGE', `unknown corruption variant ${JSON.stringify(id)}; run \`gauntlet gguf corrupt --list\` for the ${CORRUPTIONS.length} ids`);
  }
  return v;
}

/**
 * Writes `out` = variant `id` applied to the valid model `from`. Deterministic: the same (id, from, seed)
 * gives the same bytes. Throws GgufFormatError if `from` itself is not a valid GGUF.
 */
export async function applyCorruption(id: string, from: string, out: string, seed = 1): Promise<void> {
  const v = findCorruption(id);
  const file = await readGguf(from);
  await v.apply({ from, out, file, seed, rng: new Rng(deriveSeed(seed, id)) });
}
