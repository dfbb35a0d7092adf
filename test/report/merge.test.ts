import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEvaluator } from '../../harness/report/claims-bridge.ts';
import { combineVerdicts, mergeReports, unshardedCommand } from '../../harness/report/merge-reports.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport, VerdictRow } from '../../harness/report/schema.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('merge');
afterAll(() => tmp.cleanup());

const whole = sampleReport(99);
const sortRows = (rows: VerdictRow[]) => [...rows].sort((a, b) => `${a.claim}/${a.adapter}`.localeCompare(`${b.claim}/${b.adapter}`));

/** Shard i of 2 as `gauntlet run --shard i/2` would write it: half the runs; claims it could not measure inconclusive. */
function shard(index: 1 | 2): RunReport {
  const scenarios = whole.scenarios.filter((_, k) => k % 2 === index - 1);
  const verdicts = whole.verdicts.map((v, k) => (k % 2 === index - 1 ? v : { ...v, verdict: v.verdict === 'not-applicable' ? v.verdict : 'inconclusive' as const, value: null, reason: 'not measured in this shard', evidence: { scenarios: [] } }));
  return { ...whole, command: `${whole.command} --shard ${index}/2`, shard: { index, count: 2 }, durationMs: 1000 * index, startedAt: `2025-01-15T10:0${index}:00.000Z`, scenarios, verdicts, bench: index === 1 ? whole.bench : undefined } as RunReport;
}

describe('mergeReports', () => {
  it('concatenates the shards\' runs and recovers the whole run\'s verdicts and summary', () => {
    const { report, reevaluated } = mergeReports([{ report: shard(2), file: 'b' }, { report: shard(1), file: 'a' }]);
    expect(reevaluated).toBe(false);
    expect(report.scenarios).toHaveLength(whole.scenarios.length);
    expect(report.scenarios[0]).toEqual(whole.scenarios[0]); // shard 1 first, whatever the argument order
    expect(new Set(report.scenarios.map((s) => `${s.scenario}/${s.adapter}`)).size).toBe(whole.scenarios.length);
    expect(sortRows(report.verdicts).map((v) => [v.claim, v.adapter, v.verdict, v.value])).toEqual(sortRows(whole.verdicts).map((v) => [v.claim, v.adapter, v.verdict, v.value]));
    expect(report.summary).toEqual(whole.summary);
    expect(report.shard).toBeUndefined();
    expect(report.command).toBe(whole.command);
    expect(report.durationMs).toBe(2000);
    expect(report.startedAt).toBe('2025-01-15T10:01:00.000Z');
    expect(report.bench?.targets).toHaveLength(3);
  });
  it('uses the evaluator when one is given', () => {
    const evaluate = (results: RunReport['scenarios'], adapters: string[]): VerdictRow[] => adapters.map((a) => ({
      claim: 'runs', adapter: a, severity: 'required', verdict: results.filter((r) => r.adapter === a).length === 14 ? 'pass' : 'fail', value: results.filter((r) => r.adapter === a).length,
      unit: 'count', threshold: 'count==14', source: 'test', reason: 'counted', evidence: { scenarios: [] },
    }));
    const { report, reevaluated } = mergeReports([{ report: shard(1), file: 'a' }, { report: shard(2), file: 'b' }], { evaluate });
    expect(reevaluated).toBe(true);
    expect(report.verdicts.map((v) => v.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(report.summary.exitCode).toBe(0);
  });
  it('refuses shards of different runs or the same shard twice, naming the file', () => {
    expect(() => mergeReports([{ report: shard(1), file: 'a.json' }, { report: { ...shard(2), seed: 7 }, file: 'b.json' }])).toThrow(/b\.json: seed 7 differs from a\.json \(seed 99\)/);
    expect(() => mergeReports([{ report: shard(1), file: 'a.json' }, { report: shard(1), file: 'c.json' }])).toThrow(/shard 1\/2 is also in a\.json/);
    expect(() => mergeReports([])).toThrow(/no report to merge/);
  });
  it('combines rows: fail beats pass beats inconclusive beats not-applicable', () => {
    const row = (verdict: VerdictRow['verdict'], s: string): VerdictRow => ({ claim: 'c', adapter: 'a', severity: 'required', verdict, value: null, unit: 'ms', threshold: 'p50<1ms', source: 's', reason: verdict, evidence: { scenarios: [s], samples: 2 } });
    const [out] = combineVerdicts([row('inconclusive', 'x'), row('pass', 'y'), row('fail', 'z'), row('not-applicable', 'w')]);
    expect(out.verdict).toBe('fail');
    expect(out.evidence.scenarios).toEqual(['x', 'y', 'z', 'w']);
    expect(out.evidence.samples).toBe(8);
    expect(unshardedCommand('gauntlet run --shard 2/3 --quick --shard=1/2')).toBe('gauntlet run --quick');
  });
});

describe('claims bridge', () => {
  it('says why when the claims module cannot re-evaluate', async () => {
    expect((await loadEvaluator([], path.join(tmp.dir, 'missing.ts'))).evaluate).toBeUndefined();
    const noList = path.join(tmp.dir, 'no-list.mjs');
    writeFileSync(noList, 'export function evaluateClaims() { return []; }\n');
    expect((await loadEvaluator([], noList)).why).toMatch(/exports no claim list/);
  });
  it('re-evaluates with the module, keeping shard thresholds, not-applicable rows and unknown claims', async () => {
    const mod = path.join(tmp.dir, 'claims.mjs');
    writeFileSync(mod, `export const CLAIMS = [{ id: 'k', threshold: 'p50<1ms', severity: 'advisory' }];
export function evaluateClaims(claims, results, adapters) {
  return claims.flatMap((c) => adapters.map((a) => ({ claim: c.id, adapter: a, severity: c.severity, verdict: 'pass', value: results.length, unit: 'count', threshold: c.threshold, source: 'm', reason: 'ok', evidence: { scenarios: [] } })));
}\n`);
    const base: VerdictRow = { claim: 'k', adapter: 'a', severity: 'required', verdict: 'fail', value: 1, unit: 'ms', threshold: 'p50<5ms', source: 's', reason: 'r', evidence: { scenarios: [] } };
    const rows: VerdictRow[] = [base, { ...base, adapter: 'b', verdict: 'not-applicable' }, { ...base, claim: 'extra', verdict: 'pass' }];
    const { evaluate, why } = await loadEvaluator(rows, mod);
    expect(why).toMatch(/re-evaluated 1 claims .*CLAIMS/);
    const out = evaluate!(whole.scenarios.slice(0, 3), ['a', 'b']);
    expect(out.map((r) => [r.claim, r.adapter, r.verdict, r.threshold, r.severity])).toEqual([
      ['k', 'a', 'pass', 'p50<5ms', 'required'], ['k', 'b', 'not-applicable', 'p50<5ms', 'required'], ['extra', 'a', 'pass', 'p50<5ms', 'required'],
    ]);
  });
  it('loads the real harness/claims module when it exists', async () => {
    const real = path.join(PACKAGE_ROOT, 'harness', 'claims', 'index.ts');
    const res = await loadEvaluator(whole.verdicts, real);
    if (existsSync(real)) expect(res.why).not.toMatch(/not loadable/);
    else expect(res.why).toMatch(/not loadable/);
    expect(pathToFileURL(real).href).toContain('harness/claims/index.ts');
  });
});

describe('gauntlet merge (CLI)', () => {
  it('merges two shard folders and writes every report, exiting with the merged exit code', async () => {
    const dirs = ([1, 2] as const).map((i) => {
      const d = path.join(tmp.dir, `shard-${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'report.json'), JSON.stringify(shard(i)));
      return d;
    });
    const out = path.join(tmp.dir, 'merged');
    const run = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'merge', ...args], { timeout: 30_000, cwd: tmp.dir }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
    const badFile = path.join(tmp.dir, 'bad.json');
    writeFileSync(badFile, '[]');
    const [ok, bad] = await Promise.all([run(...dirs, '--out', out, '--no-reevaluate'), run(dirs[0], badFile, '--out', path.join(tmp.dir, 'never'))]);
    expect(ok.code).toBe(1); // the whole sample run has one required failure
    expect(ok.stderr).toContain(`2 reports, ${whole.scenarios.length} scenario runs, ${whole.verdicts.length} verdicts`);
    for (const f of ['report.json', 'junit.xml', 'summary.md', 'report.html']) expect(existsSync(path.join(out, f))).toBe(true);
    const merged = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    expect(merged.scenarios).toHaveLength(whole.scenarios.length);
    expect(merged.summary).toEqual(whole.summary);
    expect(ok.stdout).toContain('exit 1: at least one required claim failed');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badFile}: not a gauntlet report: expected a JSON object, got an array`);
    expect(existsSync(path.join(tmp.dir, 'never'))).toBe(false);
  });
});
