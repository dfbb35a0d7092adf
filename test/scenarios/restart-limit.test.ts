/** restart-limit through the runner: the breaker ends a broken embedder with growing backoff; a restart loop is caught. */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/restart-limit.ts';
import { delaysGrow } from '../../scenarios/support/restart-limit-broken.ts';
import { num, runWith } from './throughput-run.ts';

const NO_BREAKER = { restart: { maxRestarts: 1000, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 50, jitter: 0 } };

describe('restart-limit scenario', () => {
  it('clean reference: the broken embedder ends in GAVE_UP with growing backoff, nothing spawned after it', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'restartLimit.endedWithClearError')).toBe(1);
    expect(num(r, 'restartLimit.backoffGrows')).toBe(1);
    expect(num(r, 'restartLimit.spawns')).toBe(6); // the default policy: 5 restarts, then the breaker
    expect(num(r, 'restartLimit.spawnsAfterGiveUp')).toBe(0);
    expect(num(r, 'restartLimit.giveUpMs')).toBeGreaterThan(0);
    expect(r.timeline.some((e) => e.kind === 'give-up')).toBe(true);
  }, 90_000);

  it('a supervisor without a working breaker (1000 restarts, 50 ms backoff) is caught as a restart loop', async () => {
    const r = await runWith(scenario, 'reference', { quick: { brokenPatienceMs: 5000 }, supervisor: NO_BREAKER });
    expect(num(r, 'restartLimit.endedWithClearError')).toBe(0);
    expect(r.errors.some((e) => e.code === 'RESTART_LOOP')).toBe(true);
    expect(num(r, 'restartLimit.spawns')).toBeGreaterThan(1); // still spawning when patience ran out
  }, 90_000);

  it('reference-http (a server the adapter starts and supervises): the broken server ends in GAVE_UP', async () => {
    const r = await runWith(scenario, 'reference-http');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'restartLimit.endedWithClearError')).toBe(1);
    expect(num(r, 'restartLimit.backoffGrows')).toBe(1);
    expect(num(r, 'restartLimit.spawns')).toBe(6);
    expect(num(r, 'restartLimit.spawnsAfterGiveUp')).toBe(0);
  }, 90_000);

  it('reference-http with a restart policy that never gives up is caught as a restart loop', async () => {
    const r = await runWith(scenario, 'reference-http', { quick: { brokenPatienceMs: 5000 }, supervisor: NO_BREAKER });
    expect(num(r, 'restartLimit.endedWithClearError')).toBe(0);
    expect(r.errors.some((e) => e.code === 'RESTART_LOOP')).toBe(true);
    expect(num(r, 'restartLimit.spawns')).toBeGreaterThan(1);
  }, 90_000);

  it('delaysGrow: growing, flat, too few', () => {
    expect(delaysGrow([100, 200, 400])).toBe(true);
    expect(delaysGrow([100, 100, 100])).toBe(false);
    expect(delaysGrow([100, 90, 400])).toBe(false);
    expect(delaysGrow([100])).toBeNull();
  });
});
