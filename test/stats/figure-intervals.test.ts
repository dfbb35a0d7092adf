import { describe, expect, it } from 'vitest';
import { compactSamples, enoughSamples, figureIntervals, straddles } from '../../harness/stats/figure-intervals.ts';
import { evaluateOne } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { summarizeLatencies } from '../../harness/metrics/latency.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { lognormals } from './helpers.ts';

describe('figureIntervals', () => {
  it('gives each linked figure its interval: order statistics for p50, bootstrap for mean, rate and max', () => {
    const d = lognormals(100, 1, 4);
    const s = summarizeLatencies(d);
    const metrics = { 'embed.latency.p50': s.p50, 'embed.latency.mean': s.mean, 'embed.latency.max': s.max, 'throughput.single': 900 / s.mean };
    const iv = figureIntervals(metrics, { single: d }, {
      'embed.latency.p50': { samples: 'single', stat: 'p50' }, 'embed.latency.mean': { samples: 'single', stat: 'mean' },
      'embed.latency.max': { samples: 'single', stat: 'max' }, 'throughput.single': { samples: 'single', stat: 'rate' },
      'missing.p50': { samples: 'none', stat: 'p50' },
    }, 1);
    expect(iv['embed.latency.p50']).toMatchObject({ n: 100, method: 'order-statistics', level: 0.95 });
    expect(iv['embed.latency.p50']!.lo!).toBeLessThan(s.p50);
    expect(iv['embed.latency.p50']!.hi!).toBeGreaterThan(s.p50);
    expect(iv['embed.latency.mean']!.method).toBe('bootstrap');
    expect(iv['embed.latency.max']!.hi).toBe(s.max);
    const rate = iv['throughput.single']!;
    expect(rate.lo!).toBeLessThan(metrics['throughput.single']);
    expect(rate.hi!).toBeGreaterThan(metrics['throughput.single']);
    expect(rate.scale!).toBeCloseTo(900, 6);
    expect(iv['missing.p50']).toBeUndefined();
  });

  it('keeps samples compactly: rounded to 1 us, every k-th past the limit', () => {
    expect(compactSamples([1.23456789, Number.NaN, 2])).toEqual([1.235, 2]);
    expect(compactSamples(Array.from({ length: 10 }, (_, i) => i), 4)).toEqual([0, 3, 6, 9]);
  });

  it('enough samples: 6 for a median or mean, 50 for a p90, 500 for a p99, never for a max', () => {
    expect([enoughSamples('p50', 5), enoughSamples('p50', 6), enoughSamples('p90', 49), enoughSamples('p90', 50), enoughSamples('p99', 499), enoughSamples('p99', 500), enoughSamples('max', 10_000)])
      .toEqual([false, true, false, true, false, true, false]);
  });

  it('straddles: the threshold holds at one bound and not at the other', () => {
    const under25 = (v: number) => v < 25;
    expect(straddles(under25, 20, 24)).toBe(false);
    expect(straddles(under25, 20, 30)).toBe(true);
    expect(straddles(under25, 20, null)).toBe(true);
    expect(straddles(under25, 26, 30)).toBe(false);
  });
});

describe('verdicts carry the interval and say "near threshold"', () => {
  const claim = resolveClaim(CLAIMS.find((c) => c.id === 'batch10-latency-under-100ms')!);
  const result = (d: number[]): ScenarioResult => {
    const s = summarizeLatencies(d);
    const metrics = { 'embed.batch10.latency.p50': s.p50, 'embed.batch10.latency.count': s.count };
    return {
      scenario: 'latency', title: 'latency', adapter: 'reference', status: 'completed', durationMs: 1, metrics, latency: { batch10: s },
      samples: { batch10: d }, intervals: figureIntervals(metrics, { batch10: d }, { 'embed.batch10.latency.p50': { samples: 'batch10', stat: 'p50' } }, 1),
      timeline: [], errors: [], notes: [],
    };
  };
  it('far from the threshold: pass, not near', () => {
    const v = evaluateOne(claim, [result(lognormals(100, 1, 40))], { name: 'reference' });
    expect(v.verdict).toBe('pass');
    expect(v.interval).toMatchObject({ n: 100, scenario: 'latency', method: 'order-statistics' });
    expect(v.nearThreshold).toBe(false);
    expect(v.reason).toMatch(/95% interval [\d.]+ ms to [\d.]+ ms, n=100\) meets p50<100ms/);
  });
  it('10 batches with a median at 95 ms: the interval reaches past 100 ms, near threshold', () => {
    const v = evaluateOne(claim, [result(lognormals(10, 2, 95))], { name: 'reference' });
    expect(v.nearThreshold).toBe(true);
    expect(v.reason).toContain('near threshold');
  });
});
