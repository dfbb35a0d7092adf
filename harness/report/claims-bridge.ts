/**
 * Optional link from `merge` to the claims engine (harness/claims, another module): when harness/claims/index.ts
 * exports `evaluateClaims(claims, results, adapters)` and a claim list (ALL_CLAIMS, CLAIMS, DEFAULT_CLAIMS or
 * BUILTIN_CLAIMS), merged scenarios are re-evaluated, else the shards' verdicts are combined.
 * Re-evaluation keeps what the shards knew and the merged results cannot tell: each claim's threshold and
 * severity as the shards' rows carry them (config overrides), and not-applicable rows (adapter kinds).
 */
import { pathToFileURL } from 'node:url';
import { codePath } from '../util/ts-runner.ts';
import type { ScenarioResult, VerdictRow } from './schema.ts';
import { combineVerdicts, type Evaluate } from './merge-reports.ts';

type EvaluateClaims = (claims: readonly unknown[], results: readonly ScenarioResult[], adapters: readonly string[]) => VerdictRow[];

const LIST_NAMES = ['ALL_CLAIMS', 'CLAIMS', 'DEFAULT_CLAIMS', 'BUILTIN_CLAIMS'];

/** Returns an evaluator bound to the shards' rows, or undefined (with why) when the claims module cannot do it. */
export async function loadEvaluator(shardRows: VerdictRow[], modulePath = codePath('harness/claims/index.ts')): Promise<{ evaluate?: Evaluate; why: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (e) {
    return { why: `claims module not loadable (${(e as Error).message.split('\n')[0]})` };
  }
  const evaluateClaims = mod.evaluateClaims as EvaluateClaims | undefined;
  const listName = LIST_NAMES.find((n) => Array.isArray(mod[n]));
  if (typeof evaluateClaims !== 'function') return { why: 'harness/claims/index.ts exports no evaluateClaims' };
  if (!listName) return { why: `harness/claims/index.ts exports no claim list (${LIST_NAMES.join(', ')})` };
  const seen = new Map<string, VerdictRow>();
  for (const r of shardRows) if (!seen.has(r.claim)) seen.set(r.claim, r);
  const claims = (mod[listName] as Array<Record<string, unknown>>)
    .filter((c) => seen.has(String(c.id)))
    .map((c) => {
      const row = seen.get(String(c.id))!;
      const { resolved: _dropped, ...plain } = c;
      return { ...plain, threshold: row.threshold, severity: row.severity } as Record<string, unknown>;
    });
  const notApplicable = new Set<string>();
  const decided = new Set<string>();
  for (const r of shardRows) {
    const k = `${r.claim}\u0000${r.adapter}`;
    if (r.verdict === 'not-applicable') notApplicable.add(k); else decided.add(k);
  }
  const evaluate: Evaluate = (results, adapters) => {
    const rows = evaluateClaims(claims, results, adapters);
    const ids = new Set(claims.map((c) => String(c.id)));
    // Claims the module does not know (a config's extra claims) keep the shards' combined verdicts.
    const unknown = combineVerdicts(shardRows.filter((r) => !ids.has(r.claim)));
    return [...rows.map((r) => {
      const k = `${r.claim}\u0000${r.adapter}`;
      if (notApplicable.has(k) && !decided.has(k)) return shardRows.find((s) => s.claim === r.claim && s.adapter === r.adapter) ?? r;
      return r;
    }), ...unknown];
  };
  return { evaluate, why: `re-evaluated ${claims.length} claims with harness/claims evaluateClaims (${listName})` };
}
