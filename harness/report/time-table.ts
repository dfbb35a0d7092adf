/**
 * Where a run's time went: per scenario x adapter, the wall time and how much of it the run's processes were busy
 * (CPU time / wall time, from ScenarioResult.timing), plus the phase totals over the whole run (hosts starting,
 * scenario bodies, settle waits, clean-up). Pure over a report; rendered as text (console), HTML and Markdown.
 */
import type { RunReport, ScenarioResult } from './schema.ts';
import { xmlText as esc } from './escape.ts';

export interface TimeCell { wallMs: number; cpuMs: number | null; status: ScenarioResult['status']; overlapped: boolean }

export interface TimeTable {
  adapters: string[];
  rows: Array<{ scenario: string; cells: Array<TimeCell | undefined>; wallMs: number; cpuMs: number | null }>;
  /** Sums over every run that has timing (cpuMs: of the runs that had the machine to themselves). */
  totals: { runs: number; wallMs: number; cpuMs: number | null; hostStartMs: number; hostStarts: number; bodyMs: number; settleMs: number; cleanupMs: number };
  /**
   * Runs that overlapped others (scenarios marked `overlap`): how many, their summed wall time, and the stretches of
   * overlapping runs with their wall and combined CPU (a stretch's runs share it; their own CPU is not told apart).
   * Approximate when stretches chain (a run overlapping two others is counted in the first stretch it was found in).
   */
  overlap: { runs: number; runWallMs: number; stretches: number; wallMs: number; cpuMs: number | null };
  /** The run's own wall time (report.durationMs): more than the sum when something ran outside the scenarios. */
  runWallMs: number;
}

const addCpu = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

export function timeTable(report: Pick<RunReport, 'scenarios' | 'adapters' | 'durationMs'>): TimeTable | undefined {
  const runs = (report.scenarios ?? []).filter((s) => s.timing);
  if (!runs.length) return undefined;
  const adapters = report.adapters.filter((a) => (report.scenarios ?? []).some((r) => r.adapter === a));
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const seen = new Set<number>();
  const overlap: TimeTable['overlap'] = { runs: 0, runWallMs: 0, stretches: 0, wallMs: 0, cpuMs: 0 };
  const totals: TimeTable['totals'] = { runs: 0, wallMs: 0, cpuMs: 0, hostStartMs: 0, hostStarts: 0, bodyMs: 0, settleMs: 0, cleanupMs: 0 };
  const rows = scenarios.map((scenario) => {
    let wallMs = 0;
    let cpuMs: number | null = 0;
    const cells = adapters.map((adapter): TimeCell | undefined => {
      const r = (report.scenarios ?? []).find((x) => x.scenario === scenario && x.adapter === adapter);
      if (r?.status === 'skipped') return { wallMs: 0, cpuMs: null, status: 'skipped', overlapped: false };
      if (!r?.timing) return undefined;
      const t = r.timing;
      wallMs += t.wallMs;
      cpuMs = t.overlap ? null : addCpu(cpuMs, t.cpuMs);
      totals.runs++;
      totals.wallMs += t.wallMs;
      if (!t.overlap) totals.cpuMs = addCpu(totals.cpuMs, t.cpuMs);
      totals.hostStartMs += t.hostStartMs;
      totals.hostStarts += t.hostStarts;
      totals.bodyMs += t.bodyMs;
      totals.settleMs += t.settleMs;
      totals.cleanupMs += t.cleanupMs;
      if (t.overlap) {
        const id = t.overlap.stretch;
        if (!seen.has(id)) { seen.add(id); overlap.stretches++; overlap.wallMs += t.overlap.wallMs; overlap.cpuMs = addCpu(overlap.cpuMs, t.overlap.cpuMs); }
        overlap.runs++;
        overlap.runWallMs += t.wallMs;
      }
      return { wallMs: t.wallMs, cpuMs: t.cpuMs, status: r.status, overlapped: !!t.overlap };
    });
    return { scenario, cells, wallMs, cpuMs };
  });
  rows.sort((a, b) => b.wallMs - a.wallMs);
  return { adapters, rows, totals, overlap, runWallMs: report.durationMs };
}

const sec = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
const busy = (wallMs: number, cpuMs: number | null) => (cpuMs === null || wallMs <= 0 ? '' : ` ${Math.round((cpuMs / wallMs) * 100)}%`);
const cellText = (c: TimeCell | undefined) => (!c ? '-' : c.status === 'skipped' ? 'n/a' : c.overlapped ? `${sec(c.wallMs)} ||` : `${sec(c.wallMs)}${busy(c.wallMs, c.cpuMs)}`);

function summaryLine(t: TimeTable): string {
  const x = t.totals;
  const v = t.overlap;
  const alone = x.runs - v.runs;
  return `${x.runs} runs, ${sec(x.wallMs)} of run time (summed) in ${sec(t.runWallMs)} of wall time`
    + `; ${alone} run(s) alone: busy ${x.cpuMs === null ? 'unknown' : sec(x.cpuMs)}`
    + (v.runs ? `; ${v.runs} run(s) overlapping (||): ${sec(v.runWallMs)} of run time in ${v.stretches} stretch(es) of ${sec(v.wallMs)} wall, busy ${v.cpuMs === null ? 'unknown' : `${sec(v.cpuMs)}${busy(v.wallMs, v.cpuMs)}`}` : '')
    + `; hosts starting ${sec(x.hostStartMs)} (${x.hostStarts} starts), settle waits ${sec(x.settleMs)}, clean-up ${sec(x.cleanupMs)}`;
}

export const TIME_LEGEND = 'each cell: wall time, then CPU time of the run\'s processes as a share of it (100% = one core busy all along; low = mostly waiting); || = ran beside another run (scenarios whose claims are counts, verdicts and per-process memory, not timings), its CPU counted with its stretch below';

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
