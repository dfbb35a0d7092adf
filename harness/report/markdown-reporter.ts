/** summary.md, written for a GitHub step summary: headline, required failures first, the matrix, how to reproduce. */
import { referenceRows } from './references.ts';
import { categoryMisses, categoryTable, cellMarkOf, formatCosine, quoteText } from './category-table.ts';
import { renderTimeMarkdown } from './time-table.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from './reporter.ts';
import type { RunReport, VerdictRow } from './schema.ts';
import { EXIT_CODE_MEANING } from './summary.ts';
import { MARK_LEGEND, buildMatrix, cellMark, formatValue, formatValueWithInterval, headline, intervalRows, partialNote, requiredFailures, resultWord } from './matrix.ts';

/** Text safe inside a Markdown table cell or list item. */
export function mdCell(value: unknown): string {
  return String(value ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');
}

/** Text inside a `code span` in a table: entities are not decoded there, so only pipes and backticks change. */
export function mdCode(value: unknown): string {
  return '`' + String(value ?? '').replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\r?\n/g, ' ') + '`';
}

function verdictLine(v: VerdictRow): string {
  return `- **${mdCell(v.claim)}** on ${mdCode(v.adapter)}: measured ${mdCell(v.interval ? formatValueWithInterval(v) : formatValue(v.value, v.unit))}, threshold ${mdCode(v.threshold)}. ${mdCell(v.reason)} _(${mdCell(v.source)})_`;
}

export function renderMarkdown(report: RunReport): string {
  const s = report.summary;
  const out: string[] = [];
  const title = resultWord(report);
  out.push(`# gauntlet: ${title} (exit ${s.exitCode})`, '', mdCell(headline(report)), '', `Exit ${s.exitCode}: ${EXIT_CODE_MEANING[s.exitCode] ?? 'unknown exit code'}.`, '');
  const partial = partialNote(report);
  if (partial) out.push(`> **Partial run**: ${mdCell(partial)}.`, '');
  out.push('| severity | pass | fail | inconclusive | not applicable |', '|---|---|---|---|---|');
  for (const k of ['required', 'advisory'] as const) out.push(`| ${k} | ${s[k].pass} | ${s[k].fail} | ${s[k].inconclusive} | ${s[k].notApplicable} |`);
  out.push('');

  const comparison = new Set(report.comparisonAdapters ?? []);
  const allFails = requiredFailures(report);
  const fails = allFails.filter((v) => !comparison.has(v.adapter));
  const comparisonFails = allFails.filter((v) => comparison.has(v.adapter));
  out.push('## Required claim failures', '');
  out.push(...(fails.length ? fails.map(verdictLine) : ['None.']), '');
  if (comparisonFails.length) {
    out.push(`## Comparison adapters (${[...comparison].map(mdCode).join(', ')}): required claims they fail`, '',
      'These adapters are run to show what the seeds\' design choices buy; their failures are findings, not a failed run.', '',
      ...comparisonFails.map(verdictLine), '');
  }

  const broken = (report.scenarios ?? []).filter((r) => r.status !== 'completed' && r.status !== 'skipped');
  if (broken.length) {
    out.push('## Scenario runs that did not complete', '');
    for (const r of broken) {
      const e = r.errors?.[0];
      const how = e ? `${e.code}${e.signal ? `, signal ${e.signal}` : ''}${e.exitCode != null ? `, exit ${e.exitCode}` : ''}: ${e.message}` : 'no error recorded';
      out.push(`- \`${mdCell(r.scenario)}\` on \`${mdCell(r.adapter)}\`: **${r.status}** (${mdCell(how)})`);
    }
    out.push('');
  }

  const m = buildMatrix(report);
  out.push('## Claims x adapters', '');
  out.push(`| claim | severity | threshold | ${m.adapters.map(mdCell).join(' | ')} |`, `|---|---|---|${m.adapters.map(() => '---').join('|')}|`);
  for (const row of m.rows) {
    const cells = row.cells.map((v) => (v && v.verdict !== 'not-applicable' && v.value !== null ? `${cellMark(v)} ${mdCell(formatValue(v.value, v.unit))}${v.nearThreshold ? ' (near threshold)' : ''}` : cellMark(v)));
    out.push(`| ${mdCell(row.claim)} | ${row.severity} | ${mdCode(row.threshold)} | ${cells.join(' | ')} |`);
  }
  out.push('', Object.entries(MARK_LEGEND).map(([k, v]) => `${k} = ${v}`).join('; ') + '.', '');

  out.push(...renderCategoryMarkdown(report));

  const timed = intervalRows(report);
  if (timed.length) {
    out.push('## Timing and rate figures (95 % intervals)', '',
      'Each from the samples of this run: order statistics for percentiles, the bootstrap for means, rates and maxima. "near threshold": the interval straddles the threshold, so the next run may judge it the other way.', '',
      '| claim | adapter | threshold | verdict | value | 95 % interval | samples |', '|---|---|---|---|---|---|---|');
    for (const v of timed) {
      out.push(`| ${mdCell(v.claim)} | ${mdCode(v.adapter)} | ${mdCode(v.threshold)} | ${cellMark(v)}${v.nearThreshold ? ' near threshold' : ''} | ${mdCell(formatValue(v.value, v.unit, v.threshold))} | ${mdCell(formatValueWithInterval({ ...v, nearThreshold: false }).replace(/^.*?\[95% (.*)\]$/, '$1').replace(/, n=\d+$/, ''))} | ${v.interval!.n} |`);
    }
    out.push('');
  }
  const own = (report.verdicts ?? []).filter((v) => v.origin === 'config');
  if (own.length) out.push('## Claims from the config', '', ...own.map((v) => `- ${cellMark(v)} ${verdictLine(v).slice(2)}`), '');
  const misses = (report.verdicts ?? []).filter((v) => v.severity === 'advisory' && v.verdict === 'fail');
  if (misses.length) out.push('## Advisory misses (do not fail the run)', '', ...misses.map(verdictLine), '');
  const inc = (report.verdicts ?? []).filter((v) => v.verdict === 'inconclusive');
  if (inc.length) out.push('## Inconclusive', '', ...inc.map(verdictLine), '');

  const env = report.environment;
  const times = renderTimeMarkdown(report);
  if (times) out.push(times);
  const refs = referenceRows(report);
  if (refs.length) out.push('## Reference', '', 'What embeddings-match-reference judged each adapter\'s vectors against:', '', ...refs.map(([a, t]) => `- \`${mdCell(a)}\`: ${mdCell(t)}`), '');
  out.push('## Reproduce', '', '```sh', report.command, '```', '');
  out.push(`Seed ${report.seed}${report.quick ? ', quick mode' : ''}${report.shard ? `, shard ${report.shard.index}/${report.shard.count}` : ''}. `
    + `Model \`${mdCell(report.model?.path)}\`${report.model?.sha256 ? ` (sha256 ${report.model.sha256.slice(0, 12)})` : ''}. `
    + (env ? `Node ${mdCell(env.node)}, ${mdCell(env.platform)}/${mdCell(env.arch)}, ${env.cpus} CPUs, node-llama-cpp ${mdCell(env.nodeLlamaCpp)}, gauntlet ${mdCell(env.gauntlet)}.` : ''), '');
  return out.join('\n');
}

/** Correctness by corpus category: categories x adapters, then the worst text of each category that missed. */
export function renderCategoryMarkdown(report: RunReport): string[] {
  const t = categoryTable(report);
  if (!t) return [];
  const out = ['## Correctness by corpus category', '',
    `Lowest cosine against the reference forward pass per category of the hard-text corpus${t.threshold ? ` (threshold \`${t.threshold}\`)` : ''}.`, '',
    `| category | ${t.adapters.map(mdCell).join(' | ')} |`, `|---|${t.adapters.map(() => '---').join('|')}|`];
  for (const row of t.rows) out.push(`| ${mdCell(row.label)} | ${row.cells.map((c) => (c ? `${cellMarkOf(c)} ${formatCosine(c.value)}`.trim() : '-')).join(' | ')} |`);
  const misses = categoryMisses(t);
  if (misses.length) {
    out.push('', 'Worst texts of the categories that missed:', '');
    for (const m of misses) out.push(`- ${mdCode(m.adapter)} ${mdCell(m.label)} ${formatCosine(m.cell.value)}: ${mdCode(quoteText(m.cell.worst))}${m.cell.note ? ` (${mdCell(m.cell.note)})` : ''}`);
  }
  out.push('');
  return out;
}

export function markdownReporter(options: { file?: string } = {}): Reporter {
  return {
    name: 'markdown',
    async onRunEnd(report, outDir) {
      const file = path.resolve(outDir, options.file ?? 'summary.md');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, renderMarkdown(report));
      return [file];
    },
  };
}
