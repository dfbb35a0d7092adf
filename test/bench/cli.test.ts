/** runBench end to end on the cheap section, its files, and the CLI's flags. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench, benchSizes } from '../../harness/bench/run-bench.ts';
import { benchRunReport, writeBenchOutput } from '../../harness/bench/write-output.ts';
import { packagePath } from '../../harness/util/ts-runner.ts';
import type { BenchEvent, BenchResult } from '../../harness/bench/types.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const tmp = async () => { const d = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-bench-')); dirs.push(d); return d; };
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('runBench', () => {
  it('runs the chosen sections, computes their targets, and writes bench.json and report.html', async () => {
    const events: BenchEvent[] = [];
    const r = await runBench({ sections: ['codecs'], sizes: { codecTimeMs: 10 }, onEvent: (e) => events.push(e) });
    expect(r.codecs?.rows.length).toBeGreaterThan(0);
    expect(r.transports).toBeUndefined();
    expect(r.targets.map((t) => t.id)).toEqual(['msgpack-bin-vs-ndjson-768']);
    const t = r.targets[0]!;
    expect(t.pass).toBe(t.value! >= 5);
    expect(r.environment.loadavgBefore).toHaveLength(3);
    expect(r.environment.cpus).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(['section-start', 'section-end']);

    const dir = await tmp();
    const files = await writeBenchOutput(r, dir, 'npx gauntlet bench --only codecs');
    expect(files.map((f) => path.basename(f))).toEqual(['bench.json', 'report.html']);
    const json = JSON.parse(await readFile(files[0]!, 'utf8')) as BenchResult;
    expect(json.targets[0]).toMatchObject({ name: t.name, target: '>= 5x', unit: 'x', pass: t.pass });
    const html = await readFile(files[1]!, 'utf8');
    expect(html).toContain('<section id="bench"><h2>Benchmarks</h2>');
    expect(html).toContain(t.pass ? 'PASS' : 'MISS');
  });

  it('skips a section when the budget has no room for it', async () => {
    const r = await runBench({ sections: ['isolation'], budgetMs: 100 });
    expect(r.skipped).toEqual([{ section: 'isolation', reason: expect.stringMatching(/no time left/) }]);
    expect(r.targets).toEqual([]);
  });

  it('the bench RunReport carries the targets in report.bench and sets the exit code from them', () => {
    const base = { environment: { loadavgBefore: [1, 1, 1], loadavgAfter: [1, 1, 1], quick: true, durationMs: 5, startedAt: 'x' }, skipped: [] } as unknown as BenchResult;
    const miss = benchRunReport({ ...base, targets: [{ id: 'a', name: 'a', target: '<= 1 ms', value: 2, unit: 'ms', pass: false, op: '<=', threshold: 1, source: '', basis: '' }] }, 'cmd');
    expect(miss.bench?.targets).toEqual([{ name: 'a', target: '<= 1 ms', value: 2, unit: 'ms', pass: false }]);
    expect(miss.summary.exitCode).toBe(1);
    expect(benchRunReport({ ...base, targets: [] }, 'cmd').summary.exitCode).toBe(0);
  });

  it('quick sizes are smaller than the default ones', () => {
    const q = benchSizes(true);
    const d = benchSizes(false);
    expect(q.isolationRounds).toBeLessThan(d.isolationRounds);
    expect(q.isolationPresets).toEqual(['tiny']);
    expect(d.transferBytes).toEqual([1024, 1024 * 1024, 10 * 1024 * 1024]);
  });
});

describe('gauntlet bench CLI', () => {
  const cli = packagePath('bin', 'gauntlet.mjs');

  it('--only codecs --json prints the result as JSON and writes its files', async () => {
    const dir = await tmp();
    const { stdout, stderr } = await run(process.execPath, [cli, 'bench', '--only', 'codecs', '--quick', '--json', '--out', dir], { timeout: 60_000 });
    const r = JSON.parse(stdout) as BenchResult;
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['targets', 'codecs', 'environment']));
    expect(r.targets[0]).toMatchObject({ name: expect.any(String), target: '>= 5x', unit: 'x' });
    expect(stderr).toContain('bench: codecs...');
    expect(JSON.parse(await readFile(path.join(dir, 'bench.json'), 'utf8')).targets).toHaveLength(1);
  });

  it('refuses an unknown section with a usage error', async () => {
    const err = await run(process.execPath, [cli, 'bench', '--only', 'codecs,nope'], { timeout: 30_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/--only: unknown section "nope"/);
  });
});
