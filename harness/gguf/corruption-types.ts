import type { CorruptionContext } from './corrupt-ops.ts';
import type { GgufErrorCode } from './errors.ts';

export type CorruptionPart = 'header' | 'metadata' | 'tensor-info' | 'tensor-data' | 'semantics';

/**
 * One named, seeded mutation of a valid model. `expect` is what `checkGguf` (with its default data scan on a
 * small model) must say; `llamaRisk` is what FACTS.md / the corruption report say node-llama-cpp does with it.
 */
export interface CorruptionVariant {
  id: string;
  part: CorruptionPart;
  description: string;
  expect: 'rejected' | 'accepted';
  /** The code check must give, when one specific code is expected. */
  code?: GgufErrorCode;
  llamaRisk?: 'abort' | 'nan' | 'js-error' | 'none';
  apply(ctx: CorruptionContext): Promise<void>;
}
