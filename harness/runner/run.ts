/**
 * A whole run: every scenario x adapter (of this shard), in order, then the claims, then one RunReport.
 * The run can be awaited and observed: listeners get run-start, scenario-start, fault, sample, restart,
 * scenario-end and run-end events. Reporters' hooks are called from the same events; the engine never prints.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enforcesLimits, type ResolvedAdapter } from '../adapters/types.ts';
import type { Reporter } from '../report/reporter.ts';
import { REPORT_SCHEMA_VERSION, type ReferenceInfo, type RunReport, type ScenarioResult, type VerdictRow } from '../report/schema.ts';
import { INTERRUPT_EXIT_CODES, summarizeVerdicts } from '../report/summary.ts';
import { toError } from '../util/errors.ts';
import { environmentInfo } from './environment.ts';
import { describeEnd, ProcessTracker, type Leftover } from './process-tracker.ts';
import { runScenario } from './run-scenario.ts';
import { treeCpuMs } from './timing.ts';
import type { RunEnv, ScenarioDeps } from './scenario-context.ts';
import { durationKey, readDurations, startOrder, writeDurations } from './schedule.ts';
import { shardItems, type Shard } from './shard.ts';
import type { GoldenSet } from '../golden/golden-file.ts';
import type { AnyScenario, RunEvent, RunEventOf, RunEventType, RunModel } from './types.ts';

export interface RunOptions {
  scenarios: AnyScenario[];
  adapters: ResolvedAdapter[];
  seed: number;
  quick: boolean;
  /** The command line that reproduces the run (printed in reports). */
  command: string;
  shard?: Shard;
  model: RunModel;
  /** Turns results into verdicts (harness/claims). Default: the claims module's evaluateClaims over CLAIMS. */
  evaluate?: (results: ScenarioResult[], adapters: ResolvedAdapter[]) => VerdictRow[] | Promise<VerdictRow[]>;
  reporters?: Reporter[];
  /** Host start, oracle and model generation (defaults: harness/host, harness/gguf). Tests inject their own. */
  deps?: Partial<ScenarioDeps>;
  /** Parent of the per-run temp dir (default os.tmpdir()). */
  tmpRoot?: string;
  memoryLimitMechanism?: string;
  /** Grace before leftover processes are SIGKILLed at the end of a scenario (default 2500 ms). */
  sweepGraceMs?: number;
  /**
   * A step after the scenarios, before the claims (`gauntlet run --bench`: the benchmark suite). Its results are
   * evaluated with the scenarios' (they are not listed in report.scenarios); its `bench` becomes report.bench.
   * If it throws, the run reports a GAUNTLET_AFTER_SCENARIOS_ERROR problem (exit 2).
   */
  afterScenarios?: () => Promise<{ results: ScenarioResult[]; bench?: RunReport['bench'] } | undefined>;
  /**
   * Interrupts the run (its reason is the signal name, 'SIGINT' or 'SIGTERM'): the scenario under way is stopped and
   * dropped, no other starts, the step after the scenarios is skipped; the report is marked partial.
   */
  interrupt?: AbortSignal;
  /** Runs in flight together (see DEFAULT_LANES); 1 runs everything one after the other. */
  lanes?: number;
  /**
   * Wall times of earlier runs here (harness/runner/schedule.ts), read to start the overlap runs longest first and
   * updated with this run's. Default: none (overlap runs start in the plan's order).
   */
  durationsFile?: string;
  /** Golden vectors (config `golden`): the run's reference instead of the oracle. */
  golden?: GoldenSet;
}

/** The report plus what went wrong outside any scenario (claims evaluation, reporter hooks). */
export interface RunOutcome {
  report: RunReport;
  problems: Array<{ code: string; message: string }>;
}

export interface PlannedRun { scenario: AnyScenario; adapter: ResolvedAdapter }

/**
 * How many runs may be in flight together (--lanes N): only runs of scenarios marked `overlap` (their claims are
 * counts, verdicts and per-process memory with wide time bounds, not timings) ever share the machine, and only with
 * each other; every other run has it to itself. Default: two more than the cores, at most 4 (1 on one core). The
 * overlap runs keep a core ~75% busy on average (118 s of CPU in 157 s run one by one, 2 cores) and wait the rest
 * (hang, restart-limit, pipe-disconnect), so on two cores four of them fit: the stretch took 91 s with 2 lanes,
 * 77 s with 3, and with restart-limit and soak added 86 s with 3 and 81 s with 4, with the same verdicts.
 */
export const DEFAULT_LANES = os.availableParallelism() < 2 ? 1 : Math.min(4, os.availableParallelism() + 2);

/** scenario-major order: every adapter of the first scenario, then the next scenario; then the shard's share. */
export function planRuns(scenarios: AnyScenario[], adapters: ResolvedAdapter[], shard?: Shard): PlannedRun[] {
  const all: PlannedRun[] = [];
  for (const scenario of scenarios) for (const adapter of adapters) all.push({ scenario, adapter });
  return shardItems(all, shard);
}

async function defaultDeps(): Promise<ScenarioDeps> {
  return {
    startHost: async (adapter, opts) => (await import('../host/host-handle.ts')).startHost(adapter, opts),
    loadOracle: async (p) => (await import('../gguf/oracle.ts')).loadOracle(p),
    generateModel: async (o) => (await import('../gguf/generator.ts')).generateModel(o),
  };
}

async function defaultEvaluate(results: ScenarioResult[], adapters: ResolvedAdapter[]): Promise<VerdictRow[]> {
  const { CLAIMS, evaluateClaims } = await import('../claims/index.ts');
  return evaluateClaims(CLAIMS, results, adapters.map((a) => ({ name: a.name, kind: a.config.kind, enforcesLimits: enforcesLimits(a.config) })));
}

export class GauntletRun {
  private readonly emitter = new EventEmitter();
  constructor(private readonly opts: RunOptions) {}

  on<T extends RunEventType>(type: T, listener: (e: RunEventOf<T>) => void): this {
    this.emitter.on(type, listener as (e: RunEvent) => void);
    return this;
  }

  private emit(e: RunEvent, problems: RunOutcome['problems']): void {
    try {
      this.emitter.emit(e.type, e);
    } catch (err) {
      problems.push({ code: 'GAUNTLET_LISTENER_ERROR', message: `a ${e.type} listener threw: ${toError(err).message}` });
    }
  }

  async run(): Promise<RunOutcome> {
    const o = this.opts;
    const problems: RunOutcome['problems'] = [];
    const startedAt = new Date();
    const t0 = performance.now();
    const plan = planRuns(o.scenarios, o.adapters, o.shard);
    const tmpDir = mkdtempSync(path.join(o.tmpRoot ?? os.tmpdir(), 'gauntlet-run-'));
    const tracker = new ProcessTracker();
    // From here on every process started inherits the run tag: the sweeps find it even after its parent died.
    tracker.beginRun();
    const env: RunEnv = {
      seed: o.seed, quick: o.quick, model: o.model, tmpDir, tracker,
      emit: (e) => this.emit(e, problems),
      deps: { ...(await defaultDeps()), ...o.deps },
      oracles: new Map(), oracleErrors: new Map(), models: new Map(), sweepGraceMs: o.sweepGraceMs,
      ...(o.golden ? { golden: o.golden } : {}),
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
    };
    let partial: RunReport['partial'];
    const markInterrupted = (stopped: PlannedRun | undefined, notRun: PlannedRun[]) => {
      const reason = o.interrupt?.reason;
      partial = {
        signal: reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT',
        atMs: Math.round(performance.now() - t0),
        ...(stopped ? { interrupted: { scenario: stopped.scenario.id, adapter: stopped.adapter.name } } : {}),
        notRun: notRun.map((p) => ({ scenario: p.scenario.id, adapter: p.adapter.name })),
      };
    };
    const hook = (name: string, fn: () => void) => {
      try { fn(); } catch (e) { problems.push({ code: 'GAUNTLET_REPORTER_ERROR', message: `reporter ${name} threw: ${toError(e).message}` }); }
    };
    const reporters = o.reporters ?? [];
    const adapterNames = o.adapters.map((a) => a.name);
    const scenarioIds = [...new Set(plan.map((p) => p.scenario.id))];
    const startInfo = {
      seed: o.seed, command: o.command, quick: o.quick, adapters: adapterNames, scenarios: scenarioIds,
      totalRuns: plan.length, startedAt: startedAt.toISOString(), ...(o.shard ? { shard: o.shard } : {}),
    };
    this.emit({ type: 'run-start', info: startInfo }, problems);
    for (const r of reporters) hook(r.name, () => r.onRunStart?.(startInfo));

    const results: ScenarioResult[] = [];
    const lanes = Math.max(1, Math.floor(o.lanes ?? DEFAULT_LANES));
    const byIndex = new Map<number, ScenarioResult>();
    const stopped: number[] = [];
    const started = new Set<number>();
    // Overlap bookkeeping: which runs were in flight together, and the CPU of each stretch with more than one.
    const windows = new Map<number, { start: number; end: number }>();
    const inFlight = new Map<number, Promise<void>>();
    let group: { cpu0: number | null; t0: number; members: number[] } | undefined;
    const groups: Array<{ members: number[]; wallMs: number; cpuMs: number | null }> = [];
    const durations = readDurations(o.durationsFile);
    const measured = new Map<string, number>();
    const runOne = async (index: number): Promise<void> => {
      const { scenario, adapter } = plan[index]!;
      started.add(index);
      if (!group) group = { cpu0: treeCpuMs(), t0: performance.now(), members: [] };
      group.members.push(index);
      const info = { scenario: scenario.id, title: scenario.title, adapter: adapter.name, index, ordinal: started.size, total: plan.length };
      this.emit({ type: 'scenario-start', info }, problems);
      for (const r of reporters) hook(r.name, () => r.onScenarioStart?.(info));
      const t = performance.now();
      const result = await tracker.runAs(`${scenario.id}/${adapter.name}`, () => runScenario(scenario, adapter, env));
      const end = performance.now();
      windows.set(index, { start: t, end });
      if (result.status !== 'skipped') measured.set(durationKey(scenario.id, adapter.name, o.quick), end - t);
      // Interrupted while it ran (a Ctrl-C also reaches the hosts and embedders in the terminal's process group):
      // whatever it measured is not a finding, so it is dropped and listed as stopped.
      if (o.interrupt?.aborted) { stopped.push(index); return; }
      byIndex.set(index, result);
      this.emit({ type: 'scenario-end', result }, problems);
      for (const r of reporters) hook(r.name, () => r.onScenarioEnd?.(result));
    };
    const launch = (index: number) => {
      const p = runOne(index).finally(() => {
        inFlight.delete(index);
        if (inFlight.size === 0 && group) {
          const cpu1 = treeCpuMs();
          groups.push({ members: group.members, wallMs: performance.now() - group.t0, cpuMs: group.cpu0 === null || cpu1 === null ? null : cpu1 - group.cpu0 });
          group = undefined;
        }
      });
      inFlight.set(index, p);
      return p;
    };
    try {
      for (const index of startOrder(plan, lanes, o.quick, durations)) {
        const { scenario } = plan[index]!;
        if (o.interrupt?.aborted) break;
        // A run whose figures are timings or memory runs alone; one marked `overlap` may run beside others like it.
        if (lanes > 1 && scenario.overlap === true) {
          while (inFlight.size >= lanes) await Promise.race(inFlight.values());
          if (o.interrupt?.aborted) break;
          void launch(index);
        } else {
          await Promise.all(inFlight.values());
          if (o.interrupt?.aborted) break;
          await launch(index);
        }
      }
      await Promise.all(inFlight.values());
      if (o.interrupt?.aborted) {
        const notStarted = plan.filter((_, i) => !started.has(i));
        const stoppedRuns = stopped.sort((a, b) => a - b).map((i) => plan[i]!);
        markInterrupted(stoppedRuns[0], [...stoppedRuns.slice(1), ...notStarted]);
      }
      for (const [index] of plan.entries()) {
        const r = byIndex.get(index);
        if (r) results.push(r);
      }
      markOverlaps(plan, byIndex, windows, groups);
      if (!o.interrupt?.aborted) writeDurations(o.durationsFile, measured);
    } finally {
      // Whatever happened: nothing the harness started may outlive the run.
      reportLeftovers(await tracker.sweep(undefined, 500), results, problems, 'at the end of the scenarios');
      rmSync(tmpDir, { recursive: true, force: true });
    }

    let extra: Awaited<ReturnType<NonNullable<RunOptions['afterScenarios']>>>;
    try {
      if (!partial && !o.interrupt?.aborted) extra = await interruptible(o.afterScenarios?.(), o.interrupt);
      if (!partial && o.interrupt?.aborted) markInterrupted(undefined, []);
    } catch (e) {
      problems.push({ code: 'GAUNTLET_AFTER_SCENARIOS_ERROR', message: `the step after the scenarios failed: ${toError(e).message}` });
    } finally {
      // The step after the scenarios (benchmarks) starts processes too: none may outlive the run either.
      reportLeftovers(await tracker.sweep(undefined, 500), results, problems, 'after the step after the scenarios');
      tracker.endRun();
    }
    let verdicts: VerdictRow[] = [];
    try {
      verdicts = await (o.evaluate ?? defaultEvaluate)([...results, ...(extra?.results ?? [])], o.adapters);
    } catch (e) {
      problems.push({ code: 'GAUNTLET_CLAIMS_ERROR', message: `evaluating claims failed: ${toError(e).message}` });
    }
    const comparisonAdapters = o.adapters.filter((a) => a.config.comparison === true).map((a) => a.name);
    const summary = summarizeVerdicts(verdicts, results, comparisonAdapters);
    if (problems.length > 0 && summary.exitCode === 0) summary.exitCode = 2;
    if (partial) summary.exitCode = INTERRUPT_EXIT_CODES[partial.signal];
    const report: RunReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      seed: o.seed,
      command: o.command,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      quick: o.quick,
      ...(o.shard ? { shard: o.shard } : {}),
      environment: environmentInfo({ memoryLimitMechanism: o.memoryLimitMechanism }),
      model: o.model,
      adapters: adapterNames,
      references: await describeReferences(o, env, adapterNames),
      ...(comparisonAdapters.length > 0 ? { comparisonAdapters } : {}),
      scenarios: results,
      verdicts,
      ...(extra?.bench ? { bench: extra.bench } : {}),
      summary,
      ...(partial ? { partial } : {}),
      ...(problems.length > 0 ? { errors: [...problems] } : {}),
    };
    this.emit({ type: 'run-end', report }, problems);
    return { report, problems };
  }
}

/** Which reference judged each adapter: the golden file when the config gives one, else the oracle (or nothing). */
async function describeReferences(o: RunOptions, env: RunEnv, adapters: string[]): Promise<ReferenceInfo[]> {
  const g = o.golden;
  if (g) {
    return adapters.map((adapter) => ({
      adapter, kind: 'golden', source: g.file, engine: g.data.engine.adapter, engineKind: g.data.engine.kind, recordedAt: g.data.recordedAt,
      ...(g.data.engine.adapter === adapter ? { note: 'this adapter recorded the golden file: it is judged against its own earlier vectors' } : {}),
    }));
  }
  const failed = env.oracleErrors?.get(o.model.path);
  const loaded = env.oracles.get(o.model.path);
  let note: string | undefined;
  if (!loaded && !failed) note = 'no scenario of this run needed it';
  else if (loaded) await loaded.catch((e: unknown) => { note = toError(e).message; });
  const why = failed ?? (note && loaded ? note : undefined);
  return adapters.map((adapter) => (why
    ? { adapter, kind: 'none', source: o.model.path, note: `the oracle cannot run the model (${why}); record golden vectors (gauntlet golden record) and give the config golden: FILE` }
    : { adapter, kind: 'oracle', source: o.model.path, ...(note ? { note } : {}) }));
}

/**
 * A process that had to be ended by the run's last sweeps is a finding of the scenario that started it (its
 * result gets a GAUNTLET_LEFTOVER_PROCESS error); one started outside any scenario is a run problem.
 */
function reportLeftovers(left: Leftover[], results: ScenarioResult[], problems: RunOutcome['problems'], when: string): void {
  for (const l of left) {
    const owner = results.find((r) => `${r.scenario}/${r.adapter}` === l.owner);
    const err = {
      code: 'GAUNTLET_LEFTOVER_PROCESS',
      message: `${l.role} pid ${l.pid} (${l.owner}) was alive ${when}; ${describeEnd(l)} (${l.cmdline || 'cmdline unknown'})`,
    };
    if (owner) owner.errors.push(err);
    else problems.push(err);
  }
}

/**
 * A run that had another in flight beside it at some moment: its own CPU cannot be told apart from the other's, so
 * its timing.cpuMs is null and timing.overlap holds the stretch it belonged to (runs, wall, CPU of all of them).
 */
function markOverlaps(plan: PlannedRun[], byIndex: Map<number, ScenarioResult>, windows: Map<number, { start: number; end: number }>,
  groups: Array<{ members: number[]; wallMs: number; cpuMs: number | null }>): void {
  for (const [stretch, g] of groups.entries()) {
    if (g.members.length < 2) continue;
    for (const i of g.members) {
      const r = byIndex.get(i);
      const w = windows.get(i);
      if (!r?.timing || !w) continue;
      const beside = g.members.filter((j) => j !== i && windows.has(j) && windows.get(j)!.start < w.end && windows.get(j)!.end > w.start);
      if (!beside.length) continue;
      r.timing.cpuMs = null;
      r.timing.overlap = {
        with: beside.map((j) => `${plan[j]!.scenario.id}/${plan[j]!.adapter.name}`),
        stretch, runs: g.members.length, wallMs: Math.round(g.wallMs), cpuMs: g.cpuMs,
      };
    }
  }
}

/** Resolves with the step's result, or with undefined as soon as the run is interrupted (its processes are swept). */
function interruptible<T>(work: Promise<T> | undefined, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!work || !signal) return Promise.resolve(work);
  work.catch(() => undefined); // an interrupted step's late failure is not a problem of the run
  return Promise.race([work, new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
}

export function createRun(opts: RunOptions): GauntletRun {
  return new GauntletRun(opts);
}

/** Runs everything and resolves with the report and any run-level problems. */
export function runGauntlet(opts: RunOptions, onEvent?: (e: RunEvent) => void): Promise<RunOutcome> {
  const run = createRun(opts);
  if (onEvent) {
    for (const t of ['run-start', 'scenario-start', 'fault', 'sample', 'restart', 'scenario-end', 'run-end'] as const) {
      run.on(t, onEvent as (e: RunEventOf<typeof t>) => void);
    }
  }
  return run.run();
}
