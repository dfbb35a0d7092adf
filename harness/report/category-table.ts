/**
 * The correctness-by-category table (issue 23): corpus categories x adapters, each cell the lowest cosine of that
 * category's texts against the reference, marked by the claim's threshold when `embeddings-match-reference` was
 * evaluated (its verdict's breakdown), and the worst text of every category that missed. Read from the scenario
 * results' breakdowns of correctness.minCosine, so a report whose config dropped the claim still shows the figures.
 */
import type { BreakdownPart, RunReport, Verdict } from './schema.ts';

export const CATEGORY_METRIC = 'correctness.minCosine';
const CLAIM = 'embeddings-match-reference';

export interface CategoryCell extends BreakdownPart { verdict?: Verdict }
export interface CategoryTable {
  adapters: string[];
  rows: Array<{ key: string; label: string; cells: Array<CategoryCell | undefined> }>;
  /** The threshold the marks come from, when the claim was evaluated. */
  threshold?: string;
}

export function categoryTable(report: RunReport): CategoryTable | undefined {
  const adapters: string[] = [];
  const byAdapter = new Map<string, Map<string, CategoryCell>>();
  const order: Array<{ key: string; label: string }> = [];
  for (const r of report.scenarios ?? []) {
    const b = r.breakdowns?.[CATEGORY_METRIC];
    if (!b) continue;
    if (!byAdapter.has(r.adapter)) {
      byAdapter.set(r.adapter, new Map());
      adapters.push(r.adapter);
    }
    const cells = byAdapter.get(r.adapter)!;
    for (const p of b.parts) {
      if (!order.some((o) => o.key === p.key)) order.push({ key: p.key, label: p.label });
      const had = cells.get(p.key);
      if (!had || (p.value ?? -Infinity) < (had.value ?? -Infinity)) cells.set(p.key, { ...p });
    }
  }
  if (adapters.length === 0) return undefined;
  let threshold: string | undefined;
  for (const v of report.verdicts ?? []) {
    if (v.claim !== CLAIM || !v.evidence.breakdown) continue;
    threshold = v.threshold;
    const cells = byAdapter.get(v.adapter);
    for (const p of v.evidence.breakdown.parts) {
      const c = cells?.get(p.key);
      if (c && c.value === p.value) c.verdict = p.verdict;
    }
  }
  const sorted = (report.adapters ?? []).filter((a) => adapters.includes(a));
  const cols = [...sorted, ...adapters.filter((a) => !sorted.includes(a))];
  return {
    adapters: cols,
    rows: order.map((o) => ({ ...o, cells: cols.map((a) => byAdapter.get(a)?.get(o.key)) })),
    ...(threshold ? { threshold } : {}),
  };
}

/** A cosine as the table shows it: six decimals, never rounded up to 1 when below it. */
export function formatCosine(v: number | null): string {
  if (v === null) return 'n/a';
  const s = v.toFixed(6);
  return s === '1.000000' && v < 1 ? '0.999999+' : s;
}

export function cellMarkOf(c: CategoryCell | undefined): string {
  if (!c) return '-';
  return c.verdict === 'pass' ? 'PASS' : c.verdict === 'fail' ? 'FAIL' : c.verdict === 'inconclusive' ? 'INC' : '';
}

/** Every category cell that missed, worst first: what a failure quotes. */
export function categoryMisses(t: CategoryTable): Array<{ adapter: string; label: string; cell: CategoryCell }> {
  const out: Array<{ adapter: string; label: string; cell: CategoryCell }> = [];
  for (const row of t.rows) row.cells.forEach((c, i) => { if (c?.verdict === 'fail' || c?.verdict === 'inconclusive') out.push({ adapter: t.adapters[i]!, label: row.label, cell: c }); });
  return out.sort((a, b) => (a.cell.value ?? -1) - (b.cell.value ?? -1));
}

/** The worst text quoted for a report: JSON-escaped (control and invisible characters visible), cut at `max`. */
export function quoteText(s: string | undefined, max = 120): string {
  if (s === undefined) return '';
  const q = JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s);
  // Invisible format characters (ZWJ, bidi controls, ...) written as escapes so the quote shows them.
  return q.replace(/[\p{Cf}\p{Zl}\p{Zp}\u0085\u00a0\u3000]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
