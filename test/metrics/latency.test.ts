import { describe, expect, it } from 'vitest';
import { BUCKET_BOUNDS, LatencyRecorder, bucketIndex, latencyMetrics, seriesMetrics, summarizeLatencies } from '../../harness/metrics/latency.ts';

describe('summarizeLatencies', () => {
  it('summarises exactly, with a histogram that counts every sample', () => {
    const s = summarizeLatencies(Array.from({ length: 100 }, (_, i) => i + 1), 2);
    expect(s).toMatchObject({ count: 100, errors: 2, min: 1, max: 100, mean: 50.5 });
    expect(s.p50).toBeCloseTo(50.5, 9);
    expect(s.p90).toBeCloseTo(90.1, 9);
    expect(s.p99).toBeCloseTo(99.01, 9);
    expect(s.histogram.reduce((a, [, c]) => a + c, 0)).toBe(100);
    expect(s.histogram[0]).toEqual([1, 1]);
    expect(s.histogram.at(-1)).toEqual([100, 50]);
  });

  it('gives an empty summary with count 0', () => {
    expect(summarizeLatencies([], 3)).toMatchObject({ count: 0, errors: 3, histogram: [] });
  });

  it('buckets on a 1-2-5 scale', () => {
    expect(BUCKET_BOUNDS.slice(0, 4)).toEqual([0.01, 0.02, 0.05, 0.1]);
    expect(BUCKET_BOUNDS[bucketIndex(0.3)]).toBe(0.5);
    expect(BUCKET_BOUNDS[bucketIndex(2)]).toBe(2);
    expect(BUCKET_BOUNDS[bucketIndex(1e9)]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('LatencyRecorder', () => {
  it('is exact below its limit (same as summarizeLatencies)', () => {
    const r = new LatencyRecorder();
    const values = [5, 1, 3, 2, 4];
    for (const v of values) r.record(v);
    r.error();
    expect(r.exact).toBe(true);
    expect(r.summary()).toEqual(summarizeLatencies(values, 1));
    r.destroy();
  });

  it('switches to the HDR histogram past its limit and stays within 1%', () => {
    const r = new LatencyRecorder({ exactLimit: 100 });
    const all: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = 0.05 + ((i * 7919) % 20_000) / 200; // 0.05 .. 100 ms, spread evenly
      all.push(v);
      r.record(v);
    }
    expect(r.exact).toBe(false);
    const s = r.summary();
    const exact = summarizeLatencies(all);
    expect(s.count).toBe(20_000);
    for (const k of ['p50', 'p90', 'p99'] as const) expect(Math.abs(s[k] - exact[k]) / exact[k]).toBeLessThan(0.01);
    expect(s.min).toBe(exact.min);
    expect(s.max).toBe(exact.max);
    expect(s.mean).toBeCloseTo(exact.mean, 6);
    expect(s.histogram).toEqual(exact.histogram);
    r.destroy();
  });

  it('refuses negative or non-finite latencies', () => {
    const r = new LatencyRecorder();
    expect(() => r.record(-1)).toThrow(/expected a finite latency >= 0 ms, got -1/);
    expect(() => r.record(Number.NaN)).toThrow(/got NaN/);
    r.destroy();
  });
});

describe('metric flattening', () => {
  it('latencyMetrics writes the keys the claims read', () => {
    const m = latencyMetrics('embed.latency', summarizeLatencies([1, 2, 3]));
    expect(m).toMatchObject({ 'embed.latency.count': 3, 'embed.latency.p50': 2, 'embed.latency.max': 3, 'embed.latency.errors': 0 });
    expect(latencyMetrics('x', summarizeLatencies([]))).toEqual({ 'x.count': 0, 'x.errors': 0 });
  });

  it('seriesMetrics gives max/min/mean/first/last', () => {
    expect(seriesMetrics('host.rss', [{ t: 0, value: 5 }, { t: 1, value: 9 }, { t: 2, value: 1 }])).toEqual({
      'host.rss.max': 9, 'host.rss.min': 1, 'host.rss.mean': 5, 'host.rss.first': 5, 'host.rss.last': 1,
    });
    expect(seriesMetrics('host.rss', [])).toEqual({});
  });
});
