/**
 * The correctness-by-category table in summary.md and report.html: categories x adapters from the corpus runs'
 * breakdowns, marked by the claim's verdict, the worst text of every miss quoted with invisible characters escaped.
 */
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../harness/claims/evaluate.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { renderReportHtml } from '../../harness/report/html-reporter.ts';
import { renderMarkdown } from '../../harness/report/markdown-reporter.ts';
import { categoryTable, formatCosine, quoteText } from '../../harness/report/category-table.ts';
import type { RunReport, ScenarioResult } from '../../harness/report/schema.ts';
import { minimalReport } from './helpers.ts';

function corpusRun(adapter: string, cjk: number): ScenarioResult {
  return {
    scenario: 'corpus', title: 'corpus', adapter, status: 'completed', durationMs: 900, timeline: [], errors: [], notes: [],
    metrics: { 'correctness.minCosine.min': Math.min(1, cjk) },
    breakdowns: {
      'correctness.minCosine': {
        by: 'category',
        parts: [
          { key: 'ascii', label: 'plain ASCII', value: 0.99999999, count: 4, worst: 'hello world' },
          { key: 'cjk', label: 'CJK', value: cjk, count: 4, worst: '日本\u200d語 <b>' },
        ],
      },
    },
  };
}

function report(): RunReport {
  const r = minimalReport();
  const scenarios = [corpusRun('reference', 0.99999999), corpusRun('engine', 0.41)];
  const claim = CLAIMS.find((c) => c.id === 'embeddings-match-reference')!;
  return { ...r, adapters: ['reference', 'engine'], scenarios, verdicts: evaluateClaims([claim], scenarios, ['reference', 'engine']) };
}

describe('correctness by corpus category', () => {
  it('builds categories x adapters with the verdict of each part', () => {
    const t = categoryTable(report())!;
    expect(t.adapters).toEqual(['reference', 'engine']);
    expect(t.threshold).toBe('min>=0.9999');
    expect(t.rows.map((r) => [r.key, ...r.cells.map((c) => c?.verdict)])).toEqual([['ascii', 'pass', 'pass'], ['cjk', 'pass', 'fail']]);
    expect(categoryTable(minimalReport())).toBeUndefined();
  });

  it('summary.md shows the table and quotes the worst text of each miss', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('## Correctness by corpus category');
    expect(md).toContain('| CJK | PASS 0.999999+ | FAIL 0.410000 |');
    expect(md).toMatch(/- `engine` CJK 0\.410000: `"日本\\u200d語 <b>"`/);
  });

  it('report.html shows the same table, escaped', async () => {
    const html = await renderReportHtml(report());
    expect(html).toContain('<section id="categories">');
    expect(html).toContain('<table id="category-table"');
    expect(html).toMatch(/<code>engine<\/code> <strong>CJK<\/strong> 0\.410000: <code>&quot;日本\\u200d語 &lt;b&gt;&quot;<\/code>/);
    expect(html).not.toContain('語 <b>');
  });

  it('formats cosines without rounding a miss up to 1', () => {
    expect(formatCosine(0.9999999)).toBe('0.999999+');
    expect(formatCosine(1)).toBe('1.000000');
    expect(formatCosine(null)).toBe('n/a');
    expect(quoteText('a\u202eb\tc')).toBe('"a\\u202eb\\tc"');
  });
});
