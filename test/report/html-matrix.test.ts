/** The matrix of report.html read at a glance: groups, failures first and loud, theses with their reason, deaths. */
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../harness/report/html-reporter.ts';
import { buildMatrix, cellLabel, formatValue, formatVerdictValue, groupMatrixRows, isThesis } from '../../harness/report/matrix.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport, VerdictRow } from '../../harness/report/schema.ts';

const row = (claim: string, adapter: string, verdict: VerdictRow['verdict'], severity: VerdictRow['severity'] = 'required', reason = 'r'): VerdictRow => ({
  claim, adapter, severity, verdict, value: verdict === 'pass' || verdict === 'fail' ? 1 : null, unit: 'count', threshold: 'count==0', source: 'seed 000', reason, evidence: { scenarios: [] },
});

function report(verdicts: VerdictRow[], extra: Partial<RunReport> = {}): RunReport {
  const base = sampleReport(7);
  return { ...base, adapters: ['a', 'b'], verdicts, ...extra };
}

describe('matrix groups', () => {
  const verdicts = [
    row('req-ok', 'a', 'pass'), row('req-ok', 'b', 'pass'),
    row('req-bad', 'a', 'pass'), row('req-bad', 'b', 'fail'),
    row('adv-miss', 'a', 'fail', 'advisory'), row('adv-miss', 'b', 'pass', 'advisory'),
    row('thesis-x', 'a', 'fail', 'advisory', 'refuted: it did not crash (0); the real risk measured: SIGABRT on a corrupt file'),
    row('thesis-x', 'b', 'not-applicable', 'advisory', 'applies to in-process adapters only'),
    row('req-unmeasured', 'a', 'inconclusive'), row('adv-unmeasured', 'a', 'inconclusive', 'advisory'),
  ];
  const m = buildMatrix({ adapters: ['a', 'b'], verdicts });
  it('orders required, advisory, theses, not measured; failures first; required first among the unmeasured', () => {
    const groups = groupMatrixRows(m);
    expect(groups.map((g) => [g.group, g.rows.map((r) => r.claim)])).toEqual([
      ['required', ['req-bad', 'req-ok']], ['advisory', ['adv-miss']], ['thesis', ['thesis-x']], ['not measured', ['req-unmeasured', 'adv-unmeasured']],
    ]);
    expect(groups.flatMap((g) => g.rows)).toHaveLength(m.rows.length);
  });
  it('calls a thesis CONFIRMED / REFUTED, not PASS / WARN', () => {
    expect(isThesis(verdicts[6])).toBe(true);
    expect(isThesis(row('x', 'a', 'fail', 'advisory', 'confirmed: yes'))).toBe(true);
    expect(isThesis(verdicts[4])).toBe(false);
    expect(cellLabel(verdicts[6])).toBe('REFUTED');
    expect(cellLabel({ ...verdicts[6], verdict: 'pass' })).toBe('CONFIRMED');
    expect(cellLabel(verdicts[7])).toBe('N/A');
    expect(cellLabel(verdicts[4])).toBe('WARN');
    expect(cellLabel(verdicts[3])).toBe('FAIL');
  });
  it('renders one tbody row per claim (what the browser check counts), the group in a spanning cell, the failed row marked', async () => {
    const html = await renderReportHtml(report(verdicts));
    const table = html.slice(html.indexOf('<table id="matrix"'), html.indexOf('</table>', html.indexOf('<table id="matrix"')));
    expect(table.match(/<tbody[^>]*>/g)).toHaveLength(4);
    expect(table.match(/<tr class="sev-/g)).toHaveLength(m.rows.length);
    expect(table).toContain('<td class="group" rowspan="2"><span>required</span><small>2 claims</small></td>');
    expect(table).toMatch(/<tr class="sev-required row-fail"><th scope="row"[^>]*>req-bad</);
    expect(table).toMatch(/class="cell mark-refuted"[^>]*><span class="mark">REFUTED</);
    expect(table).toContain('req-unmeasured <span class="req">required</span>');
  });
  it('lists theses with their reason (refuted and the real risk) and advisory misses under the matrix', async () => {
    const html = await renderReportHtml(report(verdicts));
    const findings = html.slice(html.indexOf('<div id="findings">'), html.indexOf('<div id="scenarios">'));
    expect(findings).toContain('<strong>thesis-x</strong> <span class="mark-refuted tag">REFUTED</span> on <code>a</code>: it did not crash (0); the real risk measured: SIGABRT on a corrupt file');
    expect(findings).toContain('<strong>adv-miss</strong> on <code>a</code>');
    expect(findings).not.toContain('req-bad'); // required failures are in the header, not repeated here
  });
  it('folds a long not-measured group to its first row (the client does it, so without JS everything shows)', async () => {
    const many = Array.from({ length: 9 }, (_, i) => row(`inc-${i}`, 'a', 'inconclusive'));
    const html = await renderReportHtml(report([...verdicts, ...many]));
    expect(html).toContain('<tbody class="group-not-measured collapsible">');
    expect(html).toContain('<button type="button" class="toggle-rows" hidden>show all</button>');
    expect(html).not.toContain('<tbody class="group-not-measured collapsible collapsed">');
  });
});

describe('host deaths', () => {
  it('names every host death with its signal under the matrix, linked to its scenario', async () => {
    const base = sampleReport(3);
    const html = await renderReportHtml(base);
    const deaths = html.slice(html.indexOf('<div class="finding deaths">'), html.indexOf('</div>', html.indexOf('<div class="finding deaths">')));
    const died = base.scenarios.filter((s) => s.status === 'host-died');
    expect(died.length).toBeGreaterThan(0);
    for (const s of died) expect(deaths).toContain(`<a href="#scenario-${s.scenario}">${s.scenario}</a> on <code>${s.adapter}</code>`);
    expect(deaths).toContain('signal SIGABRT');
  });
});

describe('values as people read them', () => {
  it('formats booleans, counts, percent ratios and small byte counts', () => {
    expect(formatValue(1, 'boolean')).toBe('true');
    expect(formatValue(0, 'count')).toBe('0 count');
    expect(formatVerdictValue({ value: 0, unit: 'count', threshold: 'count==0' })).toBe('0');
    expect(formatValue(0.9809, 'ratio', 'value>=99%')).toBe('98.1%');
    expect(formatValue(1, 'ratio', 'value>=100%')).toBe('100%');
    expect(formatValue(0.9999, 'ratio', 'min>=0.9999')).toBe('0.9999');
    // 1000-based like the thresholds: 137,715,712 bytes fails max<100MB as "137.7 MB", not as "131.3 MB".
    expect(formatValue(2662, 'bytes')).toBe('2.7 KB');
    expect(formatValue(137715712, 'bytes')).toBe('137.7 MB');
    expect(formatValue(51200, 'bytes/request')).toBe('51.2 KB/request');
    expect(formatValue(-793563, 'bytes')).toBe('-793.6 KB');
  });
});
