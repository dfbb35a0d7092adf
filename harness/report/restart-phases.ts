/**
 * The restart phase table: per adapter and scenario, the median of each phase of a restart after a kill (metrics
 * `restart.phase.<phase>.p50` written by forced-kill, restart-storm and cold-start), the median total, how many
 * restarts were served by a warm spare, and the spare's RSS (the price of the standby). Pure over a report.
 */
import type { RunReport } from './schema.ts';
import { xmlText as esc } from './escape.ts';
import { formatValue } from './matrix.ts';

export const PHASE_COLUMNS = [
  ['crashNoticedMs', 'crash noticed'],
  ['backoffMs', 'backoff wait'],
  ['spawnMs', 'spawn'],
  ['runtimeMs', 'runtime ready'],
  ['loadMs', 'model loaded'],
  ['firstAnswerMs', 'first answer'],
] as const;

export interface PhaseRow {
  adapter: string;
  scenario: string;
  restarts: number;
  takeovers: number;
  /** p50 of each phase, ms (null: not measured, e.g. no runtime milestone from this embedder). */
  phases: Record<(typeof PHASE_COLUMNS)[number][0], number | null>;
  totalMs: number | null;
  spareRss: number | null;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function phaseRows(report: Pick<RunReport, 'scenarios'>): PhaseRow[] {
  const rows: PhaseRow[] = [];
  for (const r of report.scenarios ?? []) {
    const m = r.metrics ?? {};
    const restarts = n(m['restart.phase.count']);
    if (!restarts) continue;
    const phases = Object.fromEntries(PHASE_COLUMNS.map(([k]) => [k, n(m[`restart.phase.${k}.p50`])])) as PhaseRow['phases'];
    rows.push({
      adapter: r.adapter, scenario: r.scenario, restarts, takeovers: n(m['restart.phase.standbyTakeovers']) ?? 0,
      phases, totalMs: n(m['restart.phase.totalMs.p50']), spareRss: n(m['standby.spareRss.max']),
    });
  }
  return rows.sort((a, b) => a.adapter.localeCompare(b.adapter) || a.scenario.localeCompare(b.scenario));
}

const ms = (v: number | null) => (v === null ? 'n/a' : formatValue(v, 'ms'));

/** Fixed-width text for the console summary ('' when no scenario measured restarts). */
export function renderPhaseText(report: Pick<RunReport, 'scenarios'>): string {
  const rows = phaseRows(report);
  if (!rows.length) return '';
  const head = ['adapter', 'scenario', 'n', ...PHASE_COLUMNS.map(([, label]) => label), 'total', 'spare RSS'];
  const body = rows.map((r) => [
    r.adapter, r.scenario, `${r.restarts}${r.takeovers ? ` (${r.takeovers} standby)` : ''}`,
    ...PHASE_COLUMNS.map(([k]) => ms(r.phases[k])), ms(r.totalMs), r.spareRss === null ? '-' : formatValue(r.spareRss, 'bytes'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return ['Restart after a kill, median of each phase:', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** An HTML section for report.html ('' when no scenario measured restarts). */
export function renderPhaseHtml(report: Pick<RunReport, 'scenarios'>): string {
  const rows = phaseRows(report);
  if (!rows.length) return '';
  const head = `<tr><th>adapter</th><th>scenario</th><th>restarts</th>${PHASE_COLUMNS.map(([, label]) => `<th>${esc(label)}</th>`).join('')}<th>total</th><th>spare RSS</th></tr>`;
  const body = rows.map((r) => `<tr><td>${esc(r.adapter)}</td><td>${esc(r.scenario)}</td><td>${r.restarts}${r.takeovers ? ` (${r.takeovers} by a standby spare)` : ''}</td>`
    + PHASE_COLUMNS.map(([k]) => `<td>${esc(ms(r.phases[k]))}</td>`).join('')
    + `<td><strong>${esc(ms(r.totalMs))}</strong></td><td>${r.spareRss === null ? '-' : esc(formatValue(r.spareRss, 'bytes'))}</td></tr>`).join('');
  return '<section class="scenario" id="restart-phases"><h2>Restart phases <small>where a restart after a kill spends its time (median per phase)</small></h2>'
    + '<p class="notes">crash noticed: kill to the supervisor\'s crash event; backoff wait: crash to the spawn (0 on the first restart after a healthy period); '
    + 'spawn: to the embedder\'s code running (node start-up and module load); runtime ready: to its runtime being ready (node-llama-cpp\'s getLlama); '
    + 'model loaded: to its <code>initialized</code> answer (an embedder that reports no <code>initialized.timing</code> has its whole start under spawn); '
    + 'first answer: to the answer the scenario waited for. A takeover by a warm spare has no spawn, runtime or load; its price is the spare\'s RSS.</p>'
    + `<table class="figures"><thead>${head}</thead><tbody>${body}</tbody></table></section>`;
}
