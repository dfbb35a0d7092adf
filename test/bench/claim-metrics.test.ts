/** Benchmark figures as claim metrics, and `gauntlet merge` keeping them: pure, no process. */
import { describe, expect, it } from 'vitest';
import { benchClaimMetrics, benchScenarioFromReport, benchScenarioResult, benchSkippedResult } from '../../harness/bench/claim-metrics.ts';
import { buildTargets } from '../../harness/bench/targets.ts';
import type { BenchResult } from '../../harness/bench/types.ts';
import { benchReportSection } from '../../harness/bench/write-output.ts';
import { CLAIMS, evaluateClaims } from '../../harness/claims/index.ts';
import { loadEvaluator } from '../../harness/report/claims-bridge.ts';
import { mergeReports } from '../../harness/report/merge-reports.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport } from '../../harness/report/schema.ts';

const KiB = 1024, MiB = 1024 * 1024;

function fixture(controlRttUs: number): BenchResult {
  const r: Omit<BenchResult, 'targets'> = {
    codecs: {
      rows: [
        { codec: 'msgpack-bin', payload: 'vector768', frameBytes: 3109, p50Us: 4, p99Us: 9, opsPerSec: 1, slowdownVsBin: 1 },
        { codec: 'ndjson', payload: 'vector768', frameBytes: 9216, p50Us: 200, p99Us: 300, opsPerSec: 1, slowdownVsBin: 50 },
      ],
      speedupBinVsNdjson: { vector768: 50 },
    },
    transports: {
      peer: 'fixture', transferFrameLimitBytes: 16 * MiB, notes: [],
      pings: [{ transport: 'uds', codec: 'msgpack', p50Us: controlRttUs, p99Us: 100, sequentialMsgsPerSec: 1, pipelinedMsgsPerSec: 150_000, pipelineWindow: 32 }],
      transfers: [
        { transport: 'uds', codec: 'msgpack', bytes: 10 * MiB, payload: 'binary', p50Ms: 5, p99Ms: 9, msgsPerSec: 200, mbPerSec: 2000, samples: 10 },
        { transport: 'uds', codec: 'msgpack', bytes: KiB, payload: 'text', p50Ms: 0.02, p99Ms: 0.1, msgsPerSec: 40_000, mbPerSec: 50, samples: 10 },
        { transport: 'stdio', codec: 'ndjson', bytes: KiB, payload: 'text', p50Ms: 0.08, p99Ms: 0.1, msgsPerSec: 10_000, mbPerSec: 10, samples: 10 },
      ],
    },
    environment: {
      node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'fixture', totalMemBytes: 1, nodeLlamaCpp: 'n/a', gauntlet: '0',
      loadavgBefore: [0, 0, 0], loadavgAfter: [0, 0, 0], quick: true, durationMs: 1, startedAt: '2025-01-15T10:00:00.000Z',
    },
    skipped: [{ section: 'isolation', reason: 'no time left' }],
  };
  return { targets: buildTargets(r), ...r };
}

describe('benchClaimMetrics', () => {
  it('turns bench rows into the claims\' bench.* keys (ms, per second, fractions) and leaves the rest out', () => {
    const m = benchClaimMetrics(fixture(40));
    expect(m['bench.ipc.controlRtt.p50']).toBeCloseTo(0.04, 9);
    expect(m['bench.ipc.smallMsgRate']).toBe(150_000);
    expect(m['bench.ipc.transfer10mb.p50']).toBe(5);
    expect(m['bench.ipc.largeTransferRate']).toBeCloseTo(10 * MiB / 0.005, 0);
    expect(m['bench.ipc.latencyReduction']).toBeCloseTo(0.75, 9);
    expect(m['bench.ipc.throughputGain']).toBe(4);
    expect(m['bench.codec.cpuReduction']).toBeCloseTo(0.98, 9);
    expect(m['bench.ipc.transfer1mb.p50']).toBeUndefined(); // no 1 MiB row in the fixture
    expect(m['bench.uds.connectionErrors']).toBeUndefined(); // the fixture has no connection stress (transports.connections)
  });

  it('decides bench claims both ways, and says which section was skipped when a figure is missing', () => {
    const verdict = (b: BenchResult, id: string) => evaluateClaims(CLAIMS.filter((c) => c.id === id), [benchScenarioResult(b)], ['a'])[0]!;
    expect(verdict(fixture(40), 'ipc-control-rtt-p50-under-0.1ms')).toMatchObject({ adapter: 'bench', verdict: 'pass' });
    expect(verdict(fixture(400), 'ipc-control-rtt-p50-under-0.1ms')).toMatchObject({ adapter: 'bench', verdict: 'fail' });
    expect(verdict(fixture(40), 'ipc-1mb-p50-under-1ms').reason).toMatch(/no figure for bench\.ipc\.transfer1mb\.p50 \(bench section isolation skipped: no time left\)/);
  });
});

describe('gauntlet merge keeps benchmark results', () => {
  const base = sampleReport(7);
  const shard = (index: 1 | 2, bench?: BenchResult): RunReport => {
    const results = bench ? [benchScenarioResult(bench)] : [benchSkippedResult('the benchmarks run in shard 1/2 only (this is shard 2/2); gauntlet merge keeps them')];
    return {
      ...base, shard: { index, count: 2 }, scenarios: [],
      verdicts: evaluateClaims(CLAIMS, results, ['reference']),
      ...(bench ? { bench: benchReportSection(bench) } : { bench: undefined }),
    };
  };

  it('re-evaluates the bench claims from shard 1\'s Benchmarks section, and shows that section once', async () => {
    const inputs = [{ report: shard(2), file: 'b' }, { report: shard(1, fixture(400)), file: 'a' }];
    expect(inputs[0]!.report.verdicts.find((v) => v.claim === 'ipc-control-rtt-p50-under-0.1ms')!.reason).toMatch(/shard 1\/2 only/);
    const bridge = await loadEvaluator(inputs.flatMap((x) => x.report.verdicts));
    expect(bridge.evaluate, bridge.why).toBeDefined();
    for (const evaluate of [bridge.evaluate, undefined]) {
      const { report } = mergeReports(inputs, { evaluate });
      const row = report.verdicts.find((v) => v.claim === 'ipc-control-rtt-p50-under-0.1ms' && v.adapter === 'bench')!;
      expect(row).toMatchObject({ verdict: 'fail', value: expect.closeTo(0.4, 9) });
      expect(report.bench?.targets).toHaveLength(fixture(400).targets.length);
      expect(report.adapters).not.toContain('bench');
      expect(report.summary.exitCode).not.toBe(1); // advisory
    }
    expect(benchScenarioFromReport(undefined)).toBeUndefined();
  });
});
