/** The per-scenario sections of report.html: figures table, chart placeholders, timeline SVG, errors, notes. */
import { notApplicableReason, type RunReport, type ScenarioResult } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';
import { cellMark, formatValue } from '../matrix.ts';
import { metricDef } from '../../claims/metrics-catalogue.ts';
import { latencyHistogramSvg } from './latency-histogram.ts';
import { timelineSvg } from './timeline-svg.ts';
import { renderPhaseHtml } from '../restart-phases.ts';
import { renderTimeHtml } from '../time-table.ts';

/** Notes shown before the rest fold into a <details>. */
const NOTES_SHOWN = 8;

const MEMORY_KEYS = ['hostHeapUsed', 'hostRss', 'embedderRssAnon', 'embedderRssFile'];

/**
 * The unit of a scenario figure: from the metrics catalogue (the name or the name less its aggregation), else its
 * name: a camel-case "...Ms" suffix (hang.deadlineMs, memoryPressure.large.loadMs) is milliseconds.
 */
export function unitOf(name: string): string {
  const def = metricDef(name) ?? metricDef(name.replace(/\.[^.]+$/, ''));
  if (def) return def.kind === 'bytes' && def.unit === 'bytes' ? 'bytes' : def.kind === 'latency' ? 'ms' : '';
  if (/(^|\.)ms$|[a-z0-9]Ms$/.test(name)) return 'ms';
  const lower = name.toLowerCase();
  if (/(ratio|count|requests|trials|slope|perreq)/.test(lower)) return '';
  return /(rss|heap|bytes|external)/.test(lower) ? 'bytes' : '';
}

function figure(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  return formatValue(value, unitOf(name));
}

function latencyKeys(r: ScenarioResult): string[] {
  return Object.entries(r.latency ?? {}).filter(([, l]) => l && Array.isArray(l.histogram) && l.histogram.length > 0).map(([k]) => k);
}

const STATS = ['min', 'p50', 'p90', 'p99', 'max', 'mean', 'count'];

/** Metric prefixes that carry a quantile family (X.p50, X.p99, X.max...): shown as one row each. */
function statFamilies(names: string[]): string[] {
  const prefixes = new Set(names.filter((n) => /\.p50$/.test(n)).map((n) => n.slice(0, -4)));
  return [...prefixes].filter((p) => STATS.filter((k) => names.includes(`${p}.${k}`)).length >= 3);
}

function statCell(r: ScenarioResult, prefix: string): string {
  const m = r.metrics ?? {};
  const has = STATS.some((k) => m[`${prefix}.${k}`] !== undefined && m[`${prefix}.${k}`] !== null);
  if (!has) return '<td>n/a</td>';
  const v = (k: string) => figure(prefix, m[`${prefix}.${k}`]);
  const tip = STATS.filter((k) => `${prefix}.${k}` in m).map((k) => `${k} ${v(k)}`).join(', ');
  const n = m[`${prefix}.count`];
  return `<td title="${esc(tip)}">${esc(`${v('p50')} / ${v('p99')} / ${v('max')}${n !== undefined && n !== null ? ` (${n})` : ''}`)}</td>`;
}

/** Figures of one scenario, metrics as rows and adapters as columns, so adapters compare at a glance. */
function figuresTable(runs: ScenarioResult[]): string {
  const all = [...new Set(runs.flatMap((r) => Object.keys(r.metrics ?? {})))];
  const families = statFamilies(all);
  const inFamily = (n: string) => families.some((p) => n.startsWith(`${p}.`) && STATS.includes(n.slice(p.length + 1)));
  const names = all.filter((n) => !inFamily(n));
  const latRows = [...new Set(runs.flatMap((r) => Object.keys(r.latency ?? {})))];
  const head = `<tr><th>figure</th>${runs.map((r) => `<th>${esc(r.adapter)}</th>`).join('')}</tr>`;
  const rows = [
    `<tr><td>status</td>${runs.map((r) => `<td class="status status-${esc(r.status)}">${esc(r.status)}</td>`).join('')}</tr>`,
    `<tr><td>duration</td>${runs.map((r) => `<td>${esc(formatValue(r.durationMs / 1000, 's'))}</td>`).join('')}</tr>`,
    ...families.map((p) => `<tr><td>${esc(p)} <span class="stat-names">p50 / p99 / max (n)</span></td>${runs.map((r) => statCell(r, p)).join('')}</tr>`),
    ...names.map((n) => `<tr><td>${esc(n)}</td>${runs.map((r) => `<td>${esc(figure(n, r.metrics?.[n]))}</td>`).join('')}</tr>`),
    ...latRows.map((k) => `<tr><td>latency ${esc(k)} <span class="stat-names">p50 / p99 (n)</span></td>${runs.map((r) => {
      const l = r.latency?.[k];
      return `<td>${l ? esc(`${formatValue(l.p50, 'ms')} / ${formatValue(l.p99, 'ms')} (${l.count}${l.errors ? `, ${l.errors} err` : ''})`) : 'n/a'}</td>`;
    }).join('')}</tr>`),
  ];
  return `<table class="figures"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function errorsBlock(r: ScenarioResult): string {
  if (!r.errors?.length) return '';
  return `<div class="errors">${r.errors.map((e) => {
    const how = [e.signal ? `signal ${e.signal}` : '', e.exitCode !== null && e.exitCode !== undefined ? `exit code ${e.exitCode}` : ''].filter(Boolean).join(', ');
    return `<div class="error"><strong>${esc(e.code)}</strong>${how ? ` <span class="how">(${esc(how)})</span>` : ''}: ${esc(e.message)}`
      + `${e.stderrTail ? `<pre class="stderr">${esc(e.stderrTail)}</pre>` : ''}</div>`;
  }).join('')}</div>`;
}

function runBlock(r: ScenarioResult, index: number): string {
  const parts = [`<div class="run" data-adapter="${esc(r.adapter)}" data-run="${index}">`, `<h3>${esc(r.adapter)} <span class="status status-${esc(r.status)}">${esc(r.status)}</span> <span class="dur">${esc(formatValue(r.durationMs / 1000, 's'))}</span></h3>`];
  const memory = MEMORY_KEYS.some((k) => (r.series?.[k]?.length ?? 0) > 0);
  const others = Object.keys(r.series ?? {}).filter((k) => !MEMORY_KEYS.includes(k) && (r.series?.[k]?.length ?? 0) > 0);
  if (memory) parts.push(`<div class="chart chart-memory" data-kind="memory" data-run="${index}"></div>`);
  for (const k of others) parts.push(`<div class="chart chart-series" data-kind="series" data-series="${esc(k)}" data-run="${index}"></div>`);
  const hists = latencyKeys(r).map((k) => latencyHistogramSvg(k, r.latency![k])).filter(Boolean);
  if (hists.length) parts.push(`<div class="latencies">${hists.join('')}</div>`);
  const svg = timelineSvg(r.timeline ?? [], r.durationMs);
  if (svg) parts.push(`<div class="timeline"><div class="chart-title">timeline</div>${svg}</div>`);
  parts.push(errorsBlock(r));
  if (r.notes?.length) {
    // Long lists (a corruption sweep's per-file outcomes) fold after the first few.
    const li = (n: string) => `<li>${esc(n)}</li>`;
    const head = r.notes.slice(0, NOTES_SHOWN), rest = r.notes.slice(NOTES_SHOWN);
    parts.push(`<ul class="notes">${head.map(li).join('')}</ul>`
      + (rest.length ? `<details class="notes-more"><summary>${rest.length} more notes</summary><ul class="notes">${rest.map(li).join('')}</ul></details>` : ''));
  }
  if (parts.length === 2 || (parts.length === 3 && parts[2] === '')) parts.push('<p class="notes">No samples, latency or timeline events were recorded for this run; its figures are in the table above.</p>');
  parts.push('</div>');
  return parts.join('');
}

/** All scenario sections, grouped by scenario id in order of first appearance. */
export function renderScenarios(report: RunReport): string {
  const order: string[] = [];
  const groups = new Map<string, Array<{ r: ScenarioResult; i: number }>>();
  (report.scenarios ?? []).forEach((r, i) => {
    if (!groups.has(r.scenario)) { groups.set(r.scenario, []); order.push(r.scenario); }
    groups.get(r.scenario)!.push({ r, i });
  });
  return renderPhaseHtml(report) + renderTimeHtml(report) + order.map((id) => {
    const runs = groups.get(id)!;
    const claims = (report.verdicts ?? []).filter((v) => v.evidence?.scenarios?.includes(id));
    const claimIds = [...new Set(claims.map((v) => v.claim))];
    const claimLine = claimIds.length ? `<p class="claims-here">Claims measured here: ${claimIds.map((c) => {
      const marks = claims.filter((v) => v.claim === c).map((v) => cellMark(v));
      const worst = ['FAIL', 'WARN', 'INC', 'PASS', 'N/A'].find((m) => marks.includes(m as never)) ?? '-';
      return `<a href="#matrix" class="mark-${esc(worst.replace('/', '').toLowerCase())}">${esc(c)} ${esc(worst)}</a>`;
    }).join(', ')}</p>` : '';
    // Runs that did not apply (skipped) get one line, not a column of n/a and an empty card.
    const ran = runs.filter(({ r }) => r.status !== 'skipped');
    const skipped = runs.filter(({ r }) => r.status === 'skipped');
    const skippedLine = skipped.length ? `<p class="skipped">${skipped.map(({ r }) => `Not run on <code>${esc(r.adapter)}</code>: ${esc(notApplicableReason(r) ?? r.notes?.[0] ?? 'skipped')}`).join('<br>')}</p>` : '';
    const shown = ran.length ? ran : runs;
    return `<section class="scenario" id="scenario-${esc(id)}" data-scenario="${esc(id)}"><h2>${esc(id)} <small>${esc(runs[0].r.title ?? '')}</small></h2>`
      + claimLine + skippedLine + (ran.length ? figuresTable(ran.map((x) => x.r)) : '<table class="figures"></table>')
      + (ran.length ? `<div class="runs">${ran.map(({ r, i }) => runBlock(r, i)).join('')}</div>` : '')
      + '</section>';
  }).join('\n');
}
