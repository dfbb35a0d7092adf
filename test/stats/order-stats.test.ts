import { describe, expect, it } from 'vitest';
import { quantileInterval } from '../../harness/stats/order-stats.ts';
import { exponentials, lognormals } from './helpers.ts';

const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('quantileInterval (order statistics)', () => {
  it('gives the textbook ranks: median of 100 between the 40th and 61st, of 6 the whole range', () => {
    const hundred = quantileInterval(ranks(100), 0.5);
    expect([hundred.loRank, hundred.hiRank, hundred.lo, hundred.hi]).toEqual([40, 61, 40, 61]);
    expect(hundred.coverage).toBeCloseTo(0.9648, 3);
    const six = quantileInterval(ranks(6), 0.5);
    expect([six.lo, six.hi]).toEqual([1, 6]);
    expect(six.coverage).toBeCloseTo(1 - 2 / 64, 6);
  });

  it('leaves a side open when the samples cannot bound it: p99 of 100, median of 5', () => {
    const p99 = quantileInterval(ranks(100), 0.99);
    expect(p99.hi).toBeNull();
    expect(p99.lo).not.toBeNull();
    const five = quantileInterval(ranks(5), 0.5);
    expect([five.lo, five.hi]).toEqual([null, null]);
  });

  it('covers the true median of an exponential about 95% of the time (400 seeded samples of 50)', () => {
    const truth = Math.LN2;
    let covered = 0;
    for (let s = 1; s <= 400; s++) {
      const i = quantileInterval(exponentials(50, s).sort((a, b) => a - b), 0.5);
      if (i.lo! <= truth && truth <= i.hi!) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.93);
    expect(covered / 400).toBeLessThan(0.99);
  });

  it('covers the true p90 of a log-normal (n = 200) and misses a value well outside it', () => {
    const truth = 10 * Math.exp(0.3 * 1.2815515655446004);
    let covered = 0;
    for (let s = 1; s <= 200; s++) {
      const i = quantileInterval(lognormals(200, s, 10).sort((a, b) => a - b), 0.9);
      if (i.lo! <= truth && truth <= i.hi!) covered++;
      expect(i.hi!).toBeLessThan(truth * 1.5);
    }
    expect(covered / 200).toBeGreaterThan(0.92);
  });

  it('rejects no samples and q outside (0, 1)', () => {
    expect(() => quantileInterval([], 0.5)).toThrow(/no samples/);
    expect(() => quantileInterval([1], 1)).toThrow(/q must be within/);
  });
});
