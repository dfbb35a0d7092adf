/**
 * `gauntlet run --bench-results FILE` end to end (real `gauntlet run` processes, one quick cold-start scenario each):
 * benchmark figures from a small prepared bench.json decide the bench claims both ways, reach every report, and
 * never set the exit code (bench claims are advisory). Bad --bench values and bad files are usage errors (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTargets } from '../../harness/bench/targets.ts';
import type { BenchResult, PingRow, TransferRow } from '../../harness/bench/types.ts';
import { CLAIMS } from '../../harness/claims/index.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import type { RunReport } from '../../harness/report/schema.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-run-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs');
const gauntlet = (args: string[], timeout = 150_000) => spawnSync(process.execPath, [cli, ...args], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });

const KiB = 1024, MiB = 1024 * 1024;
const BENCH_CLAIMS = CLAIMS.filter((c) => resolveClaim(c).resolved.def.scenarios.every((s) => s === 'bench')).map((c) => c.id);

/** A bench.json as `gauntlet bench` writes it, with only the rows the claims read; `scale` multiplies every time. */
function benchJson(scale: number): BenchResult {
  const ping = (transport: PingRow['transport'], codec: PingRow['codec'], p50Us: number, pipelined: number): PingRow =>
    ({ transport, codec, p50Us: p50Us * scale, p99Us: p50Us * scale * 3, sequentialMsgsPerSec: 1e6 / (p50Us * scale), pipelinedMsgsPerSec: pipelined / scale, pipelineWindow: 32 });
  const xfer = (transport: TransferRow['transport'], codec: TransferRow['codec'], bytes: number, payload: TransferRow['payload'], p50Ms: number): TransferRow =>
    ({ transport, codec, bytes, payload, p50Ms: p50Ms * scale, p99Ms: p50Ms * scale * 2, msgsPerSec: 1000 / (p50Ms * scale), mbPerSec: bytes / 1e6 / (p50Ms * scale / 1000), samples: 100 });
  const r: Omit<BenchResult, 'targets'> = {
    transports: {
      peer: 'prepared fixture', transferFrameLimitBytes: 16 * MiB, notes: [],
      pings: [ping('uds', 'msgpack', 30, 200_000), ping('stdio', 'ndjson', 60, 50_000)],
      transfers: [
        xfer('uds', 'msgpack', KiB, 'binary', 0.02), xfer('uds', 'msgpack', KiB, 'text', 0.01),
        xfer('stdio', 'msgpack', KiB, 'text', 0.015), xfer('stdio', 'ndjson', KiB, 'text', 1),
        xfer('uds', 'msgpack', MiB, 'binary', 0.4), xfer('stdio', 'msgpack', MiB, 'binary', 0.5),
        xfer('uds', 'msgpack', 10 * MiB, 'binary', 4),
      ],
    },
    environment: {
      node: process.version, platform: process.platform, arch: process.arch, cpus: 2, cpuModel: 'fixture', totalMemBytes: 1,
      nodeLlamaCpp: 'n/a', gauntlet: '0.1.0', loadavgBefore: [0, 0, 0], loadavgAfter: [0, 0, 0], quick: true, durationMs: 1234, startedAt: new Date().toISOString(),
    },
    skipped: [],
  };
  return { targets: buildTargets(r), ...r };
}

function runWith(name: string, data: BenchResult) {
  const file = path.join(dir, `${name}.bench.json`);
  writeFileSync(file, JSON.stringify(data));
  const out = path.join(dir, name);
  const r = gauntlet(['run', '--quick', '--scenario', 'cold-start', '--adapter', 'reference', '--bench-results', file,
    '--reporter', 'json', '--reporter', 'markdown', '--reporter', 'junit', '--reporter', 'html', '--out', out]);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
  const bench = (id: string) => report.verdicts.find((v) => v.claim === id && v.adapter === 'bench')!;
  return { r, out, report, bench, file: (f: string) => readFileSync(path.join(out, f), 'utf8') };
}

describe('gauntlet run --bench-results', () => {
  it('decides the bench claims from a bench.json that meets the targets: they pass, in every report', () => {
    const { r, report, bench, file } = runWith('good', benchJson(1));
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/bench: figures from \S*good\.bench\.json/);
    expect(bench('ipc-control-rtt-p50-under-0.1ms')).toMatchObject({ verdict: 'pass', value: 0.03, severity: 'advisory' });
    expect(bench('ipc-1mb-p50-under-1ms')).toMatchObject({ verdict: 'pass', value: expect.closeTo(0.4, 6) });
    expect(bench('msgpack-pipes-latency-30pct-below-ndjson')).toMatchObject({ verdict: 'pass' });
    expect(bench('ipc-small-messages-over-100k-per-s')).toMatchObject({ verdict: 'pass', value: 200_000 });
    // What the benchmarks do not measure stays inconclusive, and says so.
    expect(bench('ipc-100-concurrent-connections')).toMatchObject({ verdict: 'inconclusive' });
    expect(bench('ipc-100-concurrent-connections').reason).toMatch(/gauntlet bench does not measure it/);
    // The Benchmarks section `gauntlet bench` writes, in the run's own report.
    expect(report.bench?.targets.length).toBeGreaterThan(0);
    expect(file('report.html')).toContain('<section id="bench"><h2>Benchmarks</h2>');
    expect(file('summary.md')).toMatch(/\| claim \|.*\| bench \|/);
    expect(file('junit.xml')).toMatch(/ipc-control-rtt-p50-under-0\.1ms/);
    // The bench figures are not a scenario of the run.
    expect(report.scenarios.map((s) => s.scenario)).toEqual(['cold-start']);
  }, 180_000);

  it('fails the bench claims when the figures miss the targets, and the run still exits 0 (they are advisory)', () => {
    for (const id of BENCH_CLAIMS) expect(CLAIMS.find((c) => c.id === id)!.severity, id).toBe('advisory');
    const { r, report, bench, file } = runWith('slow', benchJson(100));
    expect(bench('ipc-control-rtt-p50-under-0.1ms')).toMatchObject({ verdict: 'fail', value: expect.closeTo(3, 6) });
    expect(bench('ipc-1mb-p50-under-1ms')).toMatchObject({ verdict: 'fail', value: expect.closeTo(40, 6) });
    expect(bench('ipc-small-messages-over-100k-per-s')).toMatchObject({ verdict: 'fail', value: 2000 });
    expect(report.summary.advisory.fail).toBeGreaterThanOrEqual(3);
    expect(report.summary.required.fail).toBe(0);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(file('summary.md')).toMatch(/ipc-control-rtt-p50-under-0\.1ms\*\* on `bench`: measured 3 ms/);
    expect(file('report.html')).toContain('MISS');
  }, 180_000);
});

describe('gauntlet run --bench / --bench-results: bad input', () => {
  it('rejects an unknown --bench mode with exit 2, naming the value and the allowed ones', () => {
    const r = gauntlet(['run', '--quick', '--bench', 'fast'], 60_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--bench: unknown mode "fast"; expected one of quick, full, on, off/);
  });

  it('rejects a missing, garbled or foreign --bench-results file with exit 2, naming the file and the fix', () => {
    const missing = path.join(dir, 'nope.json');
    const garbled = path.join(dir, 'garbled.json');
    const foreign = path.join(dir, 'foreign.json');
    writeFileSync(garbled, '{"targets": [');
    writeFileSync(foreign, '{"scenarios": []}');
    const cases: Array<[string, RegExp]> = [
      [missing, /--bench-results: cannot read \S*nope\.json: no such file; pass the bench\.json that `gauntlet bench --out DIR` wrote/],
      [garbled, /--bench-results: \S*garbled\.json is not valid JSON/],
      [foreign, /--bench-results: \S*foreign\.json is not a bench\.json/],
    ];
    for (const [file, message] of cases) {
      const r = gauntlet(['run', '--quick', '--bench-results', file], 60_000);
      expect(r.status, file).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const both = gauntlet(['run', '--bench', 'quick', '--bench-results', garbled], 60_000);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/give one or the other/);
  });
});
