import type { CorruptionContext } from './corrupt-ops.ts';
import type { GgufErrorCode } from './errors.ts';

export type CorruptionPart = 'header' | 'metadata' | 'tensor-info' | 'tensor-data' | 'semantics';

/**
 * One named, seeded mutation of a valid model. `expect` is what `checkGguf` (with its default data scan on a
 * small model) must say; `llamaRisk` is what node-llama-cpp 3.22.1 was measured to do with it (docs/gguf-corruptions.md).
 */
export interface CorruptionVariant {
  id: string;
  part: CorruptionPart;
  description: string;
  expect: 'rejected' | 'accepted';
  /** The code check must give, when one specific code is expected. */
  code?: GgufErrorCode;
  /** 'hang': node-llama-cpp never answers (seen: its JS GGUF parser on an array of arrays). */
  llamaRisk?: 'abort' | 'nan' | 'js-error' | 'hang' | 'none';
  apply(ctx: CorruptionContext): Promise<void>;
}
