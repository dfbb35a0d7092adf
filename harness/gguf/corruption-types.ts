import type { CorruptionContext } from './corrupt-ops.ts';
import type { GgufErrorCode } from './errors.ts';

export type CorruptionPart = 'header' | 'metadata' | 'tensor-info' | 'tensor-data' | 'semantics';

/**
 * What a correct loader may do with the file, whatever its engine:
 * - 'must-refuse': the file breaks the format's structure, a bound (counts, lengths, types, shapes, offsets,
 *   hyper-parameter domains) or a required key: every correct loader refuses it (with an error naming the problem);
 * - 'engine-specific': the format allows it, but a named engine is harmed by it (llama.cpp aborts on it) or only
 *   gauntlet's own checker refuses it: a clear refusal and "loaded and embedded correctly" (the vector matches the
 *   oracle's) are both right;
 * - 'valid': a valid file (odd or wrong-weighted, nothing a loader can see): loading it is right.
 */
export type CorruptionClass = 'must-refuse' | 'engine-specific' | 'valid';

/** For 'engine-specific': who is harmed and how, and which model's oracle gives the right vector. */
export interface EngineHarm {
  engine: string;
  effect: string;
  /** 'file': the oracle run on the variant itself; 'base': on the valid model it was made from (same weights). */
  correctFrom: 'file' | 'base';
}

/**
 * One named, seeded mutation of a valid model. `expect` is what `checkGguf` (with its default data scan on a
 * small model) must say; `llamaRisk` is what node-llama-cpp 3.22.1 was measured to do with it (docs/gguf-corruptions.md).
 */
export interface CorruptionVariant {
  id: string;
  part: CorruptionPart;
  description: string;
  expect: 'rejected' | 'accepted';
  /** Derived from `expect` unless set: 'rejected' is 'must-refuse', 'accepted' is 'valid'. See CorruptionClass. */
  class?: CorruptionClass;
  /** Set on every 'engine-specific' variant. */
  harm?: EngineHarm;
  /** The code check must give, when one specific code is expected. */
  code?: GgufErrorCode;
  /** 'hang': node-llama-cpp never answers (seen: its JS GGUF parser on an array of arrays). */
  llamaRisk?: 'abort' | 'nan' | 'js-error' | 'hang' | 'none';
  apply(ctx: CorruptionContext): Promise<void>;
}
