/**
 * The claims that cannot apply to one adapter shape, found the way a run finds them: a claim is not applicable when
 * every scenario that measures its metric says, through its own `appliesTo`, that it does not apply to the adapter.
 * `gauntlet init --url` lists them in the config it writes (a server gauntlet does not start cannot be killed,
 * restarted, stopped or sampled by it), so the user reads there what the report will say.
 */
import type { AdapterConfig, ResolvedAdapter } from '../adapters/types.ts';
import { claimsForConfig } from '../claims/catalogue.ts';
import { applicability } from '../runner/run-scenario.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

export interface NotApplicableGroup { claims: string[]; reason: string }

/** Claims of the built-in catalogue that no scenario can measure on `config`, grouped by the scenarios' reasons. */
export function notApplicableClaims(config: AdapterConfig, name = 'embedder'): NotApplicableGroup[] {
  const adapter = { name, config } as ResolvedAdapter;
  const reasons = new Map<string, string>();
  for (const s of SCENARIOS) {
    const r = applicability(s, adapter);
    if (r !== true) reasons.set(s.id, r);
  }
  const groups = new Map<string, string[]>();
  for (const claim of claimsForConfig()) {
    if (claim.appliesTo && !claim.appliesTo.includes(config.kind)) continue; // about another kind of adapter altogether
    const scenarios = claim.resolved.def.scenarios as readonly string[];
    if (scenarios.length === 0 || !scenarios.every((id) => reasons.has(id))) continue;
    const reason = [...new Set(scenarios.map((id) => reasons.get(id)!))].join('; ');
    groups.set(reason, [...(groups.get(reason) ?? []), claim.id]);
  }
  return [...groups].map(([reason, claims]) => ({ claims, reason }));
}
