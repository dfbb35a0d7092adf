/**
 * report.html as one self-contained string: CSS, JS (uPlot + our client) and the RunReport inlined. Tables and the
 * timeline SVGs are rendered here, so the page reads without JS; the client script draws the uPlot charts.
 */
import { referenceRows } from '../references.ts';
import { formatValue as benchValue } from '../../bench/format.ts';
import type { RunReport } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';
import { EXIT_CODE_MEANING } from '../summary.ts';
import { formatValue, formatVerdictValue, headline, partialNote, requiredFailures, resultWord } from '../matrix.ts';
import { renderFindings, renderMatrix, markClass } from './render-matrix.ts';
import { categoryMisses, categoryTable, cellMarkOf, formatCosine, quoteText } from '../category-table.ts';
import { renderScenarios } from './render-scenarios.ts';

export interface HtmlAssets { uplotJs: string; uplotCss: string; clientJs: string; css: string }

/** JSON that is safe inside <script>: every "<" becomes \u003c, so neither "</script" nor "<!--" can appear. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inline script text must not close its element early. */
function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function renderHeader(report: RunReport): string {
  const s = report.summary;
  const result = resultWord(report);
  const partial = partialNote(report);
  const fails = requiredFailures(report);
  return `<header class="result result-${result.toLowerCase()}"><h1>gauntlet report <span class="badge">${result}</span></h1>`
    + `<p class="headline">${esc(headline(report))}</p>`
    + `<p>Exit code <strong>${s.exitCode}</strong>: ${esc(EXIT_CODE_MEANING[s.exitCode] ?? 'unknown')}.</p>`
    + (partial ? `<p class="partial"><strong>Partial run</strong>: ${esc(partial)}.</p>` : '')
    + (fails.length ? `<ul class="failures">${fails.map((v) => `<li><strong>${esc(v.claim)}</strong> on <code>${esc(v.adapter)}</code>: ${esc(formatVerdictValue(v))} vs <code>${esc(v.threshold)}</code>. ${esc(v.reason)}</li>`).join('')}</ul>` : '')
    + `<p class="meta">seed ${report.seed} &middot; started ${esc(report.startedAt)} &middot; took ${esc(formatValue((report.durationMs ?? 0) / 1000, 's'))}`
    + `${report.quick ? ' &middot; quick' : ''}${report.shard ? ` &middot; shard ${report.shard.index}/${report.shard.count}` : ''} &middot; adapters: ${(report.adapters ?? []).map((a) => `<code>${esc(a)}</code>`).join(' ')}</p></header>`;
}

function renderEnvironment(report: RunReport): string {
  const env = (report.environment ?? {}) as unknown as Record<string, unknown>;
  const model = (report.model ?? {}) as Record<string, unknown>;
  const refs = referenceRows(report);
  const rows = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(k.endsWith('Bytes') || k === 'bytes' ? `${formatValue(Number(v), 'bytes')} (${v})` : v)}</td></tr>`).join('');
  return `<section id="environment"><h2>Environment and reproduction</h2>`
    + `<p>Reproduce this run (seed <strong>${report.seed}</strong>):</p><pre id="command">${esc(report.command)}</pre>`
    + `<div class="two"><table class="kv"><caption>environment</caption>${rows(env)}</table><table class="kv"><caption>model</caption>${rows(model)}</table></div>`
    + (refs.length ? `<table class="kv" id="references"><caption>reference (what embeddings-match-reference judged against)</caption>${refs.map(([a, t]) => `<tr><th>${esc(a)}</th><td>${esc(t)}</td></tr>`).join('')}</table>` : '')
    + `</section>`;
}

function renderBench(report: RunReport): string {
  const bench = report.bench;
  if (!bench) return '';
  const targets = Array.isArray(bench.targets) ? bench.targets : [];
  const extra = Object.fromEntries(Object.entries(bench).filter(([k]) => k !== 'targets'));
  const bound = (u: string, v: number | null) => (v === null ? 'unbounded' : benchValue({ value: v, unit: u }));
  return `<section id="bench"><h2>Benchmarks</h2><table class="figures"><thead><tr><th>benchmark</th><th>target</th><th>measured</th><th>95% interval</th><th>result</th></tr></thead><tbody>`
    + targets.map((t) => {
      const word = t.judgement ?? (t.pass ? 'PASS' : 'MISS');
      const cls = word === 'too noisy to judge' ? 'mark-inc' : t.pass ? 'mark-pass' : 'mark-fail';
      const iv = t.interval ? `${bound(t.unit, t.interval.lo)} to ${bound(t.unit, t.interval.hi)} (n=${t.interval.n})` : '';
      return `<tr><td>${esc(t.name)}</td><td>${esc(t.target)}</td><td>${esc(benchValue({ value: t.value, unit: t.unit }))}</td><td>${esc(iv)}</td>`
        + `<td class="${cls}"${word === 'too noisy to judge' ? ` title="${esc(`interval wider than +/-20%; as measured it ${t.pass ? 'meets' : 'misses'} the target`)}"` : ''}>${esc(word)}</td></tr>`;
    }).join('')
    + '</tbody></table>'
    + (Object.keys(extra).length ? `<details><summary>raw benchmark data</summary><pre>${esc(JSON.stringify(extra, null, 2))}</pre></details>` : '')
    + '</section>';
}

/** Correctness by corpus category: categories x adapters (lowest cosine), the worst text of each miss. */
function renderCategories(report: RunReport): string {
  const t = categoryTable(report);
  if (!t) return '';
  const head = `<tr><th>category</th>${t.adapters.map((a) => `<th>${esc(a)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((row) => `<tr><th scope="row">${esc(row.label)}</th>${row.cells.map((c) => {
    if (!c) return '<td class="cell mark-">-</td>';
    const mark = cellMarkOf(c);
    const tip = `${row.label}: ${c.count} text(s), lowest cosine ${formatCosine(c.value)}\nworst: ${quoteText(c.worst)}${c.note ? `\n${c.note}` : ''}`;
    return `<td class="cell ${mark ? markClass(mark) : ''}" title="${esc(tip)}">${mark ? `<span class="mark">${mark}</span>` : ''}<span class="val">${esc(formatCosine(c.value))}</span></td>`;
  }).join('')}</tr>`).join('');
  const misses = categoryMisses(t);
  return `<section id="categories"><h2>Correctness by corpus category</h2>`
    + `<p>Lowest cosine against the reference forward pass per category of the hard-text corpus${t.threshold ? ` (threshold <code>${esc(t.threshold)}</code>)` : ''}. Hover a cell for its worst text.</p>`
    + `<table id="category-table" class="matrix"><thead>${head}</thead><tbody>${rows}</tbody></table>`
    + (misses.length ? `<ul class="failures">${misses.map((m) => `<li><code>${esc(m.adapter)}</code> <strong>${esc(m.label)}</strong> ${esc(formatCosine(m.cell.value))}: <code>${esc(quoteText(m.cell.worst))}</code>${m.cell.note ? ` (${esc(m.cell.note)})` : ''}</li>`).join('')}</ul>` : '')
    + '</section>';
}

function renderToc(report: RunReport): string {
  const ids = [...new Set((report.scenarios ?? []).map((s) => s.scenario))];
  return `<nav class="toc"><a href="#matrix">claims</a>${categoryTable(report) ? ' <a href="#categories">categories</a>' : ''}${ids.map((id) => ` <a href="#scenario-${esc(id)}">${esc(id)}</a>`).join('')} ${report.bench ? ' <a href="#bench">benchmarks</a>' : ''} <a href="#environment">environment</a></nav>`;
}

export function renderHtml(report: RunReport, assets: HtmlAssets): string {
  const title = `gauntlet ${resultWord(report)} - seed ${report.seed}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${assets.uplotCss}</style>`,
    `<style>${assets.css}</style>`,
    '</head><body>',
    renderHeader(report),
    renderToc(report),
    `<section id="claims"><h2>Claims x adapters</h2>${renderMatrix(report)}${renderFindings(report)}</section>`,
    renderCategories(report),
    `<div id="scenarios">${renderScenarios(report)}</div>`,
    renderBench(report),
    renderEnvironment(report),
    `<footer>Generated by gauntlet ${esc(report.environment?.gauntlet ?? '')}. Self-contained: no network request. The run data is embedded in this file as JSON (#report-data).</footer>`,
    `<script type="application/json" id="report-data">${jsonForScript(report)}</script>`,
    `<script>${scriptSafe(assets.uplotJs)}</script>`,
    `<script>${scriptSafe(assets.clientJs)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
