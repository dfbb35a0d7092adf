import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareReports } from '../../harness/report/compare-reports.ts';
import { metricInfo, thresholdDirection } from '../../harness/report/metric-direction.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport } from '../../harness/report/schema.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { minimalReport, tempDir } from './helpers.ts';

const tmp = tempDir('compare');
afterAll(() => tmp.cleanup());

function variant(edit: (r: RunReport) => void): RunReport {
  const r = minimalReport();
  edit(r);
  return r;
}
const metrics = (r: RunReport) => r.scenarios[0].metrics;

describe('compareReports', () => {
  it('finds nothing between a report and itself', () => {
    const r = sampleReport(5);
    const c = compareReports(r, r);
    expect(c.exitCode).toBe(0);
    expect(c.findings).toEqual([]);
    expect(c.counts.compared).toBeGreaterThan(r.verdicts.length);
  });
  it.each([
    ['latency 20% worse', (r: RunReport) => { metrics(r)['coldStart.readyMs.max'] = 504; }, 'regression'],
    ['latency 5% worse: within the 10% band', (r: RunReport) => { metrics(r)['coldStart.readyMs.max'] = 441; }, null],
    ['latency 30% better', (r: RunReport) => { metrics(r)['coldStart.readyMs.max'] = 294; }, 'improvement'],
    ['tiny ms value doubles but stays under the 1 ms floor', (r: RunReport) => { metrics(r)['embed.latency.p50'] = 1.6; }, null],
    ['tiny ms value moves past the floor', (r: RunReport) => { metrics(r)['embed.latency.p50'] = 2.5; }, 'regression'],
    ['throughput drops (higher is better)', (r: RunReport) => { metrics(r)['throughput.single'] = 200; }, 'regression'],
    ['throughput rises', (r: RunReport) => { metrics(r)['throughput.single'] = 400; }, 'improvement'],
    ['RSS +0.5 MiB: under the 1 MiB floor', (r: RunReport) => { metrics(r)['host.rss.max'] = 62914560 + 512 * 1024; }, null],
    ['a host crash appears', (r: RunReport) => { metrics(r)['host.crashes'] = 1; }, 'regression'],
  ])('%s', (_name, edit, kind) => {
    const c = compareReports(minimalReport(), variant(edit));
    const metricFindings = c.findings.filter((f) => f.subject === 'metric');
    if (kind === null) expect(metricFindings).toEqual([]);
    else expect(metricFindings.map((f) => f.kind)).toEqual([kind]);
    expect(c.exitCode).toBe(kind === 'regression' ? 1 : 0);
  });
  it('flags a required pass -> fail flip as a regression, an advisory one as a warning', () => {
    const c = compareReports(minimalReport(), variant((r) => {
      r.verdicts[0].verdict = 'fail'; r.verdicts[0].value = 6000; r.verdicts[0].reason = 'slow';
      r.verdicts[2].verdict = 'fail'; r.verdicts[2].value = 30;
    }));
    const flips = c.findings.filter((f) => f.subject === 'verdict');
    expect(flips.map((f) => [f.claim, f.kind])).toEqual([['cold-start', 'regression'], ['throughput-single', 'warning']]);
    expect(flips[0].message).toContain('verdict pass -> fail (required claim now FAILS: slow)');
    expect(c.exitCode).toBe(1);
  });
  it('flags a claim value getting worse while still passing, in the threshold\'s direction', () => {
    const c = compareReports(minimalReport(), variant((r) => { r.verdicts[0].value = 900; }));
    expect(c.findings.map((f) => [f.subject, f.kind])).toEqual([['claim-value', 'regression']]);
    const better = compareReports(minimalReport(), variant((r) => { r.verdicts[2].value = 500; }));
    expect(better.findings.map((f) => [f.subject, f.kind])).toEqual([['claim-value', 'improvement']]);
  });
  it('treats a completed run that now ends host-died as a regression, and reports missing runs', () => {
    const c = compareReports(minimalReport(), variant((r) => {
      r.scenarios[0].status = 'host-died';
      r.scenarios[0].errors.push({ code: 'GAUNTLET_HOST_DIED', message: 'host died', signal: 'SIGABRT' });
      r.scenarios.pop();
    }));
    expect(c.findings.map((f) => [f.subject, f.kind])).toEqual([['status', 'regression'], ['status', 'missing']]);
    expect(c.findings[0].message).toContain('completed -> host-died (GAUNTLET_HOST_DIED SIGABRT: host died)');
  });
  it('honours a wider noise band', () => {
    const next = variant((r) => { metrics(r)['coldStart.readyMs.max'] = 504; });
    expect(compareReports(minimalReport(), next, { noise: 0.25 }).exitCode).toBe(0);
  });
  it('knows which way is better', () => {
    expect(thresholdDirection('p50<25ms')).toBe('lower');
    expect(thresholdDirection('rate>=0.99')).toBe('higher');
    expect(thresholdDirection('count==0')).toBe('lower');
    expect(metricInfo('throughput.batchTexts')).toEqual({ unitClass: 'rate', direction: 'higher' });
    expect(metricInfo('restartStorm.availability')).toEqual({ unitClass: 'ratio', direction: 'higher' });
    expect(metricInfo('embed.latency.p99')).toEqual({ unitClass: 'ms', direction: 'lower' });
    expect(metricInfo('embed.latency.count').direction).toBe('neutral');
    expect(metricInfo('host.rss.max')).toEqual({ unitClass: 'bytes', direction: 'lower' });
    expect(metricInfo('my.custom.reqPerSec.rps').direction).toBe('higher');
  });
});

describe('gauntlet compare (CLI)', () => {
  const write = (name: string, value: unknown) => {
    const file = path.join(tmp.dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const cli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'compare', ...args], { timeout: 30_000, cwd: tmp.dir }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });

  it('exits 1 on a regression, 0 on an improvement or within noise, 2 on bad input', async () => {
    const base = write('base.json', minimalReport());
    const worse = write('worse.json', variant((r) => { metrics(r)['coldStart.readyMs.max'] = 600; }));
    const better = write('better.json', variant((r) => { metrics(r)['coldStart.readyMs.max'] = 300; }));
    const noise = write('noise.json', variant((r) => { metrics(r)['coldStart.readyMs.max'] = 430; }));
    const notJson = write('broken.json', '{"schemaVersion": 1,');
    const v2 = write('v2.json', { ...minimalReport(), schemaVersion: 2 });
    const [reg, imp, same, json, bad, wrongVersion, missing, noise50] = await Promise.all([
      cli(base, worse), cli(base, better), cli(base, noise), cli(base, worse, '--json'), cli(base, notJson), cli(v2, base),
      cli(base, path.join(tmp.dir, 'nope.json')), cli(base, worse, '--noise', '50%'),
    ]);
    expect(reg.code).toBe(1);
    expect(reg.stdout).toContain('REGRESSIONS (1):');
    expect(reg.stdout).toContain('coldStart.readyMs.max: 420 -> 600 (+42.9%, lower is better');
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain('IMPROVEMENTS (1):');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('0 regressions, 0 improvements');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).counts.regression).toBe(1);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${notJson}: not JSON`);
    expect(wrongVersion.code).toBe(2);
    expect(wrongVersion.stderr).toContain(`${v2}: wrong schemaVersion: expected 1, got 2`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file or folder');
    expect(noise50.code).toBe(0);
  });
});
