import type { RunReport, Verdict, VerdictRow } from './schema.ts';

/** Text mark of one matrix cell: advisory failures are WARN (they never fail the run). */
export type CellMark = 'PASS' | 'FAIL' | 'WARN' | 'N/A' | 'INC' | '-';

export const MARK_LEGEND: Record<CellMark, string> = {
  PASS: 'claim held',
  FAIL: 'required claim failed',
  WARN: 'advisory claim missed (does not fail the run)',
  'N/A': 'not applicable to this adapter',
  INC: 'inconclusive: nothing measurable (see reason)',
  '-': 'not evaluated for this adapter',
};

export function cellMark(row: VerdictRow | undefined): CellMark {
  if (!row) return '-';
  const marks: Record<Verdict, CellMark> = { pass: 'PASS', fail: row.severity === 'advisory' ? 'WARN' : 'FAIL', 'not-applicable': 'N/A', inconclusive: 'INC' };
  return marks[row.verdict];
}

export interface MatrixRow {
  claim: string; severity: VerdictRow['severity']; threshold: string; source: string;
  /** 'config': a claim the run's config added. */
  origin?: 'config';
  cells: Array<VerdictRow | undefined>;
}
export interface Matrix { adapters: string[]; rows: MatrixRow[] }

/**
 * Claims x adapters: required claims first, then advisory, each in order of first appearance; adapter columns
 * in report order, then any adapter that only appears in verdicts.
 */
export function buildMatrix(report: Pick<RunReport, 'adapters' | 'verdicts'>): Matrix {
  const adapters = [...(report.adapters ?? [])];
  for (const v of report.verdicts ?? []) if (!adapters.includes(v.adapter)) adapters.push(v.adapter);
  const byClaim = new Map<string, VerdictRow[]>();
  for (const v of report.verdicts ?? []) {
    const list = byClaim.get(v.claim) ?? [];
    list.push(v);
    byClaim.set(v.claim, list);
  }
  const rows: MatrixRow[] = [...byClaim.entries()].map(([claim, list]) => ({
    claim,
    severity: list.some((v) => v.severity === 'required') ? 'required' : 'advisory',
    threshold: list[0].threshold,
    source: list[0].source,
    ...(list[0].origin ? { origin: list[0].origin } : {}),
    cells: adapters.map((a) => list.find((v) => v.adapter === a)),
  }));
  rows.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'required' ? -1 : 1));
  return { adapters, rows };
}

/** 1000-based, as thresholds read "100MB" (harness/claims/threshold.ts), so a figure and its bound share a scale. */
function scaleBytes(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${(v / 1e9).toFixed(2)} GB`;
  if (abs >= 1e6) return `${(v / 1e6).toFixed(1)} MB`;
  if (abs >= 1e3) return `${(v / 1e3).toFixed(1)} KB`;
  return `${Math.round(v)} B`;
}

/**
 * Human form of a verdict's value with its unit: bytes as MB / KB (as the thresholds are written), booleans as
 * true / false, ratios as percentages when the threshold is written in % (pass it as `threshold`).
 */
export function formatValue(value: number | null | undefined, unit = '', threshold = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (unit === 'bytes') return scaleBytes(value);
  if (unit.startsWith('bytes/')) return `${scaleBytes(value)}/${unit.slice(6)}`;
  if (unit === 'B/s') return `${scaleBytes(value)}/s`;
  if (unit === 'boolean') return value === 1 ? 'true' : value === 0 ? 'false' : String(value);
  if (unit === 'ratio') return threshold.includes('%') ? `${+(value * 100).toFixed(value >= 0.9995 || value === 0 ? 0 : 1)}%` : `${+value.toFixed(4)}`;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${+value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/** Required failures first (the rows that set exit code 1). */
export function requiredFailures(report: Pick<RunReport, 'verdicts'>): VerdictRow[] {
  return (report.verdicts ?? []).filter((v) => v.severity === 'required' && v.verdict === 'fail');
}

/** One-line headline of a run. */
/** The run's one-word result: PASS, FAIL, ERROR, or PARTIAL for an interrupted run. */
export function resultWord(report: Pick<RunReport, 'summary' | 'partial'>): 'PASS' | 'FAIL' | 'ERROR' | 'PARTIAL' {
  if (report.partial) return 'PARTIAL';
  const c = report.summary?.exitCode;
  return c === 0 ? 'PASS' : c === 1 ? 'FAIL' : 'ERROR';
}

/** For an interrupted run: which signal, which run it stopped, which never started (undefined otherwise). */
export function partialNote(report: Pick<RunReport, 'partial'>): string | undefined {
  const p = report.partial;
  if (!p) return undefined;
  const stopped = p.interrupted ? `; ${p.interrupted.scenario} on ${p.interrupted.adapter} was stopped and is not in the report` : '';
  const left = p.notRun.length ? `; not run: ${p.notRun.map((r) => `${r.scenario}/${r.adapter}`).join(', ')}` : '';
  return `interrupted by ${p.signal} after ${(p.atMs / 1000).toFixed(1)} s: this report covers only the runs that completed${stopped}${left}`;
}

export function headline(report: RunReport): string {
  const s = report.summary;
  const result = resultWord(report);
  const died = (report.scenarios ?? []).filter((x) => x.status === 'host-died').length;
  const cmp = s.comparisonFailures ? ` (${s.comparisonFailures} of them on comparison adapter${(report.comparisonAdapters ?? []).length === 1 ? '' : 's'} ${(report.comparisonAdapters ?? []).join(', ')}, which do not fail the run)` : '';
  return `${result}: ${s.required.pass} required claims passed, ${s.required.fail} failed${cmp}, ${s.required.inconclusive} inconclusive; `
    + `${s.advisory.fail} advisory missed; ${report.scenarios?.length ?? 0} scenario runs${died ? `, ${died} with the host dead` : ''} (exit ${s.exitCode})`;
}

/**
 * A thesis is a seed's statement about the world, tested as a hypothesis (pass = confirmed, fail = refuted); the
 * report module does not import the claims catalogue, so it knows one by its id or by its reason's first word.
 */
export function isThesis(row: Pick<VerdictRow, 'claim' | 'reason'>): boolean {
  return row.claim.startsWith('thesis-') || /^(confirmed|refuted):/.test(row.reason ?? '');
}

/** What a cell says in the HTML: a thesis reads CONFIRMED / REFUTED rather than PASS / WARN. */
export function cellLabel(row: VerdictRow | undefined): CellMark | 'CONFIRMED' | 'REFUTED' {
  if (row && isThesis(row) && (row.verdict === 'pass' || row.verdict === 'fail')) return row.verdict === 'pass' ? 'CONFIRMED' : 'REFUTED';
  return cellMark(row);
}

export type MatrixGroup = 'required' | 'advisory' | 'thesis' | 'not measured';

/**
 * The matrix rows in reading order: required claims, advisory targets, theses, then claims nothing in this run
 * measured (every cell inconclusive, not applicable or not evaluated). Within a group, rows with a failure come first.
 */
export function groupMatrixRows(m: Matrix): Array<{ group: MatrixGroup; rows: MatrixRow[] }> {
  const measured = (r: MatrixRow) => r.cells.some((c) => c && (c.verdict === 'pass' || c.verdict === 'fail'));
  const failing = (r: MatrixRow) => r.cells.some((c) => c && c.verdict === 'fail');
  const groupOf = (r: MatrixRow): MatrixGroup => {
    if (!measured(r)) return 'not measured';
    if (r.cells.some((c) => c && isThesis(c)) || r.claim.startsWith('thesis-')) return 'thesis';
    return r.severity;
  };
  const order: MatrixGroup[] = ['required', 'advisory', 'thesis', 'not measured'];
  return order.map((group) => {
    const rows = m.rows.filter((r) => groupOf(r) === group);
    const sorted = group === 'thesis' ? rows : [...rows.filter(failing), ...rows.filter((r) => !failing(r))];
    if (group === 'not measured') sorted.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'required' ? -1 : 1));
    return { group, rows: sorted };
  }).filter((g) => g.rows.length > 0);
}

/** A verdict's value for the HTML page: as formatValue, with the threshold's % and counts bare ("0", not "0 count"). */
export function formatVerdictValue(v: Pick<VerdictRow, 'value' | 'unit' | 'threshold'>): string {
  return formatValue(v.value, v.unit, v.threshold).replace(/ count$/, '');
}

/** A verdict's 95 % interval, e.g. "3.12 ms to 3.71 ms, n=100"; '' when the row has none. */
export function formatInterval(v: Pick<VerdictRow, 'interval' | 'unit' | 'threshold'>): string {
  const i = v.interval;
  if (!i) return '';
  const side = (x: number | null, open: string) => (x === null ? open : formatValue(x, v.unit, v.threshold).replace(/ count$/, ''));
  return `${side(i.lo, 'below the least sample')} to ${side(i.hi, 'beyond the largest sample')}, n=${i.n}`;
}

/** "value [95% interval lo to hi, n=N] (near threshold)" for text reports; the plain value when there is no interval. */
export function formatValueWithInterval(v: Pick<VerdictRow, 'value' | 'unit' | 'threshold' | 'interval' | 'nearThreshold'>): string {
  const base = formatVerdictValue(v);
  if (!v.interval) return base;
  return `${base} [95% ${formatInterval(v)}]${v.nearThreshold ? ' (near threshold)' : ''}`;
}

/** Verdict rows with an interval (timing and rate figures), in matrix order. */
export function intervalRows(report: Pick<RunReport, 'verdicts'>): VerdictRow[] {
  return (report.verdicts ?? []).filter((v) => v.interval && v.value !== null && (v.verdict === 'pass' || v.verdict === 'fail'));
}
