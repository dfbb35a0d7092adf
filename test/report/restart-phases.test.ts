/** The restart phase table of the console summary and report.html, from the scenarios' restart.phase.* metrics. */
import { describe, expect, it } from 'vitest';
import { phaseRows, renderPhaseHtml, renderPhaseText } from '../../harness/report/restart-phases.ts';

const run = (adapter: string, metrics: Record<string, number | null>) => ({ scenario: 'forced-kill', adapter, metrics }) as never;

const report = {
  scenarios: [
    run('reference', {
      'restart.phase.count': 6, 'restart.phase.standbyTakeovers': 0, 'restart.phase.crashNoticedMs.p50': 2, 'restart.phase.backoffMs.p50': 0,
      'restart.phase.spawnMs.p50': 300, 'restart.phase.runtimeMs.p50': 400, 'restart.phase.loadMs.p50': 20, 'restart.phase.firstAnswerMs.p50': 3,
      'restart.phase.totalMs.p50': 725,
    }),
    run('reference-standby', {
      'restart.phase.count': 6, 'restart.phase.standbyTakeovers': 6, 'restart.phase.spawnMs.p50': 0, 'restart.phase.runtimeMs.p50': 0,
      'restart.phase.totalMs.p50': 9, 'standby.spareRss.max': 100 * 2 ** 20,
    }),
    run('in-process', { 'embed.latency.p50': 1 }),
  ],
};

describe('restart phase table', () => {
  it('has one row per adapter x scenario that measured restarts, with takeovers and the spare RSS', () => {
    const rows = phaseRows(report);
    expect(rows.map((r) => r.adapter)).toEqual(['reference', 'reference-standby']);
    expect(rows[0]).toMatchObject({ restarts: 6, takeovers: 0, totalMs: 725, spareRss: null, phases: { runtimeMs: 400, crashNoticedMs: 2 } });
    expect(rows[1]).toMatchObject({ takeovers: 6, spareRss: 100 * 2 ** 20, phases: { loadMs: null } });
  });

  it('renders as text and HTML, and as nothing without restarts', () => {
    const text = renderPhaseText(report);
    expect(text).toMatch(/runtime ready/);
    expect(text).toMatch(/reference-standby +forced-kill +6 \(6 standby\)/);
    const html = renderPhaseHtml(report);
    expect(html).toContain('id="restart-phases"');
    expect(html).toContain('6 by a standby spare');
    expect(renderPhaseText({ scenarios: [] })).toBe('');
    expect(renderPhaseHtml({ scenarios: [] })).toBe('');
  });
});
