/**
 * The shared SupervisorCore driven directly, through a minimal driver over real node processes that print the
 * `{"ready":true}` line: what the process and http supervisors get from it regardless of their wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SupervisorCore } from '../../harness/supervisor/core.ts';
import type { Embedder, EmbedderDriver, EmbedderRole } from '../../harness/supervisor/embedder-driver.ts';
import { EmbedderProcess } from '../../harness/supervisor/embedder-process.ts';
import { resolveSupervisorOptions } from '../../harness/supervisor/options.ts';
import type { LifecycleType } from '../../harness/supervisor/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';
import { pidAlive, waitFor } from './helpers.ts';

const SCRIPT = 'console.log(JSON.stringify({ ready: true })); setInterval(() => {}, 1000); process.stdin.on("end", () => process.exit(0)); process.stdin.resume();';

interface Ev {
  type: LifecycleType;
  pid: number | undefined;
  [k: string]: unknown;
}

/** `prepare` as the test wants it per call (role and call number). */
type Prepare = (role: EmbedderRole, call: number) => void | Promise<void>;

function makeCore(standby: number, prepare: Prepare = () => {}, spareReadyDelayMs = 0) {
  const policy = resolveSupervisorOptions({
    command: ['unused'], transport: 'stdio', codec: 'ndjson', modelPath: '/m', healthIntervalMs: 0, standby, shutdownGraceMs: 500,
    restart: { maxRestarts: 5, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, jitter: 0 },
  });
  let calls = 0;
  const driver: EmbedderDriver<Embedder, { pid: number }, void> = {
    prepare: (role) => prepare(role, ++calls),
    spawn: (_plan, gen, role) => {
      const script = role === 'spare' && spareReadyDelayMs ? `setTimeout(() => { ${SCRIPT} }, ${spareReadyDelayMs});` : SCRIPT;
      const argv = [process.execPath, '-e', script];
      const spawnHr = performance.now();
      return { gen, proc: new EmbedderProcess({ argv, env: {}, cwd: undefined }), argv, spawnHr, backoffMs: 0 };
    },
    connect: async (e, signal) => {
      await e.proc.readyLine(10_000, signal);
      return { info: { pid: e.proc.pid! }, phases: { backoffMs: e.backoffMs, spawnMs: performance.now() - e.spawnHr, runtimeMs: null, loadMs: null } };
    },
    startFailed: (_e, error) => ({ error, terminal: false }),
    ping: async () => {},
    release: () => {},
    readyFields: (_e, info) => ({ dims: 1, model: String(info.pid) }),
    spareReadyFields: () => ({}),
    runtimePhase: false,
  };
  const events: Ev[] = [];
  const core = new SupervisorCore({
    policy, driver,
    hooks: { onLive: () => {}, onReady: () => {}, onCrash: () => ({ inFlight: 0, settle: () => {} }), onFail: () => {} },
    emit: (type, details, pid) => events.push({ type, pid, ...details }),
    messages: { startAfterStop: 'closed', closedBeforeReady: 'stopped before ready', loopFailed: 'core loop failed' },
  });
  cores.push(core);
  return { core, events };
}

const cores: Array<SupervisorCore<Embedder, { pid: number }, void>> = [];
afterEach(async () => {
  for (const core of cores.splice(0)) {
    const pids = [core.pid, ...core.sparePids].filter((p): p is number => p !== undefined);
    core.beginStop();
    await core.stopSpares();
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
});

describe('SupervisorCore', () => {
  it('starts, restarts at once after a healthy period, and reports the lifecycle in order', async () => {
    const { core, events } = makeCore(0);
    await core.start();
    const first = core.pid!;
    process.kill(first, 'SIGKILL');
    expect(await waitFor(() => events.filter((e) => e.type === 'ready').length === 2, 10_000)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['spawn', 'ready', 'crash', 'restart', 'spawn', 'ready']);
    expect(events[2]).toMatchObject({ pid: first, reason: 'exit', signal: 'SIGKILL' });
    expect(events[3]).toMatchObject({ delayMs: 0, via: 'spawn' });
    expect(core.pid).not.toBe(first);
    expect(core.counters).toMatchObject({ spawns: 2, restarts: 1, crashes: 1 });
  });

  it('a driver that throws outside a start attempt ends start() with GAUNTLET_INTERNAL instead of leaving it pending', async () => {
    const { core, events } = makeCore(0, () => {
      throw new Error('no port to be had');
    });
    const err = await core.start().then(() => undefined, (e: GauntletError) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_INTERNAL' });
    expect(err!.message).toBe('core loop failed: no port to be had');
    expect(core.state).toBe('failed');
    expect(events.map((e) => e.type)).toEqual(['give-up']);
  });

  it('stop() while the driver prepares a spawn: nothing is spawned, start() rejects with GAUNTLET_CLOSED', async () => {
    const { core, events } = makeCore(0, () => new Promise((r) => setTimeout(r, 200)));
    const started = core.start().then(() => undefined, (e: GauntletError) => e);
    await new Promise((r) => setTimeout(r, 50));
    core.beginStop();
    core.setState('stopped');
    const err = await started;
    expect(err).toMatchObject({ code: 'GAUNTLET_CLOSED', message: 'stopped before ready' });
    await new Promise((r) => setTimeout(r, 300));
    expect(core.counters.spawns).toBe(0);
    expect(events.filter((e) => e.type === 'spawn')).toHaveLength(0);
  });

  it('a spare whose spawn preparation throws gives its slot back: the next restart starts a spare again', async () => {
    const { core, events } = makeCore(1, (role, call) => {
      if (role === 'spare' && call === 2) throw new Error('no port for the spare');
    });
    await core.start();
    expect(await waitFor(() => events.some((e) => e.type === 'protocol-fault'), 5_000)).toBe(true);
    expect(events.find((e) => e.type === 'protocol-fault')).toMatchObject({ code: 'GAUNTLET_INTERNAL', message: 'standby: no port for the spare' });
    expect(core.sparePids).toEqual([]);
    const live = core.pid!;
    process.kill(live, 'SIGKILL');
    // No spare to take over: a fresh spawn, then a spare beside it.
    expect(await waitFor(() => core.readySpares === 1, 10_000)).toBe(true);
    expect(events.filter((e) => e.type === 'ready').map((e) => e.via)).toEqual(['spawn', 'spawn']);
    const spare = core.sparePids[0]!;
    process.kill(core.pid!, 'SIGKILL');
    expect(await waitFor(() => core.pid === spare, 5_000)).toBe(true);
    expect(events.filter((e) => e.type === 'ready').map((e) => e.via)).toEqual(['spawn', 'spawn', 'standby']);
    expect(pidAlive(live)).toBe(false);
  });

  it('a crash while the only spare is still starting: that spare is adopted once ready, no fresh spawn of a live one', async () => {
    const { core, events } = makeCore(1, () => {}, 500);
    await core.start();
    const live = core.pid!;
    expect(await waitFor(() => core.sparePids.length === 1, 5_000)).toBe(true);
    expect(core.readySpares).toBe(0);
    process.kill(live, 'SIGKILL');
    expect(await waitFor(() => events.filter((e) => e.type === 'ready').length === 2, 10_000)).toBe(true);
    const ready = events.filter((e) => e.type === 'ready');
    expect(ready.map((e) => e.via)).toEqual(['spawn', 'standby']);
    const spawnedSpare = events.find((e) => e.type === 'standby-spawn')!;
    expect(ready[1]!.pid).toBe(spawnedSpare.pid);
    expect(core.pid).toBe(spawnedSpare.pid);
    expect(ready[1]!.phases).toMatchObject({ spawnMs: 0, runtimeMs: null, loadMs: 0 });
    expect(events.filter((e) => e.type === 'spawn')).toHaveLength(1);
    expect(events.find((e) => e.type === 'restart')).toMatchObject({ via: 'standby', delayMs: 0 });
    // And a replacement spare starts behind it.
    expect(await waitFor(() => core.readySpares === 1, 10_000)).toBe(true);
    expect(core.counters).toMatchObject({ takeovers: 1, crashes: 1, spawns: 3 });
  });

  it('a crash while the only spare still prepares its spawn (no process yet): a fresh spawn, the spare stays a spare', async () => {
    const { core, events } = makeCore(1, (role) => (role === 'spare' ? new Promise((r) => setTimeout(r, 300)) : undefined));
    await core.start();
    expect(core.sparePids).toEqual([]);
    process.kill(core.pid!, 'SIGKILL');
    expect(await waitFor(() => events.filter((e) => e.type === 'ready').length === 2 && core.readySpares === 1, 10_000)).toBe(true);
    expect(events.filter((e) => e.type === 'ready').map((e) => e.via)).toEqual(['spawn', 'spawn']);
    expect(events.find((e) => e.type === 'restart')).toMatchObject({ via: 'spawn', delayMs: 0 });
    expect(events.filter((e) => e.type === 'standby-spawn')).toHaveLength(1);
  });
});
