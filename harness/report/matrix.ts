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

export interface MatrixRow { claim: string; severity: VerdictRow['severity']; threshold: string; source: string; cells: Array<VerdictRow | undefined> }
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
    cells: adapters.map((a) => list.find((v) => v.adapter === a)),
  }));
  rows.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'required' ? -1 : 1));
  return { adapters, rows };
}

/** Human form of a verdict's value with its unit (bytes as MB, as the thresholds are written). */
export function formatValue(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (unit === 'bytes') return `${(value / (1024 * 1024)).toFixed(1)} MB`;
  if (unit === 'ratio') return `${+value.toFixed(4)}`;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${+value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/** Required failures first (the rows that set exit code 1). */
export function requiredFailures(report: Pick<RunReport, 'verdicts'>): VerdictRow[] {
  return (report.verdicts ?? []).filter((v) => v.severity === 'required' && v.verdict === 'fail');
}

/** One-line headline of a run. */
export function headline(report: RunReport): string {
  const s = report.summary;
  const result = s.exitCode === 0 ? 'PASS' : s.exitCode === 1 ? 'FAIL' : 'ERROR';
  const died = (report.scenarios ?? []).filter((x) => x.status === 'host-died').length;
  return `${result}: ${s.required.pass} required claims passed, ${s.required.fail} failed, ${s.required.inconclusive} inconclusive; `
    + `${s.advisory.fail} advisory missed; ${report.scenarios?.length ?? 0} scenario runs${died ? `, ${died} with the host dead` : ''} (exit ${s.exitCode})`;
}
