/**
 * Compares two RunReports row by row, each row with its change, the change's interval and a decision
 * (compare-figures.ts says how figures are judged):
 * - verdict rows (claim x adapter), exact: a required claim going pass -> fail is a regression, an advisory one a
 *   warning; fail -> pass an improvement; a lost verdict (pass -> inconclusive) a warning;
 * - status rows (scenario x adapter): a completed run now ending host-died / timed-out / harness-error is a regression;
 * - figure rows (scenario x metric x adapter): by default the figures the claims read (for a claim on a maximum or
 *   minimum, also the median of the same samples: an extreme of one run has no interval), `metrics: 'all'` every
 *   figure both runs recorded.
 * Exit code 1 when any row is a regression. Pure: no I/O.
 */
import type { RunReport, ScenarioResult, VerdictRow } from './schema.ts';
import { DEFAULT_FLOORS, metricInfo, type UnitClass } from './metric-direction.ts';
import { DEFAULT_FIGURE_OPTIONS, judgeFigure, type Change, type Decision, type FigureOptions } from './compare-figures.ts';
import { CLAIMS } from '../claims/catalogue.ts';
import { resolveClaim } from '../claims/resolve.ts';
import { metricKey } from '../claims/metrics-catalogue.ts';

export type { Decision, Change } from './compare-figures.ts';

/** Identifies the output of `gauntlet compare --json`; bumped on any breaking change of the shape below. */
export const COMPARE_SCHEMA = 'gauntlet-compare/2' as const;

export interface CompareRow {
  kind: 'verdict' | 'status' | 'figure';
  decision: Decision | 'warning';
  adapter: string;
  claim?: string;
  /** Figure rows: the claims that read this figure (empty with `metrics: 'all'` for a figure no claim reads). */
  claims?: string[];
  scenario?: string;
  metric?: string;
  base: number | string | null;
  next: number | string | null;
  unit?: string;
  direction?: 'lower' | 'higher' | 'neutral';
  change?: Change;
  /** Figure and verdict rows: whether the figure's interval straddled the claim's threshold, in BASE / NEW. */
  nearThreshold?: { base: boolean; next: boolean };
  /** One line a user can act on. */
  message: string;
}

export interface CompareOptions {
  /** Relative noise band of figures compared through their samples (default 0.25: x1.25 worse, x1/1.25 better). */
  noise?: number;
  /** Relative band of single figures: bytes, slopes, ratios (default 0.25). */
  noiseSingle?: number;
  floors?: Partial<Record<UnitClass, number>>;
  /** 'claims' (default): verdicts and the figures claims read; 'all': every figure. */
  metrics?: 'claims' | 'all';
  level?: number;
  resamples?: number;
  /** Seed of the bootstrap (default: 1). */
  seed?: number;
}

export type DecisionCounts = Record<Decision | 'warning', number> & { rows: number };

export interface Comparison {
  schema: typeof COMPARE_SCHEMA;
  options: { noise: number; noiseSingle: number; floors: Record<UnitClass, number>; level: number; resamples: number; seed: number; metrics: 'claims' | 'all' };
  base: { seed: number; startedAt: string; command: string; commit?: string; loadavg?: number[]; cpus?: number };
  next: { seed: number; startedAt: string; command: string; commit?: string; loadavg?: number[]; cpus?: number };
  /**
   * What makes the timing rows less trustworthy than their intervals say: a run that started with more runnable
   * processes than cores (load average), whose timing figures shift between runs more than any within-run interval
   * shows. Decisions are not changed; the warning says what to read them with.
   */
  warnings: string[];
  /** Every row, regressions first. */
  rows: CompareRow[];
  counts: DecisionCounts;
  exitCode: 0 | 1;
}

const BAD_STATUS = new Set(['host-died', 'timed-out', 'harness-error']);
const ORDER: Array<CompareRow['decision']> = ['regression', 'warning', 'improvement', 'changed', 'not enough samples', 'within noise', 'unchanged', 'missing', 'added'];

/** Metric keys the built-in claims read, each with the claims reading it; a max/min of a latency adds its p50. */
export function claimFigureKeys(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, id: string) => out.set(k, [...(out.get(k) ?? []), id]);
  for (const c of CLAIMS) {
    const r = resolveClaim(c);
    const agg = r.resolved.threshold.aggregation;
    add(metricKey(r.metric, agg, r.resolved.def), r.id);
    if (r.resolved.def.kind === 'latency' && (agg === 'max' || agg === 'min')) add(metricKey(r.metric, 'p50', r.resolved.def), r.id);
  }
  return out;
}

function fmtNum(v: number | string | null): string {
  if (typeof v !== 'number') return String(v);
  return String(+v.toPrecision(4));
}

function changeText(c: Change | undefined): string {
  if (!c) return '';
  if (c.method === 'bootstrap ratio') {
    return `x${+c.ratio!.toFixed(3)} [${+c.lo!.toFixed(3)}, ${+c.hi!.toFixed(3)}] (${c.stat}, bootstrap, n ${c.samples!.base}/${c.samples!.next}${c.uTestP !== undefined ? `, U-test p=${c.uTestP < 0.001 ? '<0.001' : +c.uTestP.toFixed(3)}` : ''})`;
  }
  if (c.ratio === null) return c.delta === null || c.delta === 0 ? '' : `${c.delta > 0 ? '+' : ''}${fmtNum(c.delta)}`;
  return `${c.ratio >= 1 ? '+' : ''}${+((c.ratio - 1) * 100).toFixed(1)}%`;
}

export function compareReports(base: RunReport, next: RunReport, options: CompareOptions = {}): Comparison {
  const o: FigureOptions = {
    noise: options.noise ?? DEFAULT_FIGURE_OPTIONS.noise,
    noiseSingle: options.noiseSingle ?? DEFAULT_FIGURE_OPTIONS.noiseSingle,
    floors: { ...DEFAULT_FLOORS, ...options.floors },
    level: options.level ?? DEFAULT_FIGURE_OPTIONS.level,
    resamples: options.resamples ?? DEFAULT_FIGURE_OPTIONS.resamples,
    seed: options.seed ?? DEFAULT_FIGURE_OPTIONS.seed,
  };
  const scope = options.metrics ?? 'claims';
  const rows: CompareRow[] = [];

  // ---- verdicts: claim x adapter, exact ----
  const vkey = (v: VerdictRow) => `${v.claim}\u0000${v.adapter}`;
  const baseRows = new Map((base.verdicts ?? []).map((v) => [vkey(v), v]));
  const nextRows = new Map((next.verdicts ?? []).map((v) => [vkey(v), v]));
  for (const [k, b] of baseRows) {
    const n = nextRows.get(k);
    const where = `${b.claim} x ${b.adapter}`;
    if (!n) { rows.push({ kind: 'verdict', decision: 'missing', claim: b.claim, adapter: b.adapter, base: b.verdict, next: null, message: `${where}: evaluated in BASE, absent from NEW` }); continue; }
    const near = { base: b.nearThreshold === true, next: n.nearThreshold === true };
    const nearText = near.base || near.next ? ` (near threshold in ${near.base && near.next ? 'both' : near.base ? 'BASE' : 'NEW'})` : '';
    let decision: CompareRow['decision'] = 'unchanged';
    if (b.verdict !== n.verdict) {
      const flipFail = b.verdict === 'pass' && n.verdict === 'fail';
      decision = flipFail ? (n.severity === 'advisory' ? 'warning' : 'regression')
        : b.verdict === 'fail' && n.verdict === 'pass' ? 'improvement' : b.verdict === 'pass' ? 'warning' : 'changed';
    }
    rows.push({
      kind: 'verdict', decision, claim: b.claim, adapter: b.adapter, base: b.verdict, next: n.verdict, nearThreshold: near,
      message: `${where}: verdict ${b.verdict} -> ${n.verdict}${nearText}${decision === 'regression' ? ` (${n.severity} claim now FAILS: ${n.reason})` : ''}`,
    });
  }
  for (const [k, n] of nextRows) if (!baseRows.has(k)) rows.push({ kind: 'verdict', decision: 'added', claim: n.claim, adapter: n.adapter, base: null, next: n.verdict, message: `${n.claim} x ${n.adapter}: new in NEW (${n.verdict})` });

  // ---- scenarios x adapters: status, then figures ----
  const claimKeys = claimFigureKeys();
  const skey = (s: ScenarioResult) => `${s.scenario}\u0000${s.adapter}`;
  const baseRuns = new Map((base.scenarios ?? []).map((s) => [skey(s), s]));
  const nextRuns = new Map((next.scenarios ?? []).map((s) => [skey(s), s]));
  for (const [k, b] of baseRuns) {
    const n = nextRuns.get(k);
    const where = `${b.scenario} x ${b.adapter}`;
    if (!n) { rows.push({ kind: 'status', decision: 'missing', scenario: b.scenario, adapter: b.adapter, base: b.status, next: null, message: `${where}: ran in BASE, absent from NEW` }); continue; }
    if (b.status !== n.status) {
      const decision: Decision = !BAD_STATUS.has(b.status) && BAD_STATUS.has(n.status) ? 'regression' : BAD_STATUS.has(b.status) && !BAD_STATUS.has(n.status) ? 'improvement' : 'changed';
      const err = n.errors?.[0];
      rows.push({ kind: 'status', decision, scenario: b.scenario, adapter: b.adapter, base: b.status, next: n.status, message: `${where}: status ${b.status} -> ${n.status}${err ? ` (${err.code}${err.signal ? ` ${err.signal}` : ''}: ${err.message})` : ''}` });
    }
    if (b.status !== 'completed' || n.status !== 'completed') continue; // figures of a broken run are not comparable
    for (const [name, [bv, nv]] of figurePairs(b, n)) {
      const claims = claimKeys.get(name) ?? [];
      if (scope === 'claims' && claims.length === 0) continue;
      const info = metricInfo(name);
      const j = judgeFigure(name, b, n, bv, nv, info, o);
      const iv = n.intervals?.[name];
      rows.push({
        kind: 'figure', decision: j.decision, scenario: b.scenario, adapter: b.adapter, metric: name, claims,
        base: bv, next: nv, direction: info.direction, change: j.change,
        message: `${where} ${name}: ${fmtNum(bv)} -> ${fmtNum(nv)}${iv ? ` ${iv.stat === 'rate' ? '/s' : 'ms'}` : ''} ${changeText(j.change)}: ${j.decision} (${j.why})`.replace(/ {2,}/g, ' '),
      });
    }
  }
  for (const [k, n] of nextRuns) if (!baseRuns.has(k)) rows.push({ kind: 'status', decision: 'added', scenario: n.scenario, adapter: n.adapter, base: null, next: n.status, message: `${n.scenario} x ${n.adapter}: new in NEW (${n.status})` });

  const counts = Object.fromEntries([...ORDER.map((d) => [d, 0]), ['rows', rows.length]]) as DecisionCounts;
  for (const r of rows) counts[r.decision]++;
  rows.sort((a, b) => ORDER.indexOf(a.decision) - ORDER.indexOf(b.decision));
  const info = (r: RunReport) => ({
    seed: r.seed, startedAt: r.startedAt, command: r.command,
    ...(r.environment?.commit ? { commit: r.environment.commit } : {}),
    ...(r.environment?.loadavg ? { loadavg: r.environment.loadavg } : {}),
    ...(r.environment?.cpus ? { cpus: r.environment.cpus } : {}),
  });
  return {
    schema: COMPARE_SCHEMA,
    options: { noise: o.noise, noiseSingle: o.noiseSingle, floors: o.floors, level: o.level, resamples: o.resamples, seed: o.seed, metrics: scope },
    base: info(base), next: info(next), warnings: loadWarnings(base, next), rows, counts, exitCode: counts.regression > 0 ? 1 : 0,
  };
}

/** A warning per report that started on an overloaded machine (1-minute load average above its cores). */
export function loadWarnings(base: RunReport, next: RunReport): string[] {
  const out: string[] = [];
  for (const [name, r] of [['BASE', base], ['NEW', next]] as const) {
    const load = r.environment?.loadavg?.[0];
    const cpus = r.environment?.cpus;
    if (typeof load === 'number' && typeof cpus === 'number' && cpus > 0 && load > cpus) {
      out.push(`${name} started with a load average of ${load} on ${cpus} cores: its timing figures depend on what else ran, and may differ from another run's by more than their intervals (which only see this run's samples)`);
    }
  }
  return out;
}

/** Figures present and finite in both runs: the metrics, plus p50/p99/mean of each latency summary unless a metric holds them. */
function figurePairs(b: ScenarioResult, n: ScenarioResult): Array<[string, [number, number]]> {
  const flat = (s: ScenarioResult) => {
    const m = new Map<string, number>();
    for (const [k, l] of Object.entries(s.latency ?? {})) for (const q of ['p50', 'p99', 'mean'] as const) if (l && l.count > 0 && Number.isFinite(l[q])) m.set(`latency.${k}.${q}`, l[q]);
    for (const [k, v] of Object.entries(s.metrics ?? {})) if (typeof v === 'number' && Number.isFinite(v)) m.set(k, v);
    return m;
  };
  const fb = flat(b), fn = flat(n);
  return [...fb].filter(([k]) => fn.has(k)).map(([k, v]) => [k, [v, fn.get(k)!]]);
}
