/** Every claim gauntlet checks, from the five seed documents. docs/claims.md is generated from this list. */
import { CONCURRENCY_CLAIMS } from './claims-concurrency.ts';
import { FUZZ_CLAIMS } from './claims-fuzz.ts';
import { IPC_CLAIMS } from './claims-ipc.ts';
import { LATENCY_CLAIMS } from './claims-latency.ts';
import { MEMORY_CLAIMS } from './claims-memory.ts';
import { RESILIENCE_CLAIMS } from './claims-resilience.ts';
import { THESIS_CLAIMS } from './claims-theses.ts';
import { claimsForConfig as resolveWith, type ClaimOverrides, type ResolvedClaim } from './resolve.ts';
import type { AnyClaim, Claim } from './types.ts';
import type { ReferenceBound } from '../gguf/reference-bound.ts';

export const CLAIMS: readonly Claim[] = Object.freeze([
  ...MEMORY_CLAIMS,
  ...LATENCY_CLAIMS,
  ...RESILIENCE_CLAIMS,
  ...FUZZ_CLAIMS,
  ...CONCURRENCY_CLAIMS,
  ...IPC_CLAIMS,
  ...THESIS_CLAIMS,
]);

/**
 * The resolved claim set for a config: CLAIMS with per-id overrides (`false` drops one; `{ threshold, severity,
 * appliesTo }` changes it) plus `extra` claims of the user's own. Throws GAUNTLET_CONFIG_INVALID on a bad id or
 * threshold, before anything runs.
 */
export function claimsForConfig(overrides: ClaimOverrides = {}, extra: readonly AnyClaim[] = [], model?: ReferenceBound): ResolvedClaim[] {
  return resolveWith(overrides, { base: model ? CLAIMS.map((c) => (c.id === REFERENCE_CLAIM ? withModelBound(c, model) : c)) : CLAIMS, extra });
}

export const REFERENCE_CLAIM = 'embeddings-match-reference';

/**
 * embeddings-match-reference with the bound of the run model's weight type (harness/gguf/reference-bound.ts): 0.9999
 * for F32 / F16 / Q8_0 / Q4_0 weights, 0.9995 for the K-quants. A config's own threshold for it still wins.
 */
export function withModelBound(c: Claim, model: ReferenceBound): Claim {
  const types = model.types.length > 1 ? ` (matrix types ${model.types.join(', ')}: the coarsest sets it)` : '';
  const unmeasured = model.unmeasured ? `; ${model.type} was never measured here, so it gets the loosest bound of the table` : '';
  return {
    ...c,
    threshold: `min>=${model.bound}`,
    stated: `embedding generation produces correct results (the cosine bound ${model.bound} is gauntlet's, for ${model.type} weights${types}${unmeasured}; docs/claims.md has the figures per type)`,
  };
}
