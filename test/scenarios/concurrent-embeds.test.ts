/** concurrent-embeds through the runner: clean reference passes; swap-ids, nondeterministic and crash-on-concurrent are caught. */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/concurrent-embeds.ts';
import { num, runWith } from './throughput-run.ts';

describe('concurrent-embeds scenario', () => {
  it('clean reference: every burst completes, bit-identical to serial, no crash', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'concurrent.maxInFlight')).toBe(32);
    expect(num(r, 'concurrent.completedRatio')).toBe(1);
    expect(num(r, 'concurrent.mismatches')).toBe(0);
    expect(num(r, 'concurrent.embedderCrashes')).toBe(0);
    expect(num(r, 'concurrent.notReadyErrors')).toBe(0);
    expect(num(r, 'concurrent.wallMs.max')).toBeGreaterThan(0);
    expect(num(r, 'correctness.minCosine.min')).toBeGreaterThanOrEqual(0.9999);
  }, 60_000);

  it('swap-ids: answers delivered to the wrong request are counted', async () => {
    const r = await runWith(scenario, 'reference', { faults: 'swap-ids', quick: { levels: [1, 2, 4] } });
    expect(num(r, 'concurrent.mismatches')).toBeGreaterThan(0);
    expect(r.errors.some((e) => e.code === 'VECTOR_MISMATCH')).toBe(true);
    expect(num(r, 'concurrent.embedderCrashes')).toBe(0);
  }, 60_000);

  it('nondeterministic: concurrent vectors differ from serial ones', async () => {
    const r = await runWith(scenario, 'reference', { faults: 'nondeterministic', quick: { levels: [1, 4] } });
    expect(num(r, 'concurrent.mismatches')).toBeGreaterThan(0);
  }, 60_000);

  it('crash-on-concurrent: the embedder deaths and the lost requests are counted', async () => {
    const r = await runWith(scenario, 'reference', { faults: 'crash-on-concurrent', quick: { levels: [1, 2, 4] } });
    expect(num(r, 'concurrent.embedderCrashes')).toBeGreaterThan(0);
    expect(num(r, 'concurrent.completedRatio')).toBeLessThan(1);
    expect(r.metrics['host.crashes']).toBe(0);
  }, 60_000);
});
