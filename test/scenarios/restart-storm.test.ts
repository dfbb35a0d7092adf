/** restart-storm through the runner: availability and recovery under kills (the broken embedder: restart-limit.test.ts). */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/restart-storm.ts';
import { num, runWith } from './throughput-run.ts';

describe('restart-storm scenario', () => {
  it('clean reference: recovers after every kill with the same vector; the supervisor never gives up', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'restartStorm.kills')).toBe(2);
    expect(num(r, 'restartStorm.recoveredRatio')).toBe(1);
    const availability = num(r, 'restartStorm.availability');
    expect(availability).toBeGreaterThan(0.9);
    expect(availability).toBeLessThanOrEqual(1);
    expect(num(r, 'restart.recoveryMs.max')).toBeGreaterThan(5); // a real restart, not an answer already on its way
    expect(num(r, 'forcedKill.vectorMismatches')).toBe(0);
    expect(r.timeline.some((e) => e.kind === 'give-up')).toBe(false);
    expect(r.metrics['restartLimit.endedWithClearError']).toBeUndefined();
  }, 90_000);

  it('reference-http (a server the adapter starts and supervises): recovers after every kill', async () => {
    const r = await runWith(scenario, 'reference-http');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'restartStorm.kills')).toBe(2);
    expect(num(r, 'restartStorm.recoveredRatio')).toBe(1);
    expect(num(r, 'restart.recoveryMs.max')).toBeGreaterThan(5);
    expect(num(r, 'forcedKill.vectorMismatches')).toBe(0);
  }, 90_000);
});
