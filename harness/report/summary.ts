import type { RunReport, ScenarioResult, Verdict, VerdictRow } from './schema.ts';

type Counts = RunReport['summary']['required'];

/** What each exit code of a run means (printed in reports). */
export const EXIT_CODE_MEANING: Record<RunReport['summary']['exitCode'], string> = {
  0: 'every required claim passed (or was not applicable / inconclusive) on every adapter under test; comparison adapters are reported but never fail a run',
  1: 'at least one required claim failed (comparison adapters excluded)',
  2: 'the harness itself failed (a scenario ended in harness-error), so the claims could not be judged',
  130: 'interrupted (SIGINT): the report covers the runs that completed; the others are listed as not run',
  143: 'interrupted (SIGTERM): the report covers the runs that completed; the others are listed as not run',
};

/** The exit code of a run ended by a signal: 128 + its number, as shells report it. */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type InterruptSignal = keyof typeof INTERRUPT_EXIT_CODES;

const KEY: Record<Verdict, keyof Counts> = { pass: 'pass', fail: 'fail', inconclusive: 'inconclusive', 'not-applicable': 'notApplicable' };

/**
 * Counts verdicts per severity and derives the exit code: 1 when a required claim failed, else 2 when a scenario
 * ended in harness-error, else 0. Advisory failures never change the exit code.
 */
export function summarizeVerdicts(verdicts: VerdictRow[], scenarios: ScenarioResult[] = [], comparisonAdapters: readonly string[] = []): RunReport['summary'] {
  const zero = (): Counts => ({ pass: 0, fail: 0, inconclusive: 0, notApplicable: 0 });
  const summary: RunReport['summary'] = { required: zero(), advisory: zero(), exitCode: 0 };
  const comparison = new Set(comparisonAdapters);
  let gatingFailures = 0;
  let comparisonFailures = 0;
  for (const v of verdicts) {
    summary[v.severity === 'required' ? 'required' : 'advisory'][KEY[v.verdict]]++;
    if (v.severity === 'required' && v.verdict === 'fail') {
      if (comparison.has(v.adapter)) comparisonFailures++;
      else gatingFailures++;
    }
  }
  if (comparison.size > 0) summary.comparisonFailures = comparisonFailures;
  if (gatingFailures > 0) summary.exitCode = 1;
  else if (scenarios.some((s) => s.status === 'harness-error')) summary.exitCode = 2;
  return summary;
}
