/**
 * Compares two RunReports: claim verdicts and values per claim x adapter, scenario status and metrics per
 * scenario x adapter. A change counts only beyond the noise band max(noise x |base|, floor of its unit class).
 * Regressions (exit 1): a required claim flipping pass -> fail, a required claim's value or a scenario metric
 * getting worse beyond the band, a scenario that completed before and now ends host-died / timed-out /
 * harness-error. Advisory claims only warn. Pure: no I/O.
 */
import type { RunReport, ScenarioResult, VerdictRow } from './schema.ts';
import { DEFAULT_FLOORS, metricInfo, thresholdDirection, unitClass, type Direction, type UnitClass } from './metric-direction.ts';

export type FindingKind = 'regression' | 'improvement' | 'warning' | 'changed' | 'missing' | 'added';

export interface Finding {
  kind: FindingKind;
  subject: 'verdict' | 'claim-value' | 'status' | 'metric';
  adapter: string;
  claim?: string;
  scenario?: string;
  metric?: string;
  base: number | string | null;
  next: number | string | null;
  unit?: string;
  /** next - base, for numbers. */
  delta?: number;
  /** delta / |base| (null when base is 0). */
  relative?: number | null;
  /** The band the change had to exceed. */
  band?: number;
  direction?: Direction;
  message: string;
}

export interface CompareOptions { noise?: number; floors?: Partial<Record<UnitClass, number>> }

export interface Comparison {
  noise: number;
  floors: Record<UnitClass, number>;
  base: { seed: number; startedAt: string; command: string };
  next: { seed: number; startedAt: string; command: string };
  findings: Finding[];
  counts: Record<FindingKind, number> & { compared: number };
  exitCode: 0 | 1;
}

type Judged = 'regression' | 'improvement' | 'same' | 'changed';

function judge(base: number, next: number, direction: Direction, floor: number, noise: number): { verdict: Judged; band: number } {
  const band = Math.max(noise * Math.abs(base), floor);
  const delta = next - base;
  if (!(Math.abs(delta) > band)) return { verdict: 'same', band };
  if (direction === 'neutral') return { verdict: 'changed', band };
  const worse = direction === 'lower' ? delta > 0 : delta < 0;
  return { verdict: worse ? 'regression' : 'improvement', band };
}

function pct(rel: number | null | undefined): string {
  return rel === null || rel === undefined ? 'from 0' : `${rel >= 0 ? '+' : ''}${(rel * 100).toFixed(1)}%`;
}

const BAD_STATUS = new Set(['host-died', 'timed-out', 'harness-error']);

export function compareReports(base: RunReport, next: RunReport, options: CompareOptions = {}): Comparison {
  const noise = options.noise ?? 0.1;
  const floors = { ...DEFAULT_FLOORS, ...options.floors };
  const findings: Finding[] = [];
  let compared = 0;

  const numeric = (f: Omit<Finding, 'kind' | 'delta' | 'relative' | 'band' | 'message'> & { base: number; next: number; direction: Direction; unitClass: UnitClass; label: string; advisory?: boolean }) => {
    compared++;
    const { verdict, band } = judge(f.base, f.next, f.direction, floors[f.unitClass], noise);
    if (verdict === 'same') return;
    const delta = f.next - f.base;
    const relative = f.base === 0 ? null : delta / Math.abs(f.base);
    const kind: FindingKind = verdict === 'regression' ? (f.advisory ? 'warning' : 'regression') : verdict;
    const { unitClass: _u, label, advisory: _a, ...rest } = f;
    findings.push({ ...rest, kind, delta, relative, band, message: `${label}: ${f.base} -> ${f.next}${f.unit ? ` ${f.unit}` : ''} (${pct(relative)}, ${f.direction === 'neutral' ? 'no better direction' : `${f.direction} is better`}, band ${+band.toPrecision(3)})` });
  };

  // ---- claims x adapters ----
  const key = (v: VerdictRow) => `${v.claim}\u0000${v.adapter}`;
  const baseRows = new Map((base.verdicts ?? []).map((v) => [key(v), v]));
  const nextRows = new Map((next.verdicts ?? []).map((v) => [key(v), v]));
  for (const [k, b] of baseRows) {
    const n = nextRows.get(k);
    const where = `${b.claim} x ${b.adapter}`;
    if (!n) { findings.push({ kind: 'missing', subject: 'verdict', claim: b.claim, adapter: b.adapter, base: b.verdict, next: null, message: `${where}: evaluated in BASE, absent from NEW` }); continue; }
    const advisory = n.severity === 'advisory';
    compared++;
    if (b.verdict !== n.verdict) {
      const flipFail = b.verdict === 'pass' && n.verdict === 'fail';
      const flipPass = b.verdict === 'fail' && n.verdict === 'pass';
      const kind: FindingKind = flipFail ? (advisory ? 'warning' : 'regression') : flipPass ? 'improvement' : b.verdict === 'pass' ? 'warning' : 'changed';
      findings.push({ kind, subject: 'verdict', claim: b.claim, adapter: b.adapter, base: b.verdict, next: n.verdict, message: `${where}: verdict ${b.verdict} -> ${n.verdict}${flipFail ? ` (${n.severity} claim now FAILS: ${n.reason})` : ''}` });
      if (flipFail || flipPass) continue;
    }
    if (typeof b.value === 'number' && typeof n.value === 'number' && Number.isFinite(b.value) && Number.isFinite(n.value)) {
      numeric({ subject: 'claim-value', claim: b.claim, adapter: b.adapter, base: b.value, next: n.value, unit: n.unit, direction: thresholdDirection(n.threshold), unitClass: unitClass(n.unit), label: `${where} value`, advisory });
    }
  }
  for (const [k, n] of nextRows) if (!baseRows.has(k)) findings.push({ kind: 'added', subject: 'verdict', claim: n.claim, adapter: n.adapter, base: null, next: n.verdict, message: `${n.claim} x ${n.adapter}: new in NEW (${n.verdict})` });

  // ---- scenarios x adapters ----
  const skey = (s: ScenarioResult) => `${s.scenario}\u0000${s.adapter}`;
  const baseRuns = new Map((base.scenarios ?? []).map((s) => [skey(s), s]));
  const nextRuns = new Map((next.scenarios ?? []).map((s) => [skey(s), s]));
  for (const [k, b] of baseRuns) {
    const n = nextRuns.get(k);
    const where = `${b.scenario} x ${b.adapter}`;
    if (!n) { findings.push({ kind: 'missing', subject: 'status', scenario: b.scenario, adapter: b.adapter, base: b.status, next: null, message: `${where}: ran in BASE, absent from NEW` }); continue; }
    compared++;
    if (b.status !== n.status) {
      const kind: FindingKind = !BAD_STATUS.has(b.status) && BAD_STATUS.has(n.status) ? 'regression' : BAD_STATUS.has(b.status) && !BAD_STATUS.has(n.status) ? 'improvement' : 'changed';
      const err = n.errors?.[0];
      findings.push({ kind, subject: 'status', scenario: b.scenario, adapter: b.adapter, base: b.status, next: n.status, message: `${where}: status ${b.status} -> ${n.status}${err ? ` (${err.code}${err.signal ? ` ${err.signal}` : ''}: ${err.message})` : ''}` });
    }
    if (b.status !== 'completed' || n.status !== 'completed') continue; // figures of a broken run are not comparable
    for (const [name, values] of metricPairs(b, n)) {
      const [bv, nv] = values;
      const info = metricInfo(name);
      numeric({ subject: 'metric', scenario: b.scenario, adapter: b.adapter, metric: name, base: bv, next: nv, direction: info.direction, unitClass: info.unitClass, label: `${where} ${name}` });
    }
  }
  for (const [k, n] of nextRuns) if (!baseRuns.has(k)) findings.push({ kind: 'added', subject: 'status', scenario: n.scenario, adapter: n.adapter, base: null, next: n.status, message: `${n.scenario} x ${n.adapter}: new in NEW (${n.status})` });

  const counts = { regression: 0, improvement: 0, warning: 0, changed: 0, missing: 0, added: 0, compared };
  for (const f of findings) counts[f.kind]++;
  const order: FindingKind[] = ['regression', 'warning', 'improvement', 'changed', 'missing', 'added'];
  findings.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const info = (r: RunReport) => ({ seed: r.seed, startedAt: r.startedAt, command: r.command });
  return { noise, floors, base: info(base), next: info(next), findings, counts, exitCode: counts.regression > 0 ? 1 : 0 };
}

/** Metrics present and finite in both runs, plus p50/p99/mean of each latency summary unless a metric of that name exists. */
function metricPairs(b: ScenarioResult, n: ScenarioResult): Array<[string, [number, number]]> {
  const flat = (s: ScenarioResult) => {
    const m = new Map<string, number>();
    for (const [k, l] of Object.entries(s.latency ?? {})) for (const q of ['p50', 'p99', 'mean'] as const) if (l && Number.isFinite(l[q])) m.set(`latency.${k}.${q}`, l[q]);
    for (const [k, v] of Object.entries(s.metrics ?? {})) if (typeof v === 'number' && Number.isFinite(v)) m.set(k, v);
    return m;
  };
  const fb = flat(b), fn = flat(n);
  return [...fb].filter(([k]) => fn.has(k)).map(([k, v]) => [k, [v, fn.get(k)!]]);
}
