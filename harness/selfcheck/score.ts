/**
 * Scoring of a selfcheck: pure functions from verdict rows to the matrix and the score.
 *
 * A planted fault is CAUGHT when at least one REQUIRED claim fails for the faulty adapter while the same claim
 * did not fail for the clean reference, or, for a fault the plan marks `byCompare` (a slowdown inside every target),
 * when `gauntlet compare` of the clean run against the planted one finds a regression (compare-catch.ts) (a claim that fails either way says nothing about the fault). Advisory
 * failures and inconclusive verdicts are reported, never counted: a fault whose claims all pass, or that only
 * makes scenarios time out, is not caught.
 *
 * A LEGAL row plants a behaviour an engine may have (a reordered answer, normalised vectors): it PASSES when no
 * required claim fails for it that did not fail clean, and every scenario it ran completed. The score is the share
 * of rows that came out right: faults caught, legal behaviours passed.
 */
import type { ScenarioResult, VerdictRow } from '../report/schema.ts';

/** What one scenario run came to (status as in ScenarioResult). */
export interface ScenarioOutcome {
  scenario: string;
  status: ScenarioResult['status'];
  durationMs: number;
  /** First error codes, for the report. */
  errors: string[];
}

export interface FaultRun {
  /** Plan id, e.g. "leak=512". */
  fault: string;
  adapter: string;
  /** Scenarios that ran, in order. */
  scenarios: ScenarioOutcome[];
  /** Planned scenarios that could not run (not registered), with why. */
  missing: string[];
  /** Required claims the plan expects to fail. */
  expect: string[];
  /** The corpus category the fault breaks (plan), which the catch must name. */
  category?: string;
  verdicts: VerdictRow[];
  /** For a fault the plan has compare catch: "compare METRIC" per figure compare calls a regression against the clean run. */
  compareCatches?: string[];
  durationMs: number;
  /** A legal behaviour (must pass), not a defect (must be caught). */
  legal?: boolean;
}

export interface CleanRun {
  adapter: string;
  scenarios: ScenarioOutcome[];
  verdicts: VerdictRow[];
  durationMs: number;
}

export interface SelfcheckRow {
  fault: string;
  adapter: string;
  scenarios: string[];
  /** Required claims that failed for this fault and not for the clean reference: the catch. */
  caughtBy: string[];
  /** Required claims that failed here but also failed clean (not counted). */
  failedCleanToo: string[];
  /** Advisory claims that failed here and not clean (reported, never counted). */
  advisoryFailed: string[];
  /** Required claims left inconclusive by a scenario that ran (measured nothing, host died, timed out...). */
  inconclusive: string[];
  /** Claims the plan names for this fault. */
  expected: string[];
  /** Expected claims (plan) that did not fail. */
  expectedNotFailed: string[];
  caught: boolean;
  /** A legal behaviour: `ok` when it passed (nothing caught, every scenario completed). */
  legal: boolean;
  /** The row came out right: a fault caught, a legal behaviour passed. */
  ok: boolean;
  /**
   * Caught by at least one claim the plan names (false: caught only by some other claim, or not caught), and, for a
   * fault with a planned category, with that category among the parts the catching claims found failing.
   */
  caughtAsExpected: boolean;
  /** The corpus category the plan says the fault breaks. */
  category?: string;
  /** Parts (corpus categories) the catching claims' breakdowns found failing, e.g. ["accents-nfc"]. */
  failedParts?: string[];
  status: Record<string, ScenarioOutcome['status']>;
  /** Error codes per scenario (first few). */
  errors: Record<string, string[]>;
  missing: string[];
  durationMs: number;
}

export interface CleanFailure {
  /** The claim, or absent for a scenario that did not complete. */
  claim?: string;
  scenario?: string;
  verdict: string;
  value?: number | null;
  reason: string;
}

export interface SelfcheckSummary {
  /** Rows that came out right / rows. */
  score: number;
  /** Planted defects, and how many were caught. */
  planted: number;
  caught: number;
  /** Legal behaviours planted, and how many passed. */
  legal: number;
  legalPassed: number;
  rows: SelfcheckRow[];
  cleanPassed: boolean;
  cleanFailures: CleanFailure[];
  cleanScenarios: string[];
  durationMs: number;
}

/** Whether a verdict row is about a claim that one of the scenarios that ran was meant to measure. */
function measuredByRun(v: VerdictRow): boolean {
  return v.evidence.scenarios.length > 0;
}

function required(rows: readonly VerdictRow[], adapter: string): VerdictRow[] {
  return rows.filter((v) => v.adapter === adapter && v.severity === 'required');
}

export function scoreFault(run: FaultRun, cleanVerdicts: readonly VerdictRow[], cleanAdapter: string): SelfcheckRow {
  const cleanFailed = new Set(cleanVerdicts.filter((v) => v.adapter === cleanAdapter && v.verdict === 'fail').map((v) => v.claim));
  const mine = run.verdicts.filter((v) => v.adapter === run.adapter);
  const req = required(run.verdicts, run.adapter);
  const failed = req.filter((v) => v.verdict === 'fail').map((v) => v.claim);
  const caughtBy = [...failed.filter((c) => !cleanFailed.has(c)), ...(run.compareCatches ?? [])];
  const failedParts = [...new Set(req.filter((v) => caughtBy.includes(v.claim))
    .flatMap((v) => v.evidence.breakdown?.parts.filter((p) => p.verdict === 'fail').map((p) => p.key) ?? []))];
  const inCategory = run.category === undefined || failedParts.includes(run.category);
  const legal = run.legal === true;
  const completed = run.scenarios.every((s) => s.status === 'completed' || s.status === 'skipped');
  return {
    legal,
    ok: legal ? caughtBy.length === 0 && completed && run.missing.length === 0 : caughtBy.length > 0,
    fault: run.fault,
    adapter: run.adapter,
    scenarios: run.scenarios.map((s) => s.scenario),
    caughtBy,
    failedCleanToo: failed.filter((c) => cleanFailed.has(c)),
    advisoryFailed: mine.filter((v) => v.severity === 'advisory' && v.verdict === 'fail' && !cleanFailed.has(v.claim)).map((v) => v.claim),
    inconclusive: req.filter((v) => v.verdict === 'inconclusive' && measuredByRun(v)).map((v) => v.claim),
    expected: [...run.expect],
    expectedNotFailed: run.expect.filter((c) => !caughtBy.includes(c)),
    caught: caughtBy.length > 0,
    caughtAsExpected: caughtBy.some((c) => run.expect.includes(c)) && inCategory,
    ...(run.category !== undefined ? { category: run.category } : {}),
    ...(failedParts.length ? { failedParts } : {}),
    status: Object.fromEntries(run.scenarios.map((s) => [s.scenario, s.status])),
    errors: Object.fromEntries(run.scenarios.filter((s) => s.errors.length > 0).map((s) => [s.scenario, s.errors])),
    missing: run.missing,
    durationMs: Math.round(run.durationMs),
  };
}

/**
 * What keeps the clean reference from passing: a required claim that failed, or that a scenario which ran left
 * inconclusive; a scenario that did not complete. Claims no scenario of the run measures are out of scope.
 */
export function cleanFailures(clean: CleanRun): CleanFailure[] {
  const out: CleanFailure[] = [];
  for (const s of clean.scenarios) {
    if (s.status !== 'completed' && s.status !== 'skipped') {
      out.push({ scenario: s.scenario, verdict: s.status, reason: `${s.scenario} ended ${s.status}${s.errors.length ? ` (${s.errors.join(', ')})` : ''}` });
    }
  }
  for (const v of required(clean.verdicts, clean.adapter)) {
    if (v.verdict === 'fail' || (v.verdict === 'inconclusive' && measuredByRun(v))) {
      out.push({ claim: v.claim, verdict: v.verdict, value: v.value, reason: v.reason });
    }
  }
  return out;
}

/**
 * Scores every row against the clean run of its own base adapter (`cleans`: the process reference first, then
 * the http one when the plan has http rows; a run whose adapter has no clean run is scored against the first).
 */
export function scoreSelfcheck(runs: readonly FaultRun[], clean: CleanRun | readonly CleanRun[], durationMs = 0): SelfcheckSummary {
  const cleans = Array.isArray(clean) ? (clean as readonly CleanRun[]) : [clean as CleanRun];
  const cleanFor = (r: FaultRun) => cleans.find((c) => r.adapter.startsWith(`${c.adapter}+`)) ?? cleans[0]!;
  const rows = runs.map((r) => { const c = cleanFor(r); return scoreFault(r, c.verdicts, c.adapter); });
  const defects = rows.filter((r) => !r.legal);
  const legal = rows.filter((r) => r.legal);
  const failures = cleans.flatMap((c) => cleanFailures(c).map((f) => (cleans.length > 1 ? { ...f, reason: `${c.adapter}: ${f.reason}` } : f)));
  return {
    score: rows.length === 0 ? 0 : rows.filter((r) => r.ok).length / rows.length,
    planted: defects.length,
    caught: defects.filter((r) => r.caught).length,
    legal: legal.length,
    legalPassed: legal.filter((r) => r.ok).length,
    rows,
    cleanPassed: failures.length === 0,
    cleanFailures: failures,
    cleanScenarios: [...new Set(cleans.flatMap((c) => c.scenarios.map((s) => (cleans.length > 1 ? `${s.scenario} (${c.adapter})` : s.scenario))))],
    durationMs: Math.round(durationMs),
  };
}

/** 0 every planted fault caught and the clean reference passed; 1 otherwise. */
export function selfcheckExitCode(s: SelfcheckSummary): 0 | 1 {
  return s.score === 1 && s.cleanPassed ? 0 : 1;
}
