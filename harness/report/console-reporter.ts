/**
 * Console progress and the final matrix. Progress (scenario, adapter, elapsed, ETA) goes to stderr, so that stdout
 * carries only the final result; the final matrix goes to stdout. Both streams can be replaced (tests, quiet runs).
 */
import type { Reporter, RunStartInfo, ScenarioStartInfo } from './reporter.ts';
import type { RunReport, ScenarioResult } from './schema.ts';
import { EXIT_CODE_MEANING } from './summary.ts';
import { renderPhaseText } from './restart-phases.ts';
import { renderTimeText } from './time-table.ts';
import { MARK_LEGEND, buildMatrix, cellMark, formatValue, formatValueWithInterval, headline, intervalRows, partialNote, requiredFailures } from './matrix.ts';

export interface ConsoleReporterOptions {
  /** Where progress lines go (default process.stderr). */
  progress?: { write(chunk: string): unknown };
  /** Where the final matrix goes (default process.stdout). */
  out?: { write(chunk: string): unknown };
  /** Clock in ms (tests). */
  now?: () => number;
}

/** 83_000 -> "1m23s", 4_200 -> "4.2s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

/** The claims x adapters matrix as fixed-width text. */
export function renderTextMatrix(report: Pick<RunReport, 'adapters' | 'verdicts'>): string {
  const m = buildMatrix(report);
  const head = ['claim', 'sev', ...m.adapters];
  const body = m.rows.map((r) => [r.origin === 'config' ? `${r.claim} (config)` : r.claim, r.severity === 'required' ? 'req' : 'adv', ...r.cells.map(cellMark)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function consoleReporter(options: ConsoleReporterOptions = {}): Reporter {
  const progress = options.progress ?? process.stderr;
  const out = options.out ?? process.stdout;
  const now = options.now ?? Date.now;
  let started = now();
  let total = 0;
  let done = 0;
  // Runs in flight (two may overlap): key scenario/adapter -> start time.
  const running = new Map<string, number>();
  const key = (scenario: string, adapter: string) => `${scenario}\u0000${adapter}`;

  const eta = () => {
    if (done === 0 || total === 0) return '?';
    return formatDuration(((now() - started) / done) * Math.max(0, total - done));
  };

  return {
    name: 'console',
    onRunStart(info: RunStartInfo) {
      started = now();
      total = info.totalRuns;
      done = 0;
      progress.write(`gauntlet: ${info.scenarios.length} scenarios x ${info.adapters.length} adapters = ${info.totalRuns} runs, seed ${info.seed}`
        + `${info.quick ? ', quick' : ''}${info.shard ? `, shard ${info.shard.index}/${info.shard.count}` : ''}\n`);
    },
    onScenarioStart(info: ScenarioStartInfo) {
      running.set(key(info.scenario, info.adapter), now());
      if (info.total) total = info.total;
      const width = String(total || '?').length;
      progress.write(`[${String(info.ordinal ?? info.index + 1).padStart(width)}/${total || '?'}] ${info.scenario} x ${info.adapter}  (elapsed ${formatDuration(now() - started)}, ETA ${eta()})\n`);
    },
    onScenarioEnd(result: ScenarioResult) {
      done++;
      const k = key(result.scenario, result.adapter);
      const since = running.get(k);
      running.delete(k);
      const took = since !== undefined ? now() - since : result.durationMs;
      const err = result.errors?.[0];
      const why = err ? ` ${err.code}${err.signal ? ` ${err.signal}` : ''}${err.exitCode != null ? ` exit ${err.exitCode}` : ''}` : '';
      // With runs overlapping, the line names the run it closes.
      const whose = running.size > 0 || result.timing?.overlap ? ` (${result.scenario} x ${result.adapter})` : '';
      progress.write(`      ${result.status}${why} in ${formatDuration(took)}${whose}\n`);
    },
    async onRunEnd(report: RunReport) {
      const lines = ['', renderTextMatrix(report), '', Object.entries(MARK_LEGEND).map(([k, v]) => `${k} ${v}`).join('; ')];
      const timed = intervalRows(report);
      if (timed.length) {
        lines.push('', 'Timing and rate figures with their 95% intervals (samples of one run; "near threshold": the interval straddles it):');
        for (const v of timed) lines.push(`  ${cellMark(v).padEnd(4)} ${v.claim} on ${v.adapter}: ${v.threshold} ${formatValueWithInterval(v)}`);
      }
      const phases = renderPhaseText(report);
      if (phases) lines.push('', phases);
      const times = renderTimeText(report);
      if (times) lines.push('', times);
      const fails = requiredFailures(report);
      if (fails.length) {
        lines.push('', 'Required claim failures:');
        for (const v of fails) lines.push(`  ${v.claim} on ${v.adapter}: ${formatValue(v.value, v.unit)} vs ${v.threshold}. ${v.reason}`);
      }
      const broken = (report.scenarios ?? []).filter((s) => s.status === 'host-died' || s.status === 'harness-error' || s.status === 'timed-out');
      if (broken.length) lines.push('', 'Scenario runs that did not complete:');
      for (const s of broken) {
        {
          const e = s.errors?.[0];
          lines.push(`  ${s.scenario} on ${s.adapter}: ${s.status}${e?.signal ? ` by ${e.signal}` : ''}${e ? `: ${e.message}` : ''}`);
        }
      }
      const partial = partialNote(report);
      lines.push('', headline(report), ...(partial ? [`PARTIAL: ${partial}`] : []), `exit ${report.summary.exitCode}: ${EXIT_CODE_MEANING[report.summary.exitCode]}`, `reproduce: ${report.command}`, '');
      out.write(lines.join('\n'));
      return [];
    },
  };
}
