/**
 * A planted fault as an adapter: the base (reference) adapter whose embedder command gets `--fault NAME[=VALUE]`.
 * Flags rather than GAUNTLET_FAULTS in the adapter's env, so that a scenario which plants a fault of its own through
 * the environment (restart-limit's abort-on-load case) still can, in the clean run and in every planted one.
 */
import type { ResolvedAdapter } from '../adapters/types.ts';
import { GauntletError } from '../util/errors.ts';

/** Name of the adapter that carries a fault: `reference+swap-ids`. */
export function plantedName(base: string, faultId: string): string {
  return `${base}+${faultId}`;
}

/** The base adapter with `--fault SWITCH` appended to its embedder command, under a new name. */
export function plantFault(base: ResolvedAdapter, faultSwitch: string, name = plantedName(base.name, faultSwitch)): ResolvedAdapter {
  const c = base.config;
  if (c.kind === 'in-process' || !c.command) {
    throw new GauntletError('GAUNTLET_USAGE', `selfcheck: adapter ${JSON.stringify(base.name)} is ${c.kind === 'in-process' ? 'in-process' : 'an external http server'}; faults are planted with --fault flags on an embedder command, so pick a process adapter running the reference embedder (e.g. "reference")`);
  }
  return { ...base, name, config: { ...c, command: [...c.command, '--fault', faultSwitch] } };
}

/** Checks that the clean adapter can be planted into (same rule), and returns it unchanged. */
export function cleanAdapter(base: ResolvedAdapter): ResolvedAdapter {
  plantFault(base, 'none');
  return base;
}
