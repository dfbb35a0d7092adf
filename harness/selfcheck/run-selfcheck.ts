/**
 * Runs a selfcheck: the clean reference through every scenario of the plan, then each planted fault, one at a
 * time (the machine may have two cores), through the scenarios meant to catch it; then scores the matrix.
 * The engine never prints: progress goes to the `onProgress` listener.
 */
import { compareCatches } from './compare-catch.ts';
import { enforcesLimits, type ResolvedAdapter } from '../adapters/types.ts';
import { evaluateClaims, type ResolvedClaim } from '../claims/index.ts';
import type { ScenarioResult, VerdictRow } from '../report/schema.ts';
import { runGauntlet, type RunOptions } from '../runner/run.ts';
import type { AnyScenario, RunModel } from '../runner/types.ts';
import { faultSwitch, type PlannedFault } from './plan.ts';
import { cleanAdapter as checkedClean, plantedName, plantFault } from './plant.ts';
import { scoreFault, scoreSelfcheck, type CleanRun, type FaultRun, type ScenarioOutcome, type SelfcheckRow, type SelfcheckSummary } from './score.ts';

export type SelfcheckEvent =
  | { type: 'start'; planted: number; cleanScenarios: string[] }
  | { type: 'step-start'; step: 'clean' | 'fault'; index: number; total: number; label: string; adapter: string; scenarios: string[] }
  | { type: 'scenario-start'; label: string; scenario: string; elapsedMs: number }
  | { type: 'scenario-end'; label: string; outcome: ScenarioOutcome; elapsedMs: number }
  | { type: 'fault-end'; index: number; total: number; row: SelfcheckRow; elapsedMs: number }
  | { type: 'clean-end'; run: CleanRun; elapsedMs: number }
  | { type: 'problem'; code: string; message: string };

export interface SelfcheckOptions {
  /**
   * The clean reference adapter (a process adapter running the reference embedder). Its embedders inherit the
   * environment: the caller removes any GAUNTLET_FAULTS from it first (the CLI does).
   */
  base: ResolvedAdapter;
  plan: PlannedFault[];
  /** The scenario registry to pick the plan's scenarios from. */
  registry: readonly AnyScenario[];
  claims: ResolvedClaim[];
  seed: number;
  quick: boolean;
  model: RunModel;
  /** Command line printed in each run's report. */
  command: string;
  /** Stop a fault's scenarios at the first one that catches it (default: `quick`). */
  stopAtCatch?: boolean;
  onProgress?: (e: SelfcheckEvent) => void;
  /** Passed to every run (tests inject a fake host here). */
  runOverrides?: Partial<Pick<RunOptions, 'deps' | 'tmpRoot' | 'sweepGraceMs' | 'memoryLimitMechanism'>>;
}

export interface SelfcheckOutcome {
  summary: SelfcheckSummary;
  clean: CleanRun;
  faults: FaultRun[];
  /** Run-level problems (claims evaluation, leftover processes outside a scenario...): a harness error. */
  problems: Array<{ code: string; message: string }>;
}

/** Every scenario the plan names, in registry order (what the clean reference runs). */
export function planScenarios(plan: readonly PlannedFault[], registry: readonly AnyScenario[]): AnyScenario[] {
  const wanted = new Set(plan.flatMap((p) => p.scenarios));
  return registry.filter((s) => wanted.has(s.id));
}

function outcomeOf(r: ScenarioResult): ScenarioOutcome {
  return { scenario: r.scenario, status: r.status, durationMs: r.durationMs, errors: [...new Set(r.errors.map((e) => e.code))].slice(0, 5) };
}

export async function runSelfcheck(o: SelfcheckOptions): Promise<SelfcheckOutcome> {
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const emit = (e: SelfcheckEvent) => { try { o.onProgress?.(e); } catch { /* a listener cannot break the run */ } };
  const problems: SelfcheckOutcome['problems'] = [];
  const stopAtCatch = o.stopAtCatch ?? o.quick;
  const evaluate = (results: ScenarioResult[], adapter: ResolvedAdapter): VerdictRow[] =>
    evaluateClaims(o.claims, results, [{ name: adapter.name, kind: adapter.config.kind, enforcesLimits: enforcesLimits(adapter.config) }]);

  /** One scenario against one adapter, as its own run (so that a fault's run can stop after any scenario). */
  const runOne = async (scenario: AnyScenario, adapter: ResolvedAdapter, label: string): Promise<ScenarioResult[]> => {
    emit({ type: 'scenario-start', label, scenario: scenario.id, elapsedMs: elapsed() });
    const { report, problems: p } = await runGauntlet({
      ...o.runOverrides,
      scenarios: [scenario], adapters: [adapter], seed: o.seed, quick: o.quick, command: o.command, model: o.model,
      evaluate: () => [],
    });
    for (const x of p) {
      problems.push({ code: x.code, message: `${label} / ${scenario.id}: ${x.message}` });
      emit({ type: 'problem', code: x.code, message: `${label} / ${scenario.id}: ${x.message}` });
    }
    for (const r of report.scenarios) emit({ type: 'scenario-end', label, outcome: outcomeOf(r), elapsedMs: elapsed() });
    return report.scenarios;
  };

  const cleanScenarios = planScenarios(o.plan, o.registry);
  emit({ type: 'start', planted: o.plan.length, cleanScenarios: cleanScenarios.map((s) => s.id) });

  // 1. The clean reference through every scenario of the plan.
  const cleanAdapter = checkedClean(o.base);
  const cleanStart = performance.now();
  emit({ type: 'step-start', step: 'clean', index: 0, total: o.plan.length, label: 'clean', adapter: cleanAdapter.name, scenarios: cleanScenarios.map((s) => s.id) });
  const cleanResults: ScenarioResult[] = [];
  for (const s of cleanScenarios) cleanResults.push(...(await runOne(s, cleanAdapter, 'clean')));
  const clean: CleanRun = {
    adapter: cleanAdapter.name,
    scenarios: cleanResults.map(outcomeOf),
    verdicts: evaluate(cleanResults, cleanAdapter),
    durationMs: performance.now() - cleanStart,
  };
  emit({ type: 'clean-end', run: clean, elapsedMs: elapsed() });

  // 2. Each planted fault, sequentially.
  const faults: FaultRun[] = [];
  for (const [i, planned] of o.plan.entries()) {
    const adapter = plantFault(o.base, faultSwitch(planned), plantedName(o.base.name, planned.id));
    const scenarios = planned.scenarios.map((id) => o.registry.find((s) => s.id === id)).filter((s): s is AnyScenario => s !== undefined);
    const missing = planned.scenarios.filter((id) => !o.registry.some((s) => s.id === id)).map((id) => `${id} (not in the scenario registry)`);
    emit({ type: 'step-start', step: 'fault', index: i + 1, total: o.plan.length, label: planned.id, adapter: adapter.name, scenarios: scenarios.map((s) => s.id) });
    const started = performance.now();
    const results: ScenarioResult[] = [];
    const run: FaultRun = {
      fault: planned.id, adapter: adapter.name, scenarios: [], missing, expect: planned.expect, verdicts: [], durationMs: 0,
      ...(planned.category ? { category: planned.category } : {}),
    };
    for (const s of scenarios) {
      results.push(...(await runOne(s, adapter, planned.id)));
      run.scenarios = results.map(outcomeOf);
      run.verdicts = evaluate(results, adapter);
      if (planned.byCompare) run.compareCatches = compareCatches(cleanResults, results);
      if (stopAtCatch && scoreFault(run, clean.verdicts, clean.adapter).caught) break;
    }
    run.durationMs = performance.now() - started;
    faults.push(run);
    emit({ type: 'fault-end', index: i + 1, total: o.plan.length, row: scoreFault(run, clean.verdicts, clean.adapter), elapsedMs: elapsed() });
  }

  return { summary: scoreSelfcheck(faults, clean, performance.now() - t0), clean, faults, problems };
}
