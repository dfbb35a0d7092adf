import { describe, expect, it } from 'vitest';
import { buildTargets, compare, evaluateTarget, formatTarget, TARGETS } from '../../harness/bench/targets.ts';
import { formatTargetLine } from '../../harness/bench/format.ts';
import type { BenchResult } from '../../harness/bench/types.ts';

describe('compare', () => {
  it.each([
    ['<=', 49, 50, true], ['<=', 50, 50, true], ['<=', 50.01, 50, false],
    ['>=', 5.2, 5, true], ['>=', 5, 5, true], ['>=', 4.99, 5, false],
    ['<=', null, 50, false], ['>=', Number.NaN, 5, false], ['<=', Number.POSITIVE_INFINITY, 50, false], ['>=', undefined, 0, false],
  ] as const)('%s: value %s vs %s -> %s', (op, value, threshold, pass) => {
    expect(compare(op, value, threshold)).toBe(pass);
  });
});

describe('evaluateTarget', () => {
  it('computes pass from the value, on both sides of the threshold', () => {
    const below = evaluateTarget(TARGETS.controlRttUds, 31.5);
    const above = evaluateTarget(TARGETS.controlRttUds, 79.8);
    expect(below).toMatchObject({ id: 'control-rtt-uds-p50', target: '<= 50 us', value: 31.5, unit: 'us', pass: true });
    expect(above).toMatchObject({ value: 79.8, pass: false });
    expect(evaluateTarget(TARGETS.msgpackVsNdjson, 4).pass).toBe(false);
    expect(evaluateTarget(TARGETS.msgpackVsNdjson, 60).pass).toBe(true);
    expect(evaluateTarget(TARGETS.samplerOverhead, null)).toMatchObject({ value: null, pass: false });
  });

  it('formats thresholds and lines', () => {
    expect(formatTarget('>=', 5, 'x')).toBe('>= 5x');
    expect(formatTarget('<=', 1, 'ms')).toBe('<= 1 ms');
    expect(formatTargetLine(evaluateTarget(TARGETS.transfer1mb('uds'), 5.063))).toBe('MISS  1 MiB transfer over uds + msgpack (bin payload), p50: measured 5.06 ms, target <= 1 ms');
    expect(formatTargetLine(evaluateTarget(TARGETS.transfer1mb('uds'), 0.8))).toMatch(/^PASS /);
  });
});

/** A result with every section, its figures set so that each target lands on the side asked for. */
function result(side: 'pass' | 'miss'): Omit<BenchResult, 'targets'> {
  const p = side === 'pass';
  return {
    codecs: { rows: [], speedupBinVsNdjson: { vector768: p ? 60 : 3, batch10x768: 400 } },
    transports: {
      peer: 'echo', transferFrameLimitBytes: 16 << 20, notes: [],
      pings: [{ transport: 'uds', codec: 'msgpack', p50Us: p ? 20 : 80, p99Us: 100, sequentialMsgsPerSec: 1, pipelinedMsgsPerSec: 1, pipelineWindow: 32 }],
      transfers: (['uds', 'stdio'] as const).map((transport) => ({
        transport, codec: 'msgpack' as const, payload: 'binary' as const, bytes: 1024 * 1024, p50Ms: p ? 0.5 : 5, p99Ms: 9, msgsPerSec: 1, mbPerSec: 1, samples: 3,
      })),
    },
    isolation: {
      models: [], rows: [], adapterPings: [], notes: [],
      ratios: [
        { model: 'tiny', adapter: 'reference', lanes: 1, mode: 'batch10', ratio: p ? 0.95 : 0.5, roundRatios: [], cpuRatio: null },
        { model: 'tiny', adapter: 'reference', lanes: 1, mode: 'single', ratio: 0.1, roundRatios: [], cpuRatio: null },
      ],
    },
    overhead: {
      sampler: 's', probes: [], intervalMs: 250, tickCpuUs: 1, tickWallP50Us: 1, cpuPercentOfCore: p ? 0.4 : 2,
      selfReportedCpuPercentOfCore: 1, ticks: 1, meanTickMs: 1, heapBytesPerTick: 1, latencyOffP50Us: 1, latencyOnP50Us: 1,
      latencyShiftPercent: 0, rounds: 1, notes: [],
    },
    environment: {} as BenchResult['environment'],
    skipped: [],
  };
}

describe('buildTargets', () => {
  it('makes one target per figure, all passing when every figure is on the good side', () => {
    const targets = buildTargets(result('pass'));
    expect(targets.map((t) => t.id)).toEqual([
      'control-rtt-uds-p50', 'msgpack-bin-vs-ndjson-768', 'transfer-1mb-uds-p50', 'transfer-1mb-stdio-p50',
      'isolation-batch10-tiny-reference-lanes1', 'sampler-cpu',
    ]);
    expect(targets.every((t) => t.pass)).toBe(true);
  });

  it('misses every target when every figure is on the bad side (batch ratios only; the single-text ratio is no target)', () => {
    const targets = buildTargets(result('miss'));
    expect(targets).toHaveLength(6);
    expect(targets.filter((t) => t.pass)).toEqual([]);
    expect(targets.find((t) => t.id === 'msgpack-bin-vs-ndjson-768')?.value).toBe(3);
  });

  it('leaves out sections that did not run', () => {
    const r = result('pass');
    delete r.transports;
    delete r.isolation;
    expect(buildTargets(r).map((t) => t.id)).toEqual(['msgpack-bin-vs-ndjson-768', 'sampler-cpu']);
  });
});

describe('too noisy to judge', () => {
  it('a row whose 95% interval reaches past +/-20% of its value, or is open on a side, is not judged', () => {
    const tight = evaluateTarget(TARGETS.shmTransfer('10mb', 10 * 1024 * 1024, 5), 2.3, { lo: 2.2, hi: 2.5, n: 40 });
    expect(tight).toMatchObject({ pass: true, judgement: 'PASS', interval: { lo: 2.2, hi: 2.5, n: 40 } });
    const wide = evaluateTarget(TARGETS.shmTransfer('10mb', 10 * 1024 * 1024, 5), 12, { lo: 9.8, hi: 18.8, n: 9 });
    expect(wide).toMatchObject({ pass: false, judgement: 'too noisy to judge' });
    expect(formatTargetLine(wide)).toBe('NOISY  10mb transfer over shared memory (payload in the /dev/shm ring), p50: measured 12.0 ms [95% 9.80 ms to 18.8 ms, n=9], target <= 5 ms (misses it as measured; the interval is wider than +/-20%)');
    expect(evaluateTarget(TARGETS.controlRttUds, 30, { lo: 20, hi: null, n: 5 }).judgement).toBe('too noisy to judge');
    expect(evaluateTarget(TARGETS.controlRttUds, 60).judgement).toBe('MISS');
  });
});
