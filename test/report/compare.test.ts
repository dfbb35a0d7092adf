import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimFigureKeys, compareReports, COMPARE_SCHEMA } from '../../harness/report/compare-reports.ts';
import { metricInfo, thresholdDirection } from '../../harness/report/metric-direction.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport, ScenarioResult } from '../../harness/report/schema.ts';
import { figureIntervals, type SampleLink } from '../../harness/stats/figure-intervals.ts';
import { summarizeLatencies } from '../../harness/metrics/latency.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { lognormals } from '../stats/helpers.ts';
import { minimalReport, tempDir } from './helpers.ts';

const tmp = tempDir('compare');
afterAll(() => tmp.cleanup());

function variant(edit: (r: RunReport) => void): RunReport {
  const r = minimalReport();
  edit(r);
  return r;
}
const metrics = (r: RunReport) => r.scenarios[0].metrics;

/**
 * A run of latency + throughput + forced-kill on `reference` from seeded log-normal samples: embed latency with
 * median `latency` ms (100 samples), a serial throughput phase of the same requests (rate = 1000 / mean), and
 * `kills` restarts of median `restart` ms. What the real scenarios record, through the same interval code.
 */
function synthetic(seed: number, o: { latency?: number; restart?: number; kills?: number; adapter?: string } = {}): RunReport {
  const r = minimalReport();
  const adapter = o.adapter ?? 'reference';
  const scenario = (id: string, samples: Record<string, number[]>, links: Record<string, SampleLink>, extra: Record<string, number>): ScenarioResult => {
    const m: Record<string, number | null> = { ...extra };
    const latency: ScenarioResult['latency'] = {};
    for (const [k, v] of Object.entries(samples)) {
      latency[k] = summarizeLatencies(v);
      for (const stat of ['p50', 'p90', 'p99', 'mean', 'max', 'min'] as const) links[`latency.${k}.${stat}`] = { samples: k, stat };
    }
    for (const [key, link] of Object.entries(links)) {
      if (link.stat !== 'rate' && !(key in m)) m[key] = latency[link.samples]![link.stat as 'p50'];
    }
    return { scenario: id, title: id, adapter, status: 'completed', durationMs: 1000, metrics: m, latency, samples, intervals: figureIntervals(m, samples, links, seed), timeline: [], errors: [], notes: [] };
  };
  const single = lognormals(100, seed * 10 + 1, o.latency ?? 2);
  const serial = lognormals(200, seed * 10 + 2, o.latency ?? 2);
  const kills = lognormals(o.kills ?? 12, seed * 10 + 3, o.restart ?? 250, 0.15);
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  const perMetric = (metric: string, key: string): Record<string, SampleLink> => Object.fromEntries((['p50', 'p90', 'p99', 'mean', 'max', 'min'] as const).map((s) => [`${metric}.${s}`, { samples: key, stat: s }]));
  r.adapters = [adapter];
  r.scenarios = [
    scenario('latency', { single }, perMetric('embed.latency', 'single'), { 'host.rss.max': 60e6, 'requests.lost': 0 }),
    scenario('throughput', { throughputSingle: serial }, { 'throughput.single': { samples: 'throughputSingle', stat: 'rate' } }, { 'throughput.single': 1000 / mean(serial) }),
    scenario('forced-kill', { recovery: kills }, perMetric('restart.recoveryMs', 'recovery'), { 'host.crashes': 0, 'forcedKill.recoveredRatio': 1 }),
  ];
  r.verdicts = [];
  return r;
}

const row = (c: ReturnType<typeof compareReports>, scenario: string, metric: string) => c.rows.find((x) => x.kind === 'figure' && x.scenario === scenario && x.metric === metric);

describe('compareReports: figures with samples', () => {
  it('A/A: twenty pairs of runs drawn from the same distributions find no regression', () => {
    for (let s = 1; s <= 20; s++) {
      const c = compareReports(synthetic(2 * s), synthetic(2 * s + 1), { resamples: 800 });
      const flagged = c.rows.filter((x) => x.decision === 'regression' || x.decision === 'improvement');
      expect(flagged.map((x) => x.message), `pair ${s}`).toEqual([]);
      expect(c.exitCode).toBe(0);
    }
  });

  it('A/B: 1.5x latency and +300 ms restarts are regressions of latency, throughput and restart, with their intervals', () => {
    for (let s = 1; s <= 5; s++) {
      const c = compareReports(synthetic(2 * s), synthetic(2 * s + 1, { latency: 3, restart: 550 }), { resamples: 800 });
      expect(c.exitCode).toBe(1);
      const lat = row(c, 'latency', 'embed.latency.p50')!;
      expect(lat.decision).toBe('regression');
      expect(lat.change).toMatchObject({ method: 'bootstrap ratio', stat: 'p50', samples: { base: 100, next: 100 } });
      expect(lat.change!.lo!).toBeGreaterThan(1.25);
      expect(lat.change!.ratio!).toBeGreaterThan(lat.change!.lo!);
      expect(lat.change!.uTestP!).toBeLessThan(0.001);
      expect(row(c, 'throughput', 'throughput.single')!.decision).toBe('regression');
      expect(row(c, 'throughput', 'throughput.single')!.change!.hi!).toBeLessThan(0.8);
      expect(row(c, 'forced-kill', 'restart.recoveryMs.p50')!.decision).toBe('regression');
    }
  });

  it('the other way: the same changes reversed are improvements, never regressions', () => {
    const c = compareReports(synthetic(3, { latency: 3, restart: 550 }), synthetic(4), { resamples: 800 });
    expect(c.exitCode).toBe(0);
    expect(row(c, 'latency', 'embed.latency.p50')!.decision).toBe('improvement');
    expect(row(c, 'throughput', 'throughput.single')!.decision).toBe('improvement');
  });

  it('a 10% slowdown is within the default 25% band, a regression with --noise 0.02', () => {
    const base = synthetic(5), next = synthetic(6, { latency: 2.2 });
    expect(row(compareReports(base, next, { resamples: 800 }), 'latency', 'embed.latency.p50')!.decision).toBe('within noise');
    const tight = compareReports(synthetic(5), synthetic(5, { latency: 2.4 }), { noise: 0.02, resamples: 800 });
    expect(row(tight, 'latency', 'embed.latency.p50')!.decision).toBe('regression');
  });

  it('too few samples is never a regression: a max, a p99 of 100, 5 restarts, a figure without samples', () => {
    const c = compareReports(synthetic(7, { kills: 5 }), synthetic(8, { latency: 6, restart: 2000, kills: 5 }), { resamples: 800, metrics: 'all' });
    expect(row(c, 'forced-kill', 'restart.recoveryMs.p50')!.decision).toBe('not enough samples');
    expect(row(c, 'forced-kill', 'restart.recoveryMs.p50')!.message).toContain('a p50 needs 6 samples a side (5 / 5)');
    expect(row(c, 'forced-kill', 'restart.recoveryMs.max')!.decision).toBe('not enough samples');
    expect(row(c, 'latency', 'embed.latency.p99')!.decision).toBe('not enough samples');
    expect(row(c, 'latency', 'embed.latency.p50')!.decision).toBe('regression');
    const bare = compareReports(minimalReport(), variant((r) => { metrics(r)['coldStart.readyMs.max'] = 4000; }));
    const cold = bare.rows.find((x) => x.metric === 'coldStart.readyMs.max')!;
    expect(cold.decision).toBe('not enough samples');
    expect(cold.message).toContain('neither report has samples for it');
    expect(bare.exitCode).toBe(0);
  });

  it('is reproducible from its seed', () => {
    const a = compareReports(synthetic(9), synthetic(10), { resamples: 500, seed: 3 });
    const b = compareReports(synthetic(9), synthetic(10), { resamples: 500, seed: 3 });
    expect(row(b, 'latency', 'embed.latency.p50')!.change).toEqual(row(a, 'latency', 'embed.latency.p50')!.change);
  });
});

describe('compareReports: exact rules and scope', () => {
  it('finds nothing between a report and itself', () => {
    const r = sampleReport(5);
    const c = compareReports(r, r);
    expect(c.exitCode).toBe(0);
    expect(c.counts.regression + c.counts.improvement + c.counts.warning + c.counts.changed).toBe(0);
    expect(c.rows.length).toBeGreaterThan(r.verdicts.length);
    expect(c.schema).toBe(COMPARE_SCHEMA);
  });

  it.each([
    ['a host crash appears', (r: RunReport) => { metrics(r)['host.crashes'] = 1; }, 'host.crashes', 'regression'],
    ['RSS +20%: within the 25% band of a single figure', (r: RunReport) => { metrics(r)['host.rss.max'] = 62914560 * 1.2; }, 'host.rss.max', 'within noise'],
    ['RSS +40%: beyond it', (r: RunReport) => { metrics(r)['host.rss.max'] = 62914560 * 1.4; }, 'host.rss.max', 'regression'],
    ['RSS -40%', (r: RunReport) => { metrics(r)['host.rss.max'] = 62914560 * 0.6; }, 'host.rss.max', 'improvement'],
    ['a load delta near 0 moving by 5 MB: under the 8 MiB floor', (r: RunReport) => { metrics(r)['host.heapUsed.loadDelta.max'] = 5e6; }, 'host.heapUsed.loadDelta.max', 'within noise'],
    ['throughput without samples', (r: RunReport) => { metrics(r)['throughput.single'] = 100; }, 'throughput.single', 'not enough samples'],
  ])('%s', (_name, edit, metric, decision) => {
    const c = compareReports(minimalReport(), variant(edit));
    expect(c.rows.find((x) => x.metric === metric)!.decision).toBe(decision);
    expect(c.exitCode).toBe(decision === 'regression' ? 1 : 0);
  });

  it('flags a required pass -> fail flip as a regression, an advisory one as a warning', () => {
    const c = compareReports(minimalReport(), variant((r) => {
      r.verdicts[0].verdict = 'fail'; r.verdicts[0].value = 6000; r.verdicts[0].reason = 'slow';
      r.verdicts[2].verdict = 'fail'; r.verdicts[2].value = 30; r.verdicts[2].nearThreshold = true;
    }));
    const flips = c.rows.filter((x) => x.kind === 'verdict' && x.decision !== 'unchanged');
    expect(flips.map((x) => [x.claim, x.decision])).toEqual([['cold-start', 'regression'], ['throughput-single', 'warning']]);
    expect(flips[0].message).toContain('verdict pass -> fail (required claim now FAILS: slow)');
    expect(flips[1].message).toContain('(near threshold in NEW)');
    expect(c.exitCode).toBe(1);
  });

  it('treats a completed run that now ends host-died as a regression, and reports missing runs', () => {
    const c = compareReports(minimalReport(), variant((r) => {
      r.scenarios[0].status = 'host-died';
      r.scenarios[0].errors.push({ code: 'GAUNTLET_HOST_DIED', message: 'host died', signal: 'SIGABRT' });
      r.scenarios.pop();
    }));
    const status = c.rows.filter((x) => x.kind === 'status');
    expect(status.map((x) => x.decision)).toEqual(['regression', 'missing']);
    expect(status[0].message).toContain('completed -> host-died (GAUNTLET_HOST_DIED SIGABRT: host died)');
  });

  it('default scope: the figures claims read (a max also through its p50); --metrics all: every figure', () => {
    const keys = claimFigureKeys();
    expect(keys.get('restart.recoveryMs.max')).toEqual(expect.arrayContaining(['restart-under-5s']));
    expect(keys.get('restart.recoveryMs.p50')).toEqual(expect.arrayContaining(['restart-under-5s']));
    expect(keys.get('embed.latency.p50')).toEqual(expect.arrayContaining(['embed-latency-p50-under-25ms']));
    expect(keys.get('throughput.single')).toEqual(['throughput-single-over-40-per-s']);
    const base = synthetic(11), next = synthetic(12);
    const claims = compareReports(base, next, { resamples: 300 });
    const all = compareReports(base, next, { resamples: 300, metrics: 'all' });
    expect(claims.rows.some((x) => x.metric === 'latency.single.p50')).toBe(false);
    expect(all.rows.some((x) => x.metric === 'latency.single.p50')).toBe(true);
    expect(all.rows.length).toBeGreaterThan(claims.rows.length);
  });

  it('warns, without changing a decision, when a run started on an overloaded machine', () => {
    const busy = synthetic(31);
    busy.environment.loadavg = [14.8, 15.1, 14.8];
    busy.environment.cpus = 2;
    const quiet = synthetic(32);
    quiet.environment.loadavg = [0.4, 0.5, 0.6];
    const c = compareReports(quiet, busy, { resamples: 300 });
    expect(c.warnings).toEqual(['NEW started with a load average of 14.8 on 2 cores: its timing figures depend on what else ran, and may differ from another run\'s by more than their intervals (which only see this run\'s samples)']);
    expect(c.next.loadavg).toEqual([14.8, 15.1, 14.8]);
    expect(compareReports(quiet, quiet, { resamples: 300 }).warnings).toEqual([]);
  });

  it('knows which way is better', () => {
    expect(thresholdDirection('p50<25ms')).toBe('lower');
    expect(thresholdDirection('rate>=0.99')).toBe('higher');
    expect(metricInfo('throughput.batchTexts')).toEqual({ unitClass: 'rate', direction: 'higher' });
    expect(metricInfo('embed.latency.p99')).toEqual({ unitClass: 'ms', direction: 'lower' });
    expect(metricInfo('embed.latency.count').direction).toBe('neutral');
    expect(metricInfo('host.rss.max')).toEqual({ unitClass: 'bytes', direction: 'lower' });
  });
});

describe('gauntlet compare (CLI)', () => {
  const write = (name: string, value: unknown) => {
    const file = path.join(tmp.dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const cli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'compare', ...args], { timeout: 60_000, cwd: tmp.dir }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });

  it('exits 1 on a regression, 0 within noise or on an improvement, 2 on bad input; --json is the documented shape', async () => {
    const base = write('base.json', synthetic(21));
    const slower = write('slower.json', synthetic(22, { latency: 3, restart: 550 }));
    const same = write('same.json', synthetic(23));
    const notJson = write('broken.json', '{"schemaVersion": 1,');
    const v2 = write('v2.json', { ...minimalReport(), schemaVersion: 2 });
    const [reg, quiet, json, wide, bad, wrongVersion, missing, badScope] = await Promise.all([
      cli(base, slower), cli(base, same), cli(base, slower, '--json'), cli(base, slower, '--noise', '200%'), cli(base, notJson), cli(v2, base),
      cli(base, path.join(tmp.dir, 'nope.json')), cli(base, same, '--metrics', 'some'),
    ]);
    expect(reg.code).toBe(1);
    expect(reg.stdout).toMatch(/REGRESSIONS \(\d+\):/);
    expect(reg.stdout).toMatch(/latency x reference embed\.latency\.p50: [\d.]+ -> [\d.]+ ms x1\.\d+ \[1\.\d+, 1\.\d+\] \(p50, bootstrap, n 100\/100, U-test p=<0\.001\): regression/);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('0 regressions');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.schema).toBe('gauntlet-compare/2');
    expect(Object.keys(parsed)).toEqual(['schema', 'options', 'base', 'next', 'warnings', 'rows', 'counts', 'exitCode']);
    expect(parsed.rows[0]).toMatchObject({ kind: 'figure', decision: 'regression', adapter: 'reference', change: { method: 'bootstrap ratio' } });
    expect(wide.code).toBe(0);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${notJson}: not JSON`);
    expect(wrongVersion.code).toBe(2);
    expect(wrongVersion.stderr).toContain(`${v2}: wrong schemaVersion: expected 1, got 2`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file or folder');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('--metrics: expected "claims" or "all", got "some"');
  });
});
