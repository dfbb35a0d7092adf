/**
 * Merges the report.json files of one sharded run (`gauntlet run --shard i/n`) into one report: scenarios
 * concatenated in shard order, adapters united, verdicts re-evaluated when an evaluator is given, else combined
 * per claim x adapter (the worst decisive verdict wins: fail > pass > inconclusive > not-applicable). Pure: no I/O.
 */
import { benchScenarioFromReport } from '../bench/claim-metrics.ts';
import { GauntletError } from '../util/errors.ts';
import type { RunReport, ScenarioResult, Verdict, VerdictRow } from './schema.ts';
import { summarizeVerdicts } from './summary.ts';

export type Evaluate = (results: ScenarioResult[], adapters: string[]) => VerdictRow[];

export interface MergeInput { report: RunReport; file: string }

const RANK: Record<Verdict, number> = { fail: 3, pass: 2, inconclusive: 1, 'not-applicable': 0 };

/** Combines the verdict rows of several shards for the same claim x adapter. */
export function combineVerdicts(rows: VerdictRow[]): VerdictRow[] {
  const out = new Map<string, VerdictRow>();
  for (const v of rows) {
    const k = `${v.claim}\u0000${v.adapter}`;
    const prev = out.get(k);
    if (!prev) { out.set(k, { ...v, evidence: { ...v.evidence, scenarios: [...(v.evidence?.scenarios ?? [])] } }); continue; }
    const winner = RANK[v.verdict] > RANK[prev.verdict] ? v : prev;
    const scenarios = [...new Set([...(prev.evidence?.scenarios ?? []), ...(v.evidence?.scenarios ?? [])])];
    const samples = (prev.evidence?.samples ?? 0) + (v.evidence?.samples ?? 0);
    const notes = [...(prev.evidence?.notes ?? []), ...(v.evidence?.notes ?? [])];
    out.set(k, { ...winner, evidence: { scenarios, ...(samples ? { samples } : {}), ...(notes.length ? { notes } : {}) } });
  }
  return [...out.values()];
}

/** The shard's command without its --shard flag: what reproduces the whole run. */
export function unshardedCommand(command: string): string {
  return command.replace(/\s+--shard(?:=|\s+)\S+/g, '');
}

export function mergeReports(inputs: MergeInput[], options: { evaluate?: Evaluate } = {}): { report: RunReport; reevaluated: boolean } {
  if (inputs.length === 0) throw new GauntletError('GAUNTLET_USAGE', 'merge: no report to merge; pass one or more folders holding report.json');
  const sorted = [...inputs].sort((a, b) => (a.report.shard?.index ?? 0) - (b.report.shard?.index ?? 0));
  const first = sorted[0].report;
  for (const { report, file } of sorted.slice(1)) {
    if (report.seed !== first.seed) {
      throw new GauntletError('GAUNTLET_USAGE', `${file}: seed ${report.seed} differs from ${sorted[0].file} (seed ${first.seed}); shards of one run share a seed`);
    }
    const a = first.model?.sha256, b = report.model?.sha256;
    if (a && b && a !== b) throw new GauntletError('GAUNTLET_USAGE', `${file}: model sha256 ${b.slice(0, 12)} differs from ${sorted[0].file} (${a.slice(0, 12)}); shards must test the same model`);
  }
  const seen = new Map<number, string>();
  for (const { report, file } of sorted) {
    const idx = report.shard?.index;
    if (idx === undefined) continue;
    if (seen.has(idx)) throw new GauntletError('GAUNTLET_USAGE', `${file}: shard ${idx}/${report.shard?.count} is also in ${seen.get(idx)}; pass each shard once`);
    seen.set(idx, file);
  }
  const scenarios = sorted.flatMap((x) => x.report.scenarios ?? []);
  const adapters = [...new Set(sorted.flatMap((x) => [...(x.report.adapters ?? []), ...(x.report.scenarios ?? []).map((s) => s.adapter)]))];
  const benches = sorted.map((x) => x.report.bench).filter((b): b is NonNullable<RunReport['bench']> => !!b);
  const bench = benches.length ? { ...Object.assign({}, ...benches), targets: benches.flatMap((b) => b.targets ?? []) } : undefined;
  // Benchmark figures (report.bench, shard 1 of a `gauntlet run --bench` fan-out) are re-evaluated with the scenarios,
  // under the "bench" pseudo-adapter, as the run itself evaluated them; they are not scenarios of the merged report.
  const benchResults = benches.map(benchScenarioFromReport).filter((r): r is ScenarioResult => !!r);
  const verdicts = options.evaluate ? options.evaluate([...scenarios, ...benchResults], adapters) : combineVerdicts(sorted.flatMap((x) => x.report.verdicts ?? []));
  const starts = sorted.map((x) => Date.parse(x.report.startedAt)).filter(Number.isFinite);
  const comparisonAdapters = [...new Set(sorted.flatMap((x) => x.report.comparisonAdapters ?? []))];
  const summary = summarizeVerdicts(verdicts, scenarios, comparisonAdapters);
  const report: RunReport = {
    ...first,
    command: unshardedCommand(first.command),
    startedAt: starts.length ? new Date(Math.min(...starts)).toISOString() : first.startedAt,
    // Shards usually run side by side (a CI matrix): the run took as long as its slowest shard.
    durationMs: Math.max(...sorted.map((x) => x.report.durationMs ?? 0)),
    quick: sorted.some((x) => x.report.quick),
    adapters,
    ...(comparisonAdapters.length > 0 ? { comparisonAdapters } : {}),
    ...mergedReferences(sorted.map((x) => x.report)),
    scenarios,
    verdicts,
    summary,
  };
  delete report.shard;
  if (bench) report.bench = bench; else delete report.bench;
  return { report, reevaluated: !!options.evaluate };
}

/** One reference per adapter over the shards: a shard whose scenarios never needed the oracle says least. */
function mergedReferences(reports: RunReport[]): Pick<RunReport, 'references'> {
  const by = new Map<string, NonNullable<RunReport['references']>[number]>();
  for (const r of reports) {
    for (const ref of r.references ?? []) {
      const had = by.get(ref.adapter);
      if (!had || (had.kind === 'oracle' && had.note === 'no scenario of this run needed it')) by.set(ref.adapter, ref);
    }
  }
  return by.size ? { references: [...by.values()] } : {};
}
