import { afterEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';
import { fixtureOptions, nextEvent, pidAlive, recorded, rejection } from './helpers.ts';

const live: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

describe('Supervisor crash recovery', () => {
  it('SIGKILL mid-request: that request fails typed, the next succeeds on a new process', async () => {
    const { sup, events } = recorded(fixtureOptions({ flags: ['--delay', '600'] }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    const inFlight = sup.embed('doomed');
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    const killedAt = performance.now();
    const err = await rejection(inFlight);
    expect(err.code).toBe('GAUNTLET_EMBEDDER_CRASHED');
    expect(err.details).toMatchObject({ signal: 'SIGKILL', exitCode: null, reason: 'exit', pid });
    expect(String(err.details!.stderrTail)).toMatch(/fixture embedder pid \d+ up/);

    const crash = await nextEvent(events, 'crash', 5_000);
    expect(crash).toMatchObject({ type: 'crash', pid, signal: 'SIGKILL', reason: 'exit', inFlight: 1 });
    const v = await sup.embed('after'); // waits for the restart, within its own deadline
    const ready = events.filter((e) => e.type === 'ready').at(-1)!;
    const recoveredMs = ready.hr - killedAt;
    expect(sup.pid).not.toBe(pid);
    expect(v[2]).toBe(sup.pid);
    expect(sup.state).toBe('ready');
    expect(sup.counts()).toMatchObject({ spawns: 2, restarts: 1, crashes: 1 });
    expect(events.map((e) => e.type)).toEqual(['spawn', 'ready', 'crash', 'restart', 'spawn', 'ready']);
    expect(recoveredMs).toBeGreaterThan(0);
    expect(recoveredMs).toBeLessThan(3_000); // seed 001: restart < 3 s
    console.log(`supervisor: SIGKILL -> ready again in ${recoveredMs.toFixed(0)} ms`);
  });

  it('retryOnceAfterRestart re-sends the in-flight request to the new process', async () => {
    const { sup } = recorded(fixtureOptions({ flags: ['--delay', '300'], retryOnceAfterRestart: true }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid!;
    const inFlight = sup.embed('survivor');
    await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, 'SIGKILL');
    const v = await inFlight;
    expect(v[2]).not.toBe(pid);
    expect(v[2]).toBe(sup.pid);
    expect(sup.counts()).toMatchObject({ retried: 1, crashes: 1, succeeded: 1, failed: 0 });
  });

  it('a permanently failing embedder ends in GAUNTLET_EMBEDDER_GAVE_UP after the breaker, no restart loop', async () => {
    const { sup, events } = recorded(fixtureOptions({ flags: ['--init', 'exit'], restart: { maxRestarts: 2, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 100, jitter: 0.5 } }));
    live.push(sup);
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    expect(err.message).toMatch(/restart\.maxRestarts \(2\)/);
    expect(sup.state).toBe('failed');
    const spawnsAtGiveUp = sup.counts().spawns;
    expect(spawnsAtGiveUp).toBe(3);
    await new Promise((r) => setTimeout(r, 400));
    expect(sup.counts().spawns).toBe(spawnsAtGiveUp);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'start-failed')).toHaveLength(3);
    expect(types.at(-1)).toBe('give-up');
    const failed = events.find((e) => e.type === 'start-failed')!;
    expect(failed).toMatchObject({ exitCode: 3 });
    expect(String((failed as { stderrTail: string }).stderrTail)).toMatch(/exiting during initialize/);
    expect((await rejection(sup.embed('x'))).code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
  });

  it('a non-retryable initialize error (model-invalid) is terminal at once: one spawn', async () => {
    const { sup, events } = recorded(fixtureOptions({ flags: ['--init', 'model-invalid'] }));
    live.push(sup);
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_MODEL_INVALID');
    expect(err.message).toMatch(/bad magic in \/nonexistent\/fixture\.gguf/);
    expect(sup.counts().spawns).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['spawn', 'start-failed', 'give-up']);
  });

  it('a retryable initialize error and an initialize that never answers go through the breaker', async () => {
    const { sup } = recorded(fixtureOptions({ flags: ['--init', 'retryable-error'], restart: { maxRestarts: 1, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 10, jitter: 0 } }));
    live.push(sup);
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    expect(sup.counts().spawns).toBe(2);

    const hung = recorded(fixtureOptions({ flags: ['--init', 'hang'], readyTimeoutMs: 800, restart: { maxRestarts: 0, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 10, jitter: 0 } }));
    live.push(hung.sup);
    const t0 = performance.now();
    const err2 = await rejection(hung.sup.start());
    expect(err2.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    expect((err2.cause as { code?: string }).code).toBe('GAUNTLET_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(5_000);
    const pid = hung.events.find((e) => e.type === 'spawn')!.pid!;
    expect(pidAlive(pid)).toBe(false);
  });
});

describe('Supervisor spawn failure', () => {
  it('a command that cannot be spawned is terminal at once (GAUNTLET_CONFIG_INVALID), no restarts', async () => {
    const { sup, events } = recorded({ ...fixtureOptions(), command: ['/nonexistent/embedder-binary', '--x'] });
    live.push(sup);
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(err.message).toMatch(/could not spawn the embedder "\/nonexistent\/embedder-binary": .*ENOENT/);
    expect(sup.counts()).toMatchObject({ spawns: 1, restarts: 0 });
    expect(events.map((e) => e.type)).toEqual(['spawn', 'start-failed', 'give-up']);
    expect((await sup.stop()).how).toBe('already-exited');
  });
});
