/** A planted fault as an adapter: the base (reference) adapter with GAUNTLET_FAULTS set in its embedder's env. */
import type { ResolvedAdapter } from '../adapters/types.ts';
import { GauntletError } from '../util/errors.ts';

/** Name of the adapter that carries a fault: `reference+swap-ids`. */
export function plantedName(base: string, faultId: string): string {
  return `${base}+${faultId}`;
}

/**
 * The base adapter with `faults` (GAUNTLET_FAULTS syntax, "" = none) in its embedder's environment. The clean run
 * passes "" too, so that a GAUNTLET_FAULTS inherited from the caller's shell cannot plant anything in it.
 */
export function plantFault(base: ResolvedAdapter, faults: string, name = base.name): ResolvedAdapter {
  const c = base.config;
  if (c.kind === 'in-process' || !c.command) {
    throw new GauntletError('GAUNTLET_USAGE', `selfcheck: adapter ${JSON.stringify(base.name)} is ${c.kind === 'in-process' ? 'in-process' : 'an external http server'}; faults are planted through an embedder command's env, so pick a process adapter running the reference embedder (e.g. "reference")`);
  }
  return { ...base, name, config: { ...c, env: { ...(c.env ?? {}), GAUNTLET_FAULTS: faults } } };
}
