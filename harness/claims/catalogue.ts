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
export function claimsForConfig(overrides: ClaimOverrides = {}, extra: readonly AnyClaim[] = []): ResolvedClaim[] {
  return resolveWith(overrides, { base: CLAIMS, extra });
}
