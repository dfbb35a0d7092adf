/**
 * What a config adds to the built-ins: its own scenarios (`scenarios: [defineScenario({...})]`) and its own claims
 * (`claims.<new id>: { title, source, metric, threshold, ... }`), next to overrides of built-in claims
 * (`claims.<built-in id>: false | { threshold, severity, appliesTo }`). Everything is checked here, once, before
 * anything runs; every problem found comes back as one line that names the field and quotes the bad value.
 */
import type { z } from 'zod';
import { CLAIMS, claimsForConfig } from '../claims/catalogue.ts';
import { metricDef } from '../claims/metrics-catalogue.ts';
import { resolveClaim } from '../claims/resolve.ts';
import { GauntletError } from '../util/errors.ts';
import { SCENARIO_IDS as BUILT_IN_SCENARIOS } from '../claims/types.ts';
import type { UserClaim } from '../claims/types.ts';
import { userClaim } from '../claims/user-claims.ts';
import type { AnyScenario } from '../runner/types.ts';
import { describeValue, formatIssues } from './format-issues.ts';
import { claimOverrideSchema, USER_CLAIM_KEYS, userClaimSchema, userScenarioSchema } from './schema.ts';
import type { ClaimDefinition, ClaimOverride } from './types.ts';

export interface Extensions {
  scenarios: AnyScenario[];
  overrides: Record<string, ClaimOverride>;
  userClaims: UserClaim[];
  /** Problems, one line each; empty when the config is good. */
  problems: string[];
}

const BUILT_IN_CLAIMS = new Set(CLAIMS.map((c) => c.id));

/** zod issues of one entry, with their path from the config's root (so that the lines name the field). */
function issuesAt(prefix: PropertyKey[], issues: readonly z.core.$ZodIssue[], root: unknown): string[] {
  return formatIssues(issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })), root);
}

function isUserClaim(entry: unknown): boolean {
  return !!entry && typeof entry === 'object' && USER_CLAIM_KEYS.some((k) => k in entry);
}

function checkScenarios(raw: readonly unknown[], root: unknown, problems: string[]): AnyScenario[] {
  const out: AnyScenario[] = [];
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const parsed = userScenarioSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...issuesAt(['scenarios', i], parsed.error.issues, root));
      return;
    }
    const s = entry as AnyScenario;
    if ((BUILT_IN_SCENARIOS as readonly string[]).includes(s.id)) {
      problems.push(`scenarios.${i}.id: ${JSON.stringify(s.id)} is a built-in scenario (built-in: ${BUILT_IN_SCENARIOS.join(', ')}); give yours another id, e.g. "my-${s.id}"`);
      return;
    }
    if (seen.has(s.id)) {
      problems.push(`scenarios.${i}.id: ${JSON.stringify(s.id)} is the id of an earlier scenario of this config; each needs its own`);
      return;
    }
    seen.add(s.id);
    out.push(s);
  });
  return out;
}

/** Splits, checks and builds the config's scenarios and claims. `input` is the config as written (for quoting). */
export function resolveExtensions(input: { claims?: Record<string, unknown>; scenarios?: unknown[] }, configFile?: string): Extensions {
  const problems: string[] = [];
  const scenarios = checkScenarios(input.scenarios ?? [], input, problems);
  const overrides: Record<string, ClaimOverride> = {};
  const defs: Array<[string, ClaimDefinition]> = [];
  for (const [id, entry] of Object.entries(input.claims ?? {})) {
    if (!isUserClaim(entry)) {
      const parsed = claimOverrideSchema.safeParse(entry);
      if (parsed.success) overrides[id] = parsed.data as ClaimOverride;
      else problems.push(...issuesAt(['claims', id], parsed.error.issues, input));
      continue;
    }
    if (BUILT_IN_CLAIMS.has(id)) {
      problems.push(`claims.${id}: ${JSON.stringify(id)} is a built-in claim; an override takes only { threshold?, severity?, appliesTo? } `
        + '(its title, source and metric are the catalogue\'s); to add a claim of your own, give it another id');
      continue;
    }
    if (!/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/.test(id)) {
      problems.push(`claims.${id}: a claim id must be kebab-case (a-z, 0-9, '-'), got ${describeValue(id)}; e.g. "search-p50-under-20ms"`);
      continue;
    }
    const parsed = userClaimSchema.safeParse(entry);
    if (!parsed.success) problems.push(...issuesAt(['claims', id], parsed.error.issues, input));
    else defs.push([id, parsed.data as ClaimDefinition]);
  }

  const userIds = new Set(defs.map(([id]) => id));
  scenarios.forEach((s) => s.claims.forEach((c, k) => {
    if (BUILT_IN_CLAIMS.has(c) || userIds.has(c)) return;
    const own = [...userIds];
    problems.push(`scenarios.${input.scenarios!.indexOf(s)}.claims.${k}: no claim ${JSON.stringify(c)} in scenario ${JSON.stringify(s.id)}; `
      + `${own.length ? `this config's claims: ${own.join(', ')}` : 'this config declares no claim of its own'} (built-in ones: docs/claims.md)`);
  }));

  const ctx = {
    scenarios: scenarios.map((s) => ({ id: s.id, claims: s.claims })),
    knownScenarios: [...BUILT_IN_SCENARIOS, ...scenarios.map((s) => s.id)],
    configFile,
  };
  const userClaims: UserClaim[] = [];
  const declared = new Map<string, { id: string; kind: string; unit: string }>();
  for (const [id, def] of defs) {
    const built = userClaim(id, def, ctx);
    problems.push(...built.problems);
    if (!built.claim) continue;
    const m = metricDef(built.claim.metric) ? undefined : built.claim.metricDef;
    const first = m ? declared.get(built.claim.metric) : undefined;
    if (m && first && (first.kind !== m.kind || first.unit !== m.unit)) {
      problems.push(`claims.${id}.kind: ${JSON.stringify(built.claim.metric)} is declared by claims.${first.id} as ${first.kind} in ${first.unit}, here as ${m.kind} in ${m.unit}; one metric has one kind and unit`);
      continue;
    }
    if (m && !first) declared.set(built.claim.metric, { id, kind: m.kind, unit: m.unit });
    userClaims.push(built.claim);
  }
  // Thresholds parsed against their metrics' kinds now, not after the run: each claim of the config's own, then the
  // overrides (claimsForConfig stops at the first bad one).
  const checked = (f: () => unknown) => {
    try {
      f();
      return true;
    } catch (e) {
      if (!(e instanceof GauntletError) || e.code !== 'GAUNTLET_CONFIG_INVALID') throw e;
      problems.push(e.message);
      return false;
    }
  };
  const good = userClaims.filter((c) => checked(() => resolveClaim(c)));
  checked(() => claimsForConfig(overrides));
  return { scenarios, overrides, userClaims: good, problems };
}
