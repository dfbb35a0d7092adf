/**
 * Where a run's time went: per scenario x adapter, the wall time and how much of it the run's processes were busy
 * (CPU time / wall time, from ScenarioResult.timing), plus the phase totals over the whole run (hosts starting,
 * scenario bodies, settle waits, clean-up). Pure over a report; rendered as text (console), HTML and Markdown.
 */
import type { RunReport, ScenarioResult } from './schema.ts';
import { xmlText as esc } from './escape.ts';

export interface TimeCell { wallMs: number; cpuMs: number | null; status: ScenarioResult['status'] }

export interface TimeTable {
  adapters: string[];
  rows: Array<{ scenario: string; cells: Array<TimeCell | undefined>; wallMs: number; cpuMs: number | null }>;
  /** Sums over every run that has timing. */
  totals: { runs: number; wallMs: number; cpuMs: number | null; hostStartMs: number; hostStarts: number; bodyMs: number; settleMs: number; cleanupMs: number };
  /** The run's own wall time (report.durationMs): more than the sum when something ran outside the scenarios. */
  runWallMs: number;
}

const addCpu = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

export function timeTable(report: Pick<RunReport, 'scenarios' | 'adapters' | 'durationMs'>): TimeTable | undefined {
  const runs = (report.scenarios ?? []).filter((s) => s.timing);
  if (!runs.length) return undefined;
  const adapters = report.adapters.filter((a) => runs.some((r) => r.adapter === a));
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const totals: TimeTable['totals'] = { runs: 0, wallMs: 0, cpuMs: 0, hostStartMs: 0, hostStarts: 0, bodyMs: 0, settleMs: 0, cleanupMs: 0 };
  const rows = scenarios.map((scenario) => {
    let wallMs = 0;
    let cpuMs: number | null = 0;
    const cells = adapters.map((adapter) => {
      const r = runs.find((x) => x.scenario === scenario && x.adapter === adapter);
      if (!r?.timing) return undefined;
      const t = r.timing;
      wallMs += t.wallMs;
      cpuMs = addCpu(cpuMs, t.cpuMs);
      totals.runs++;
      totals.wallMs += t.wallMs;
      totals.cpuMs = addCpu(totals.cpuMs, t.cpuMs);
      totals.hostStartMs += t.hostStartMs;
      totals.hostStarts += t.hostStarts;
      totals.bodyMs += t.bodyMs;
      totals.settleMs += t.settleMs;
      totals.cleanupMs += t.cleanupMs;
      return { wallMs: t.wallMs, cpuMs: t.cpuMs, status: r.status };
    });
    return { scenario, cells, wallMs, cpuMs };
  });
  rows.sort((a, b) => b.wallMs - a.wallMs);
  return { adapters, rows, totals, runWallMs: report.durationMs };
}

const sec = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
const busy = (wallMs: number, cpuMs: number | null) => (cpuMs === null || wallMs <= 0 ? '' : ` ${Math.round((cpuMs / wallMs) * 100)}%`);
const cellText = (c: TimeCell | undefined) => (!c ? '-' : c.status === 'skipped' ? 'n/a' : `${sec(c.wallMs)}${busy(c.wallMs, c.cpuMs)}`);

function summaryLine(t: TimeTable): string {
  const x = t.totals;
  return `${x.runs} runs, ${sec(x.wallMs)} in scenarios of ${sec(t.runWallMs)} run wall time; busy (CPU of the run's processes) ${x.cpuMs === null ? 'unknown' : sec(x.cpuMs)}`
    + `; hosts starting ${sec(x.hostStartMs)} (${x.hostStarts} starts), settle waits ${sec(x.settleMs)}, clean-up ${sec(x.cleanupMs)}`;
}

export const TIME_LEGEND = 'each cell: wall time, then CPU time of the run\'s processes as a share of it (100% = one core busy all along; low = mostly waiting)';

/** Fixed-width text for the console summary ('' without timing). */
export function renderTimeText(report: Pick<RunReport, 'scenarios' | 'adapters' | 'durationMs'>): string {
  const t = timeTable(report);
  if (!t) return '';
  const head = ['scenario', ...t.adapters, 'total'];
  const body = t.rows.map((r) => [r.scenario, ...r.cells.map(cellText), `${sec(r.wallMs)}${busy(r.wallMs, r.cpuMs)}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`Where the time went (${TIME_LEGEND}):`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), summaryLine(t)].join('\n');
}

export function renderTimeHtml(report: Pick<RunReport, 'scenarios' | 'adapters' | 'durationMs'>): string {
  const t = timeTable(report);
  if (!t) return '';
  const head = `<tr><th>scenario</th>${t.adapters.map((a) => `<th>${esc(a)}</th>`).join('')}<th>total</th></tr>`;
  const body = t.rows.map((r) => `<tr><td>${esc(r.scenario)}</td>${r.cells.map((c) => `<td>${esc(cellText(c))}</td>`).join('')}<td><strong>${esc(`${sec(r.wallMs)}${busy(r.wallMs, r.cpuMs)}`)}</strong></td></tr>`).join('');
  return '<section class="scenario" id="time-table"><h2>Where the time went <small>wall time per scenario and adapter, and how busy it was</small></h2>'
    + `<p class="notes">${esc(TIME_LEGEND)}. ${esc(summaryLine(t))}.</p>`
    + `<table class="figures"><thead>${head}</thead><tbody>${body}</tbody></table></section>`;
}

export function renderTimeMarkdown(report: Pick<RunReport, 'scenarios' | 'adapters' | 'durationMs'>): string {
  const t = timeTable(report);
  if (!t) return '';
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return ['## Where the time went', '', `${TIME_LEGEND}.`, '',
    `| scenario | ${t.adapters.map(cell).join(' | ')} | total |`, `|---|${t.adapters.map(() => '---').join('|')}|---|`,
    ...t.rows.map((r) => `| ${cell(r.scenario)} | ${r.cells.map(cellText).join(' | ')} | ${sec(r.wallMs)}${busy(r.wallMs, r.cpuMs)} |`),
    '', `${summaryLine(t)}.`, ''].join('\n');
}
