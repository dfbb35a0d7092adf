/**
 * The claims x adapters matrix of report.html, grouped (required, advisory, theses, not measured) with the group
 * named in a spanning first column, and the findings under it: host deaths with their signal, theses with their
 * reason (refuted + the real risk), advisory misses. `tbody tr` stays one row per claim (the browser check counts).
 */
import type { RunReport, ScenarioResult, VerdictRow } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';
import { MARK_LEGEND, buildMatrix, cellLabel, formatInterval, formatVerdictValue, groupMatrixRows, isThesis, type MatrixGroup } from '../matrix.ts';

/** A "not measured" group longer than this starts folded to its first row (the client script folds it). */
const COLLAPSE_OVER = 6;

export const markClass = (m: string) => `mark-${m.replace('/', '').toLowerCase()}`;

const GROUP_TITLE: Record<MatrixGroup, string> = {
  required: 'required',
  advisory: 'advisory',
  thesis: 'theses',
  'not measured': 'not measured in this run',
};

const LEGEND_EXTRA: Record<string, string> = {
  CONFIRMED: 'a seed thesis held here',
  REFUTED: 'a seed thesis did not hold (a finding, not a defect; see below)',
};

function cell(v: VerdictRow | undefined, adapter: string): string {
  const mark = cellLabel(v);
  if (!v) return `<td class="cell ${markClass(mark)}" data-adapter="${esc(adapter)}">${mark}</td>`;
  const interval = formatInterval(v);
  const intervalText = interval ? `${interval} (${v.interval!.method}, ${v.interval!.scenario})${v.nearThreshold ? '; near threshold: the interval straddles the threshold' : ''}` : '';
  const tip = `${v.claim} on ${v.adapter}: ${v.verdict}\nvalue: ${formatVerdictValue(v)}${interval ? `\n95% interval: ${intervalText}` : ''}\nthreshold: ${v.threshold}\nreason: ${v.reason}\nsource: ${v.source}`;
  const shown = v.value !== null && v.verdict !== 'not-applicable' ? `<span class="val">${esc(formatVerdictValue(v))}</span>` : '';
  const near = v.nearThreshold ? '<span class="near" title="the 95% interval straddles the threshold">near threshold</span>' : '';
  return `<td class="cell ${markClass(mark)}" tabindex="0" data-claim="${esc(v.claim)}" data-adapter="${esc(v.adapter)}" data-verdict="${esc(v.verdict)}"${interval ? ` data-interval="${esc(intervalText)}"` : ''} title="${esc(tip)}"><span class="mark">${mark}</span>${shown}${near}</td>`;
}

export function renderMatrix(report: RunReport): string {
  const m = buildMatrix(report);
  if (m.rows.length === 0) return '<p id="matrix-empty">No claim was evaluated in this run.</p><table id="matrix" class="matrix"></table>';
  const head = `<tr><th>claim</th><th>group</th><th>threshold</th>${m.adapters.map((a) => `<th>${esc(a)}</th>`).join('')}</tr>`;
  const bodies = groupMatrixRows(m).map(({ group, rows }) => {
    const required = rows.filter((r) => r.severity === 'required').length;
    const label = `<td class="group" rowspan="${rows.length}"><span>${esc(GROUP_TITLE[group])}</span><small>${rows.length} claim${rows.length === 1 ? '' : 's'}`
      + `${group === 'not measured' && required ? `, ${required} required` : ''}</small>`
      + `${group === 'not measured' && rows.length > COLLAPSE_OVER ? '<button type="button" class="toggle-rows" hidden>show all</button>' : ''}</td>`;
    const trs = rows.map((row, i) => {
      const failed = row.cells.some((c) => c?.verdict === 'fail' && c.severity === 'required');
      const badge = (group === 'not measured' && row.severity === 'required' ? ' <span class="req">required</span>' : '')
        + (row.origin === 'config' ? ` <span class="own" title="${esc(`from the config: ${row.source}`)}">config</span>` : '');
      return `<tr class="sev-${row.severity}${failed ? ' row-fail' : ''}"><th scope="row" title="${esc(row.source)}">${esc(row.claim)}${badge}</th>`
        + `${i === 0 ? label : ''}<td><code>${esc(row.threshold)}</code></td>${row.cells.map((v, k) => cell(v, m.adapters[k])).join('')}</tr>`;
    }).join('');
    const collapsible = group === 'not measured' && rows.length > COLLAPSE_OVER ? ' collapsible' : '';
    return `<tbody class="group-${group.replace(' ', '-')}${collapsible}">${trs}</tbody>`;
  }).join('');
  const legend = { ...MARK_LEGEND, ...LEGEND_EXTRA };
  return `<table id="matrix" class="matrix"><thead>${head}</thead>${bodies}</table>`
    + `<p class="legend">${Object.entries(legend).map(([k, v]) => `<span class="${markClass(k)}">${esc(k)}</span> ${esc(v)}`).join(' &middot; ')}. Hover a cell for its figures; click it for details.</p>`
    + '<div id="cell-detail" class="cell-detail" hidden></div>';
}

/** Host deaths of a run: its status or errors, else a host-exit by signal the scenario did not ask for. */
export function hostDeaths(r: ScenarioResult): Array<{ signal: string | null; exitCode: number | null; message: string }> {
  const out = (r.errors ?? []).filter((e) => e.code === 'GAUNTLET_HOST_DIED' || (r.status === 'host-died' && (e.signal || e.exitCode)))
    .map((e) => ({ signal: e.signal ?? null, exitCode: e.exitCode ?? null, message: e.message }));
  if (out.length) return out;
  if (r.status === 'host-died') return [{ signal: null, exitCode: null, message: r.errors?.[0]?.message ?? 'host died' }];
  return [];
}

function deathsBlock(report: RunReport): string {
  const rows = (report.scenarios ?? []).flatMap((r) => hostDeaths(r).map((d) => ({ r, d })));
  // Deaths the scenario provoked on purpose (a stand-in host loading a corrupt file) are timeline events.
  const provoked = (report.scenarios ?? []).flatMap((r) => (r.timeline ?? [])
    .filter((e) => e.kind === 'host-exit' && e.details && typeof e.details.signal === 'string' && e.details.expected !== true)
    .map((e) => ({ r, signal: String(e.details!.signal), label: e.label })));
  if (!rows.length && !provoked.length) return '';
  const items = rows.map(({ r, d }) => `<li class="death"><a href="#scenario-${esc(r.scenario)}">${esc(r.scenario)}</a> on <code>${esc(r.adapter)}</code>: `
    + `<strong>${esc(d.signal ? `signal ${d.signal}` : d.exitCode !== null ? `exit code ${d.exitCode}` : 'died')}</strong>. ${esc(d.message)}</li>`);
  const seen = new Set(rows.map(({ r }) => `${r.scenario}\u0000${r.adapter}`));
  const extra = provoked.filter(({ r }) => !seen.has(`${r.scenario}\u0000${r.adapter}`));
  const grouped = new Map<string, { r: ScenarioResult; signals: Map<string, number> }>();
  for (const p of extra) {
    const k = `${p.r.scenario}\u0000${p.r.adapter}`;
    const g = grouped.get(k) ?? { r: p.r, signals: new Map() };
    g.signals.set(p.signal, (g.signals.get(p.signal) ?? 0) + 1);
    grouped.set(k, g);
  }
  for (const { r, signals } of grouped.values()) {
    items.push(`<li class="death"><a href="#scenario-${esc(r.scenario)}">${esc(r.scenario)}</a> on <code>${esc(r.adapter)}</code>: host exited by `
      + `<strong>${[...signals].map(([s, n]) => esc(`${s}${n > 1 ? ` x${n}` : ''}`)).join(', ')}</strong> (see the timeline)</li>`);
  }
  return `<div class="finding deaths"><h3>Host deaths</h3><ul>${items.join('')}</ul></div>`;
}

function thesesBlock(report: RunReport): string {
  const rows = (report.verdicts ?? []).filter((v) => isThesis(v));
  if (!rows.length) return '';
  const byClaim = new Map<string, VerdictRow[]>();
  for (const v of rows) byClaim.set(v.claim, [...(byClaim.get(v.claim) ?? []), v]);
  const items = [...byClaim].map(([claim, list]) => {
    const tested = list.filter((v) => v.verdict === 'pass' || v.verdict === 'fail');
    if (!tested.length) {
      const why = list.find((v) => v.verdict === 'inconclusive')?.reason ?? list[0].reason;
      return `<li class="untested"><strong>${esc(claim)}</strong>: not tested in this run. <span class="why">${esc(why.replace(/^not measured:\s*/, ''))}</span></li>`;
    }
    // Adapters with the same verdict and reason share one line.
    const lines = new Map<string, VerdictRow[]>();
    for (const v of tested) lines.set(`${v.verdict}\u0000${v.reason}`, [...(lines.get(`${v.verdict}\u0000${v.reason}`) ?? []), v]);
    return [...lines.values()].map((vs) => {
      const mark = cellLabel(vs[0]);
      return `<li><strong>${esc(claim)}</strong> <span class="${markClass(mark)} tag">${mark}</span> on ${vs.map((v) => `<code>${esc(v.adapter)}</code>`).join(', ')}: `
        + `${esc(vs[0].reason.replace(/^(confirmed|refuted):\s*/, ''))} <span class="src">(${esc(vs[0].source)})</span></li>`;
    }).join('');
  }).join('');
  return `<div class="finding theses"><h3>Theses from the seeds</h3><ul>${items}</ul></div>`;
}

function advisoryBlock(report: RunReport): string {
  const rows = (report.verdicts ?? []).filter((v) => v.severity === 'advisory' && v.verdict === 'fail' && !isThesis(v));
  if (!rows.length) return '';
  return `<div class="finding advisory"><h3>Advisory targets missed <small>(do not fail the run)</small></h3><ul>${rows.map((v) => `<li><strong>${esc(v.claim)}</strong> on <code>${esc(v.adapter)}</code>: `
    + `${esc(formatVerdictValue(v))} vs <code>${esc(v.threshold)}</code>. ${esc(v.reason)}</li>`).join('')}</ul></div>`;
}

/** The config's own claims: each verdict with its figure, reason and the user's source. */
function ownClaimsBlock(report: RunReport): string {
  const rows = (report.verdicts ?? []).filter((v) => v.origin === 'config');
  if (!rows.length) return '';
  const items = rows.map((v) => `<li class="own-claim" data-claim="${esc(v.claim)}"><strong>${esc(v.claim)}</strong> <span class="${markClass(cellLabel(v))} tag">${cellLabel(v)}</span> `
    + `on <code>${esc(v.adapter)}</code> (${esc(v.severity)}): ${esc(formatVerdictValue(v))} vs <code>${esc(v.threshold)}</code>. ${esc(v.reason)} <span class="src">(${esc(v.source)})</span></li>`);
  return `<div class="finding own-claims"><h3>Claims from the config</h3><ul>${items.join('')}</ul></div>`;
}

/** Findings under the matrix; '' when there is none. */
export function renderFindings(report: RunReport): string {
  const parts = [deathsBlock(report), ownClaimsBlock(report), thesesBlock(report), advisoryBlock(report)].filter(Boolean);
  return parts.length ? `<div id="findings">${parts.join('')}</div>` : '';
}
