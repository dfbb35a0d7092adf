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
import type { Arch } from '../gguf/model-spec.ts';
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
  /**
   * The clean http reference (the reference embedder in http mode, started by the http adapter): the plan's http
   * rows are planted into it, and it runs clean through their scenarios. Without it those rows are not run.
   */
  httpBase?: ResolvedAdapter;
  plan: PlannedFault[];
  /** The scenario registry to pick the plan's scenarios from. */
  registry: readonly AnyScenario[];
  claims: ResolvedClaim[];
  seed: number;
  quick: boolean;
  model: RunModel;
  /**
   * The model of each architecture a model-level row (PlannedFault.arch) runs on. A row whose architecture has no
   * entry, or whose entry is `model` itself, runs on the run's model against the main clean run; any other gets a
   * clean run of its rows' scenarios on that model first (adapter `<base>@<arch>`) and is scored against it.
   */
  archModels?: Partial<Record<Arch, RunModel>>;
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
  /** The clean http reference's run, when the plan had http rows and an http base. */
  cleanHttp?: CleanRun;
  /** The clean runs on the other architectures' models (model-level rows). */
  cleanArchs?: CleanRun[];
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
  const runOne = async (scenario: AnyScenario, adapter: ResolvedAdapter, label: string, model: RunModel = o.model): Promise<ScenarioResult[]> => {
    emit({ type: 'scenario-start', label, scenario: scenario.id, elapsedMs: elapsed() });
    const { report, problems: p } = await runGauntlet({
      ...o.runOverrides,
      scenarios: [scenario], adapters: [adapter], seed: o.seed, quick: o.quick, command: o.command, model,
      evaluate: () => [],
    });
    for (const x of p) {
      problems.push({ code: x.code, message: `${label} / ${scenario.id}: ${x.message}` });
      emit({ type: 'problem', code: x.code, message: `${label} / ${scenario.id}: ${x.message}` });
    }
    for (const r of report.scenarios) emit({ type: 'scenario-end', label, outcome: outcomeOf(r), elapsedMs: elapsed() });
    return report.scenarios;
  };

  const processPlan = o.plan.filter((p) => p.base === 'process');
  const httpPlan = o.httpBase ? o.plan.filter((p) => p.base === 'http') : [];
  const cleanScenarios = planScenarios(processPlan, o.registry);
  const httpCleanScenarios = planScenarios(httpPlan, o.registry);
  emit({ type: 'start', planted: o.plan.length, cleanScenarios: [...cleanScenarios.map((s) => s.id), ...httpCleanScenarios.map((s) => `${s.id} (http)`)] });

  // 1. The clean reference through every scenario of the plan (the http reference through its rows' scenarios).
  const runClean = async (base: ResolvedAdapter, scenarios: AnyScenario[], model?: RunModel): Promise<{ run: CleanRun; results: ScenarioResult[] }> => {
    const cleanAdapter = checkedClean(base);
    const cleanStart = performance.now();
    emit({ type: 'step-start', step: 'clean', index: 0, total: o.plan.length, label: 'clean', adapter: cleanAdapter.name, scenarios: scenarios.map((s) => s.id) });
    const cleanResults: ScenarioResult[] = [];
    for (const s of scenarios) cleanResults.push(...(await runOne(s, cleanAdapter, 'clean', model)));
    const run: CleanRun = { adapter: cleanAdapter.name, scenarios: cleanResults.map(outcomeOf), verdicts: evaluate(cleanResults, cleanAdapter), durationMs: performance.now() - cleanStart };
    // The clean results stay: gauntlet compare of clean against planted needs them (byCompare rows).
    emit({ type: 'clean-end', run, elapsedMs: elapsed() });
    return { run, results: cleanResults };
  };
  const { run: clean, results: cleanResults } = await runClean(o.base, cleanScenarios);
  const httpClean = o.httpBase && httpPlan.length > 0 ? await runClean(o.httpBase, httpCleanScenarios) : undefined;
  const cleanHttp = httpClean?.run;
  const httpCleanResults = httpClean?.results ?? [];

  // 1b. A clean run on each other architecture's model, through the scenarios of that architecture's rows.
  const onArch = (arch: Arch | undefined): { adapter: ResolvedAdapter; model: RunModel } | undefined => {
    const m = arch ? o.archModels?.[arch] : undefined;
    if (!m || m.path === o.model.path) return undefined;
    return { adapter: { ...o.base, name: `${o.base.name}@${arch}`, model: m.path }, model: m };
  };
  const archCleans = new Map<Arch, CleanRun>();
  for (const arch of new Set(processPlan.map((p) => p.arch).filter((a): a is Arch => a !== undefined))) {
    const target = onArch(arch);
    if (!target) continue;
    archCleans.set(arch, (await runClean(target.adapter, planScenarios(processPlan.filter((p) => p.arch === arch), o.registry), target.model)).run);
  }

  // 2. Each planted fault (and legal behaviour), sequentially.
  const faults: FaultRun[] = [];
  for (const [i, planned] of o.plan.entries()) {
    const target = planned.base === 'process' ? onArch(planned.arch) : undefined;
    const base = planned.base === 'http' ? o.httpBase : (target?.adapter ?? o.base);
    const against = planned.base === 'http' ? cleanHttp : target ? archCleans.get(planned.arch!) : clean;
    if (!base || !against) {
      const run: FaultRun = { fault: planned.id, adapter: plantedName(o.base.name, planned.id), scenarios: [], missing: ['no http reference adapter to plant it into (--http-adapter)'], expect: planned.expect, verdicts: [], durationMs: 0, legal: planned.legal };
      faults.push(run);
      emit({ type: 'fault-end', index: i + 1, total: o.plan.length, row: scoreFault(run, clean.verdicts, clean.adapter), elapsedMs: elapsed() });
      continue;
    }
    const adapter = plantFault(base, faultSwitch(planned), plantedName(base.name, planned.id));
    const scenarios = planned.scenarios.map((id) => o.registry.find((s) => s.id === id)).filter((s): s is AnyScenario => s !== undefined);
    const missing = planned.scenarios.filter((id) => !o.registry.some((s) => s.id === id)).map((id) => `${id} (not in the scenario registry)`);
    emit({ type: 'step-start', step: 'fault', index: i + 1, total: o.plan.length, label: planned.id, adapter: adapter.name, scenarios: scenarios.map((s) => s.id) });
    const started = performance.now();
    const results: ScenarioResult[] = [];
    const run: FaultRun = {
      fault: planned.id, adapter: adapter.name, scenarios: [], missing, expect: planned.expect, verdicts: [], durationMs: 0, legal: planned.legal,
      ...(planned.category ? { category: planned.category } : {}),
    };
    for (const s of scenarios) {
      results.push(...(await runOne(s, adapter, planned.id, target?.model)));
      run.scenarios = results.map(outcomeOf);
      run.verdicts = evaluate(results, adapter);
      if (planned.byCompare) run.compareCatches = compareCatches(planned.base === 'http' ? httpCleanResults : cleanResults, results);
      // A legal behaviour runs every scenario it names: passing one proves nothing about the next.
      if (stopAtCatch && !planned.legal && scoreFault(run, against.verdicts, against.adapter).caught) break;
    }
    run.durationMs = performance.now() - started;
    faults.push(run);
    emit({ type: 'fault-end', index: i + 1, total: o.plan.length, row: scoreFault(run, against.verdicts, against.adapter), elapsedMs: elapsed() });
  }

  const cleans = [clean, ...(cleanHttp ? [cleanHttp] : []), ...archCleans.values()];
  return {
    summary: scoreSelfcheck(faults, cleans, performance.now() - t0), clean, ...(cleanHttp ? { cleanHttp } : {}),
    ...(archCleans.size > 0 ? { cleanArchs: [...archCleans.values()] } : {}), faults, problems,
  };
}
