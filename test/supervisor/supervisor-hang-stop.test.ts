import { afterEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';
import { fixtureOptions, nextEvent, pidAlive, recorded, rejection } from './helpers.ts';

const live: Supervisor[] = [];
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
  }
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

describe('Supervisor hang detection', () => {
  it('SIGSTOP: the request deadline fires, the probe finds the hang, the embedder is replaced', async () => {
    const { sup, events } = recorded(fixtureOptions({ requestTimeoutMs: 500, healthTimeoutMs: 300 }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const err = await rejection(sup.embed('frozen'));
    expect(err.code).toBe('GAUNTLET_TIMEOUT');
    const hang = await nextEvent(events, 'hang-detected', 3_000);
    expect(hang).toMatchObject({ via: 'request-deadline', pid });
    expect((hang as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(290);
    const crash = await nextEvent(events, 'crash', 3_000);
    expect(crash).toMatchObject({ reason: 'hang', signal: 'SIGKILL', pid });
    const v = await sup.embed('thawed', { timeoutMs: 10_000 });
    expect(v[2]).toBe(sup.pid);
    expect(sup.pid).not.toBe(pid);
    expect(pidAlive(pid)).toBe(false);
    expect(sup.counts()).toMatchObject({ hangs: 1, timedOut: 1, restarts: 1 });
  });

  it('SIGSTOP while idle: the health ping notices and the embedder is replaced', async () => {
    const { sup, events } = recorded(fixtureOptions({ healthIntervalMs: 150, healthTimeoutMs: 300 }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    await new Promise((r) => setTimeout(r, 400)); // a few healthy pings first: no false alarm
    expect(events.some((e) => e.type === 'hang-detected')).toBe(false);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const hang = await nextEvent(events, 'hang-detected', 3_000);
    expect(hang).toMatchObject({ via: 'health-ping', pid });
    const ready = await nextEvent(events, 'ready', 10_000, events.indexOf(hang!));
    expect(ready).toBeDefined();
    expect(ready!.pid).not.toBe(pid);
    expect(await sup.ping()).toBeGreaterThanOrEqual(0);
  });
});

describe('Supervisor stop', () => {
  it.each([
    [['--ignore-shutdown'], 'SIGTERM', 'SIGTERM'],
    [['--ignore-shutdown', '--ignore-sigterm'], 'SIGKILL', 'SIGKILL'],
  ])('with %j it escalates to %s', async (flags, how, signal) => {
    const { sup, events } = recorded(fixtureOptions({ flags, shutdownGraceMs: 300 }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    const result = await sup.stop();
    expect(result).toMatchObject({ how, signal, pid, graceful: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(how === 'SIGKILL' ? 590 : 290);
    expect(pidAlive(pid)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'shutdown', how });
    expect(await sup.stop()).toBe(result); // idempotent
  });

  it('stop() during a restart backoff ends cleanly and fails the queued request with GAUNTLET_CLOSED', async () => {
    const { sup, events } = recorded(fixtureOptions({ flags: ['--init-delay', '400'], restart: { maxRestarts: 3, windowMs: 60_000, backoffBaseMs: 2_000, backoffMaxMs: 2_000, jitter: 0 } }));
    live.push(sup);
    await sup.start();
    // The first restart after a healthy period waits nothing; a start that fails after it waits the backoff.
    process.kill(sup.pid!, 'SIGKILL');
    const respawn = await nextEvent(events, 'spawn', 3_000, 2);
    process.kill(respawn!.pid!, 'SIGKILL'); // before it answers initialize (--init-delay)
    const backoff = await nextEvent(events, 'restart', 3_000, events.indexOf(respawn!) + 1);
    expect(backoff).toMatchObject({ delayMs: 2_000 });
    expect(sup.state).toBe('restarting');
    const queued = sup.embed('queued');
    const result = await sup.stop();
    expect(result.how).toBe('already-exited');
    expect(result.durationMs).toBeLessThan(1_500);
    expect((await rejection(queued)).code).toBe('GAUNTLET_CLOSED');
    expect(sup.counts().spawns).toBe(2);
  });

  it('closeInput(): the embedder exits on stdin EOF, and the supervisor brings a new one', async () => {
    const { sup, events } = recorded(fixtureOptions());
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    expect(sup.writeRaw(Buffer.from('this is not json\n'))).toBe(true);
    sup.closeInput();
    const crash = await nextEvent(events, 'crash', 5_000);
    expect(crash).toMatchObject({ reason: 'exit', exitCode: 0, pid });
    const v = await sup.embed('again');
    expect(v[2]).not.toBe(pid);
  });
});
