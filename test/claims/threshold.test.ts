import { describe, expect, it } from 'vitest';
import { GauntletError } from '../../harness/util/errors.ts';
import { parseThreshold } from '../../harness/claims/threshold.ts';
import type { MetricKind } from '../../harness/claims/types.ts';

// [threshold, kind, a value that passes, a value that fails, normalised limit]
const TABLE: Array<[string, MetricKind, number, number, number]> = [
  ['p50<25ms', 'latency', 24.9, 25, 25],
  ['p(95)<=0.2ms', 'latency', 0.2, 0.21, 0.2],
  ['max<5s', 'latency', 4999, 5000, 5000],
  ['mean<50ms', 'latency', 10, 60, 50],
  ['p99>1us', 'latency', 0.002, 0.001, 0.001],
  ['count>=100', 'latency', 100, 99, 100],
  ['max<100MB', 'bytes', 99_999_999, 100_000_000, 100_000_000],
  ['max<=64KiB', 'bytes', 65_536, 65_537, 65_536],
  ['value<100KB', 'bytes', 99_999, 100_000, 100_000],
  ['min>1GB', 'bytes', 1e9 + 1, 1e9, 1e9],
  ['count==0', 'count', 0, 1, 0],
  ['count!=0', 'count', 3, 0, 0],
  ['count>0', 'count', 1, 0, 0],
  ['max<=10', 'count', 10, 11, 10],
  ['rate>40', 'rate', 40.1, 40, 40],
  ['rate>100000/s', 'rate', 100_001, 99_999, 100_000],
  ['rate>=40req/s', 'rate', 40, 39, 40],
  ['value>=99%', 'ratio', 0.99, 0.989, 0.99],
  ['value>80%', 'ratio', 0.81, 0.8, 0.8],
  ['ratio>=5x', 'ratio', 5, 4.9, 5],
  ['min>=0.9999', 'ratio', 0.99995, 0.9998, 0.9999],
  ['value==true', 'boolean', 1, 0, 1],
  ['value==false', 'boolean', 0, 1, 0],
  ['value!=1', 'boolean', 0, 1, 1],
];

describe('parseThreshold', () => {
  it.each(TABLE)('%s on a %s metric: %d passes, %d fails', (text, kind, good, bad, limit) => {
    const t = parseThreshold(text, { kind });
    expect(t.limit).toBeCloseTo(limit, 9);
    expect(t.check(good)).toBe(true);
    expect(t.check(bad)).toBe(false);
  });

  it('reaches both verdicts for every operator', () => {
    const ops = new Map<string, { pass: boolean; fail: boolean }>();
    for (const [text, kind, good, bad] of TABLE) {
      const t = parseThreshold(text, { kind });
      const seen = ops.get(t.op) ?? { pass: false, fail: false };
      seen.pass ||= t.check(good);
      seen.fail ||= !t.check(bad);
      ops.set(t.op, seen);
    }
    expect([...ops.keys()].sort()).toEqual(['!=', '<', '<=', '==', '>', '>='].sort());
    for (const [op, seen] of ops) expect({ op, ...seen }).toEqual({ op, pass: true, fail: true });
  });

  it('normalises aggregations', () => {
    expect(parseThreshold('p(95)<1ms').aggregation).toBe('p95');
    expect(parseThreshold('avg<1ms').aggregation).toBe('mean');
    expect(parseThreshold('med<1ms').aggregation).toBe('p50');
    expect(parseThreshold('p(99.9)<1ms').aggregation).toBe('p999');
  });

  it('uses 1000-based KB/MB/GB and 1024-based KiB/MiB/GiB', () => {
    expect(parseThreshold('max<1MB').limit).toBe(1_000_000);
    expect(parseThreshold('max<1MiB').limit).toBe(1_048_576);
    expect(parseThreshold('rate>1GB/s', { kind: 'rate', metricUnit: 'B/s' }).limit).toBe(1e9);
  });

  const ERRORS: Array<[string, MetricKind | undefined, RegExp]> = [
    ['max<100MB', 'latency', /unit "MB" \(bytes\) does not fit a latency metric; expected time/],
    ['p50<25', 'latency', /no unit does not fit a latency metric/],
    ['p50<25ms', 'bytes', /unit "ms" \(time\) does not fit a bytes metric/],
    ['count==0ms', 'count', /does not fit a count metric/],
    ['p50<3', 'count', /aggregation "p50" does not apply to a count metric|percentiles do not apply/],
    ['rate>1GB/s', 'rate', /bytes-per-second\) does not fit a rate metric/],
    ['value<true', 'boolean', /a boolean metric takes == or !=/],
    ['value>=99%', 'boolean', /does not fit a boolean metric/],
    ['max<10parsecs', undefined, /unknown unit "parsecs"/],
    ['less than 10ms', undefined, /expected <aggregation><operator><value>/],
    ['', undefined, /expected a k6-style string/],
    ['p50 < abc', undefined, /cannot read the value "abc"/],
  ];

  it.each(ERRORS)('rejects %s (kind %s) with a clear message', (text, kind, re) => {
    let caught: unknown;
    try {
      parseThreshold(text, { kind, where: 'claims.example' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GauntletError);
    expect((caught as GauntletError).code).toBe('GAUNTLET_CONFIG_INVALID');
    expect((caught as Error).message).toMatch(re);
    expect((caught as Error).message).toContain('claims.example');
    if (text) expect((caught as Error).message).toContain(JSON.stringify(text));
  });

  it('is pure: the checker does not depend on earlier calls', () => {
    const t = parseThreshold('max<1MB', { kind: 'bytes' });
    const results = [5e5, 2e6, 5e5, 2e6].map(t.check);
    expect(results).toEqual([true, false, true, false]);
    expect(Object.isFrozen(t)).toBe(true);
  });
});
