import { describe, expect, it } from 'vitest';
import { bootstrapInterval, bootstrapRatio, extremeInterval, statistic } from '../../harness/stats/resample.ts';
import { mannWhitneyU, normalCdf } from '../../harness/stats/mann-whitney.ts';
import { lognormals, normals } from './helpers.ts';

describe('bootstrapInterval', () => {
  it('is reproducible from its seed, and another seed moves it only a little', () => {
    const x = normals(60, 3, 10, 2);
    const a = bootstrapInterval(x, 'mean', { seed: 7 });
    expect(bootstrapInterval(x, 'mean', { seed: 7 })).toEqual(a);
    const b = bootstrapInterval(x, 'mean', { seed: 8 });
    expect(b).not.toEqual(a);
    expect(Math.abs(b.lo - a.lo)).toBeLessThan(0.15);
  });

  it('covers the true mean of a normal about 95% of the time (300 seeded samples of 40)', () => {
    let covered = 0;
    for (let s = 1; s <= 300; s++) {
      const i = bootstrapInterval(normals(40, s, 5, 1), 'mean', { seed: s, resamples: 800 });
      if (i.lo <= 5 && 5 <= i.hi) covered++;
    }
    // The percentile bootstrap runs a little narrow at n = 40 (about 93-94 %).
    expect(covered / 300).toBeGreaterThan(0.9);
    expect(covered / 300).toBeLessThan(0.985);
  });

  it('a rate is scale / mean, its interval the mean\'s turned over', () => {
    const d = normals(50, 4, 4, 0.5);
    const r = bootstrapInterval(d, 'rate', { seed: 1, scale: 1000 });
    const m = bootstrapInterval(d, 'mean', { seed: 1 });
    expect(r.lo).toBeCloseTo(1000 / m.hi, 6);
    expect(statistic(d, 'rate', 1000)).toBeCloseTo(1000 / statistic(d, 'mean'), 9);
  });
});

describe('bootstrapRatio (NEW / BASE)', () => {
  it('finds a 1.5x slower median: the interval holds 1.5 and lies wholly above 1.25', () => {
    const base = lognormals(100, 1, 2), next = lognormals(100, 2, 3);
    const r = bootstrapRatio(base, next, 'p50', { seed: 1 });
    expect(r.lo).toBeGreaterThan(1.25);
    expect(r.lo).toBeLessThan(1.5);
    expect(r.hi).toBeGreaterThan(1.5);
  });

  it('the same distribution twice: the interval holds 1 in about 95% of 200 seeded pairs, never beyond x1.25', () => {
    let holds = 0;
    for (let s = 1; s <= 200; s++) {
      const r = bootstrapRatio(lognormals(100, 2 * s, 2), lognormals(100, 2 * s + 1, 2), 'p50', { seed: s, resamples: 600 });
      if (r.lo <= 1 && 1 <= r.hi) holds++;
      expect(r.lo).toBeLessThan(1.25);
      expect(r.hi).toBeGreaterThan(0.8);
    }
    expect(holds / 200).toBeGreaterThan(0.88);
  });

  it('rates: a third fewer requests per second is a ratio near 2/3', () => {
    const r = bootstrapRatio(normals(80, 5, 4, 0.4), normals(80, 6, 6, 0.6), 'rate', { seed: 1, scale: 1000, scaleNext: 1000 });
    expect(r.ratio).toBeCloseTo(2 / 3, 1);
    expect(r.hi).toBeLessThan(0.8);
  });
});

describe('extremeInterval (exact bootstrap of a max / min)', () => {
  it('of 6 samples: the max between the 4th and the 6th, the min between the 1st and the 3rd', () => {
    expect(extremeInterval([1, 2, 3, 4, 5, 6], 'max')).toEqual({ lo: 4, hi: 6 });
    expect(extremeInterval([1, 2, 3, 4, 5, 6], 'min')).toEqual({ lo: 1, hi: 3 });
    expect(extremeInterval([7], 'max')).toEqual({ lo: 7, hi: 7 });
  });
});

describe('mannWhitneyU', () => {
  it('matches the normal approximation with continuity correction (scipy: p = 0.0809 for 1,2,3 vs 4,5,6)', () => {
    const t = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(t.u).toBe(9);
    expect(t.p).toBeCloseTo(0.0809, 3);
    expect(t.effect).toBe(1);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
  });

  it('sees a half-sigma shift in 100 vs 100 samples, and is quiet for the same distribution about 95% of the time', () => {
    expect(mannWhitneyU(normals(100, 1), normals(100, 2, 0.5)).p).toBeLessThan(0.01);
    let rejected = 0;
    for (let s = 1; s <= 200; s++) if (mannWhitneyU(normals(60, 2 * s), normals(60, 2 * s + 1)).p < 0.05) rejected++;
    expect(rejected / 200).toBeGreaterThan(0.01);
    expect(rejected / 200).toBeLessThan(0.1);
  });

  it('handles ties (all equal: p = 1)', () => {
    expect(mannWhitneyU([2, 2, 2], [2, 2]).p).toBe(1);
  });
});

describe('selectQuantile', () => {
  it('equals the sorted R-7 quantile', async () => {
    const { quantile } = await import('../../harness/metrics/stats.ts');
    const { selectQuantile } = await import('../../harness/stats/resample.ts');
    for (let s = 1; s <= 50; s++) {
      const x = lognormals(1 + (s * 7) % 120, s, 3);
      for (const q of [0.5, 0.9, 0.99]) expect(selectQuantile(Float64Array.from(x), q)).toBeCloseTo(quantile(x, q), 10);
    }
  });
});
