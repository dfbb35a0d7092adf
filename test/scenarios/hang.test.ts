/** hang through the runner: a stopped embedder times out with a typed error and is replaced; hang-after is caught. */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/hang.ts';
import { num, runWith } from './throughput-run.ts';

describe('hang scenario', () => {
  it('clean reference: typed deadline, the supervisor notices and recovers', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const deadline = num(r, 'hang.deadlineMs');
    expect(num(r, 'hang.detectMs.max')).toBeGreaterThanOrEqual(deadline - 5);
    expect(num(r, 'hang.detectMs.max')).toBeLessThan(deadline + 1500);
    expect(num(r, 'hang.recoveredRatio')).toBe(1);
    expect(num(r, 'hang.noticedBySupervisor')).toBe(1);
    expect(num(r, 'hang.recoveryMs.max')).toBeGreaterThan(deadline);
    expect(num(r, 'hang.untypedErrors')).toBe(0);
    expect(r.timeline.some((e) => e.kind === 'hang')).toBe(true);
  }, 60_000);

  it('hang-after: an embedder that stops answering on its own fails the steady runs and the recovery', async () => {
    const r = await runWith(scenario, 'reference', { faults: 'hang-after' });
    expect(r.errors.some((e) => e.code === 'UNEXPECTED_HANG')).toBe(true);
    expect(num(r, 'hang.recoveredRatio')).toBe(0);
    expect(r.metrics['host.crashes']).toBe(0);
  }, 90_000);

  it('reference-http (a supervised server): typed deadline, the adapter notices the hang and replaces the server', async () => {
    const r = await runWith(scenario, 'reference-http');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const deadline = num(r, 'hang.deadlineMs');
    expect(num(r, 'hang.detectMs.max')).toBeGreaterThanOrEqual(deadline - 5);
    expect(num(r, 'hang.detectMs.max')).toBeLessThan(deadline + 1500);
    expect(num(r, 'hang.recoveredRatio')).toBe(1);
    expect(num(r, 'hang.noticedBySupervisor')).toBe(1);
    expect(num(r, 'hang.untypedErrors')).toBe(0);
    expect(num(r, 'hang.leftStopped')).toBe(0);
  }, 60_000);

  it('is not applicable to the in-process adapter', async () => {
    const r = await runWith(scenario, 'in-process');
    expect(r.status).toBe('skipped');
    expect(r.notes.join(' ')).toMatch(/own thread/);
  }, 30_000);
});
