import { describe, expect, it } from 'vitest';
import { leakSlope, mean, quantile, quantileSorted, stddev, variance } from '../../harness/metrics/stats.ts';

describe('quantile (linear interpolation, R-7)', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.9, 3.7],
    [[1, 2, 3, 4], 0, 1],
    [[1, 2, 3, 4], 1, 4],
    [[4, 1, 3, 2], 0.5, 2.5],
    [[7], 0.99, 7],
    [[10, 20], 0.99, 19.9],
    [[1, Number.NaN, 3], 0.5, 2],
  ])('%j at %d = %d', (values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 12);
  });

  it('matches 1..100: p50 50.5, p90 90.1, p99 99.01', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(s, 0.5)).toBeCloseTo(50.5, 12);
    expect(quantileSorted(s, 0.9)).toBeCloseTo(90.1, 12);
    expect(quantileSorted(s, 0.99)).toBeCloseTo(99.01, 12);
  });

  it('rejects no samples and q outside 0..1', () => {
    expect(() => quantile([], 0.5)).toThrow(/no samples/);
    expect(() => quantile([1], 1.5)).toThrow(/q must be within 0..1, got 1.5/);
  });
});

describe('mean / variance', () => {
  it('computes the sample variance', () => {
    const v = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(v)).toBe(5);
    expect(variance(v)).toBeCloseTo(32 / 7, 12);
    expect(stddev(v)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(variance([3])).toBe(0);
    expect(() => mean([])).toThrow(/no samples/);
  });
});

describe('leakSlope', () => {
  it('recovers an exact line', () => {
    const fit = leakSlope(Array.from({ length: 10 }, (_, x) => ({ x, y: 3 * x + 10 })))!;
    expect(fit.slope).toBeCloseTo(3, 12);
    expect(fit.intercept).toBeCloseTo(10, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.n).toBe(10);
  });

  it('finds a 1 KB/request leak under GC-like noise, and reports a low r2 for noise alone', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const leak = leakSlope(Array.from({ length: 1000 }, (_, x) => ({ x, y: 50e6 + 1024 * x + 200_000 * rnd() })))!;
    expect(leak.slope).toBeGreaterThan(1000);
    expect(leak.slope).toBeLessThan(1050);
    expect(leak.r2).toBeGreaterThan(0.9);
    const flat = leakSlope(Array.from({ length: 1000 }, (_, x) => ({ x, y: 50e6 + 200_000 * rnd() })))!;
    expect(Math.abs(flat.slope)).toBeLessThan(50);
    expect(flat.r2).toBeLessThan(0.05);
  });

  it('handles degenerate input', () => {
    expect(leakSlope([])).toBeNull();
    expect(leakSlope([{ x: 1, y: 2 }])).toBeNull();
    expect(leakSlope([{ x: 1, y: 2 }, { x: 1, y: 3 }])).toBeNull();
    expect(leakSlope([{ x: 1, y: 5 }, { x: 2, y: 5 }])).toEqual({ slope: 0, intercept: 5, r2: 1, n: 2 });
  });
});
