/**
 * Restart pacing and warm standby, with the fake embedder: no backoff on the first restart after a healthy period,
 * start phases in the `ready` event, a spare that takes over at once, a dead spare replaced, the breaker still
 * ending a permanently broken embedder, spares stopped with the supervisor. Behaviour only: no timing targets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';
import { Supervisor as SupervisorClass } from '../../harness/supervisor/supervisor.ts';
import type { LifecycleEvent } from '../../harness/supervisor/types.ts';
import { fixtureOptions, nextEvent, pidAlive, recorded, rejection, waitFor } from './helpers.ts';

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function track<T extends { sup: Supervisor }>(r: T): T {
  running.push(r.sup);
  return r;
}

const ofType = (events: LifecycleEvent[], type: LifecycleEvent['type']) => events.filter((e) => e.type === type);

describe('Supervisor restart pacing', () => {
  it('restarts at once after a healthy period (delayMs 0) and reports the start phases in `ready`', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ restart: { maxRestarts: 5, windowMs: 60_000, backoffBaseMs: 300, backoffMaxMs: 1_000, jitter: 0 } })));
    await sup.start();
    for (let i = 0; i < 2; i++) {
      const pid = sup.pid!;
      const seen = events.length;
      process.kill(pid, 'SIGKILL');
      expect(await nextEvent(events, 'ready', 10_000, seen)).toBeDefined();
      expect(sup.pid).not.toBe(pid);
    }
    expect(ofType(events, 'restart').map((e) => (e as { delayMs: number }).delayMs)).toEqual([0, 0]);
    const ready = ofType(events, 'ready') as Array<Extract<LifecycleEvent, { type: 'ready' }>>;
    expect(ready.map((e) => e.via)).toEqual(['spawn', 'spawn', 'spawn']);
    for (const e of ready) {
      expect(e.phases.spawnMs).toBeGreaterThan(0);
      // The fixture reports no `initialized.timing`: the whole start is in spawnMs.
      expect(e.phases.runtimeMs).toBeNull();
      expect(e.phases.loadMs).toBeNull();
    }
    expect(ready[0]!.phases.backoffMs).toBe(0);
  });

  it('an embedder that never became ready still backs off from the first restart, growing', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ flags: ['--init', 'exit'], restart: { maxRestarts: 3, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 1_000, jitter: 0 } })));
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    expect(ofType(events, 'restart').map((e) => (e as { delayMs: number }).delayMs)).toEqual([20, 40, 80]);
  });
});

describe('Supervisor standby', () => {
  it('a warm spare takes over at once when the live embedder is killed, and a new spare starts', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ standby: 1, retryOnceAfterRestart: true })));
    await sup.start();
    const warm = await nextEvent(events, 'standby-ready', 15_000);
    expect(warm).toBeDefined();
    const sparePid = warm!.pid!;
    expect(sup.sparePids).toEqual([sparePid]);
    const live = sup.pid!;
    const spawnsBefore = ofType(events, 'spawn').length;
    const seen = events.length;
    process.kill(live, 'SIGKILL');
    const v = await sup.embed('after the kill');
    expect(v[2]).toBe(sparePid); // the fixture's vector carries the pid that made it
    expect(sup.pid).toBe(sparePid);
    const ready = (await nextEvent(events, 'ready', 5_000, seen)) as Extract<LifecycleEvent, { type: 'ready' }>;
    expect(ready.via).toBe('standby');
    expect(ready.phases).toMatchObject({ spawnMs: 0, runtimeMs: 0, loadMs: 0 });
    // No spawn of a live embedder: the replacement is a spare, started in the background.
    expect(await nextEvent(events, 'standby-spawn', 5_000, seen)).toBeDefined();
    expect(ofType(events, 'spawn').length).toBe(spawnsBefore);
    expect(await waitFor(() => sup.readySpares === 1, 15_000)).toBe(true);
    expect(sup.counts()).toMatchObject({ takeovers: 1, crashes: 1, restarts: 1 });
  });

  it('a spare that dies is replaced; the live embedder is not disturbed', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ standby: 1 })));
    await sup.start();
    const warm = await nextEvent(events, 'standby-ready', 15_000);
    const live = sup.pid;
    const seen = events.length;
    process.kill(warm!.pid!, 'SIGKILL');
    const gone = await nextEvent(events, 'standby-exit', 5_000, seen);
    expect(gone).toMatchObject({ pid: warm!.pid, signal: 'SIGKILL' });
    expect(String((gone as { reason: string }).reason)).toMatch(/replaced/);
    const again = await nextEvent(events, 'standby-ready', 15_000, seen);
    expect(again!.pid).not.toBe(warm!.pid);
    expect(sup.pid).toBe(live);
    expect(ofType(events, 'crash')).toHaveLength(0);
    expect((await sup.embed('still the same live embedder'))[2]).toBe(live);
  });

  it('the breaker still ends a permanently broken embedder in GAUNTLET_EMBEDDER_GAVE_UP, no spawn after', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ standby: 1, flags: ['--init', 'exit'], restart: { maxRestarts: 2, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, jitter: 0 } })));
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    const spawns = sup.counts().spawns;
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.counts().spawns).toBe(spawns);
    expect(ofType(events, 'give-up')).toHaveLength(1);
    expect(sup.sparePids).toEqual([]);
  });

  it('takeovers count toward the breaker: an embedder that keeps dying ends in GAUNTLET_EMBEDDER_GAVE_UP, spares killed', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ standby: 1, restart: { maxRestarts: 2, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, jitter: 0 } })));
    await sup.start();
    for (let kill = 1; kill <= 3; kill++) {
      expect(await waitFor(() => sup.readySpares === 1 || sup.state === 'failed', 15_000)).toBe(true);
      const seen = events.length;
      process.kill(sup.pid!, 'SIGKILL');
      await nextEvent(events, kill < 3 ? 'ready' : 'give-up', 10_000, seen);
    }
    expect(sup.state).toBe('failed');
    expect(ofType(events, 'ready').filter((e) => (e as { via?: string }).via === 'standby')).toHaveLength(2);
    expect((await rejection(sup.embed('x'))).code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    const spares = ofType(events, 'standby-spawn').map((e) => e.pid!);
    expect(await waitFor(() => spares.every((p) => !pidAlive(p) || p === sup.pid), 5_000)).toBe(true);
  });

  it('stop() ends the spares too', async () => {
    const { sup, events } = track(recorded(fixtureOptions({ standby: 2 })));
    await sup.start();
    expect(await waitFor(() => sup.readySpares === 2, 20_000)).toBe(true);
    const pids = [sup.pid!, ...sup.sparePids];
    expect(pids).toHaveLength(3);
    await sup.stop();
    expect(await waitFor(() => pids.every((p) => !pidAlive(p)), 5_000)).toBe(true);
    expect(ofType(events, 'standby-ready')).toHaveLength(2);
  });

  it('refuses a bad standby value and standby with a fixed socketPath, naming the field', () => {
    expect(() => new SupervisorClass(fixtureOptions({ standby: -1 }))).toThrow(/supervisor\.standby: .*got -1 \(number\)/);
    expect(() => new SupervisorClass(fixtureOptions({ transport: 'uds', standby: 1, socketPath: '/tmp/fixed.sock' }))).toThrow(/supervisor\.standby: 1 spares cannot share the fixed socketPath/);
  });
});
