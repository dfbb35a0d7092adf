/** restart-storm through the runner: availability and recovery under kills; the breaker ends a broken embedder; a loop is caught. */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/restart-storm.ts';
import { delaysGrow } from '../../scenarios/support/restart-storm-broken.ts';
import { num, runWith } from './throughput-run.ts';

describe('restart-storm scenario', () => {
  it('clean reference: recovers after every kill; the broken embedder ends in GAVE_UP with growing backoff', async () => {
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
    expect(num(r, 'restartStorm.endedWithClearError')).toBe(1);
    expect(num(r, 'restartStorm.backoffGrows')).toBe(1);
    expect(num(r, 'restartStorm.brokenSpawns')).toBe(6); // the default policy: 5 restarts, then the breaker
    expect(num(r, 'restartStorm.spawnsAfterGiveUp')).toBe(0);
    expect(r.timeline.some((e) => e.kind === 'give-up')).toBe(true);
  }, 90_000);

  it('a supervisor without a working breaker (1000 restarts, 50 ms backoff) is caught as a restart loop', async () => {
    const r = await runWith(scenario, 'reference', {
      quick: { kills: 1, brokenPatienceMs: 5000 },
      supervisor: { restart: { maxRestarts: 1000, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 50, jitter: 0 } },
    });
    expect(num(r, 'restartStorm.endedWithClearError')).toBe(0);
    expect(r.errors.some((e) => e.code === 'RESTART_LOOP')).toBe(true);
    expect(num(r, 'restartStorm.brokenSpawns')).toBeGreaterThan(1); // still spawning when patience ran out
  }, 90_000);

  it('reference-http (a server the adapter starts and supervises): recovers after every kill; the broken server ends in GAVE_UP', async () => {
    const r = await runWith(scenario, 'reference-http');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'restartStorm.kills')).toBe(2);
    expect(num(r, 'restartStorm.recoveredRatio')).toBe(1);
    expect(num(r, 'restart.recoveryMs.max')).toBeGreaterThan(5);
    expect(num(r, 'forcedKill.vectorMismatches')).toBe(0);
    expect(num(r, 'restartStorm.endedWithClearError')).toBe(1);
    expect(num(r, 'restartStorm.backoffGrows')).toBe(1);
    expect(num(r, 'restartStorm.brokenSpawns')).toBe(6);
    expect(num(r, 'restartStorm.spawnsAfterGiveUp')).toBe(0);
  }, 90_000);

  it('reference-http with a restart policy that never gives up is caught as a restart loop', async () => {
    const r = await runWith(scenario, 'reference-http', {
      quick: { kills: 1, brokenPatienceMs: 5000 },
      supervisor: { restart: { maxRestarts: 1000, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 50, jitter: 0 } },
    });
    expect(num(r, 'restartStorm.endedWithClearError')).toBe(0);
    expect(r.errors.some((e) => e.code === 'RESTART_LOOP')).toBe(true);
    expect(num(r, 'restartStorm.brokenSpawns')).toBeGreaterThan(1);
  }, 90_000);

  it('delaysGrow: growing, flat, too few', () => {
    expect(delaysGrow([100, 200, 400])).toBe(true);
    expect(delaysGrow([100, 100, 100])).toBe(false);
    expect(delaysGrow([100, 90, 400])).toBe(false);
    expect(delaysGrow([100])).toBeNull();
  });
});
