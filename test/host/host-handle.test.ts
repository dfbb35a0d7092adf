import { afterEach, describe, expect, it } from 'vitest';
import { referenceCommand } from '../../harness/config/defaults.ts';
import { startHost } from '../../harness/host/host-handle.ts';
import type { HostHandle } from '../../harness/host/types.ts';
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';
import { watchedHostPids } from '../../harness/host/host-reaper.ts';
import { adapterFor, waitUntil } from './helpers.ts';

const hosts: HostHandle[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close({ deadlineMs: 3_000, killAfterMs: 1_000 })));
});

async function host(...args: Parameters<typeof startHost>): Promise<HostHandle> {
  const h = await startHost(...args);
  hosts.push(h);
  return h;
}

describe('host process with the reference adapter (stdio + msgpack)', () => {
  it('embeds, reports real memory numbers, forwards lifecycle events and closes gracefully', async () => {
    const events: LifecycleEvent[] = [];
    const h = await host(await adapterFor('reference'), { deferStart: true });
    h.on('lifecycle', (e) => events.push(e));
    const info = await h.start();
    expect(info.dims).toBe(64);
    const v = await h.embed('hello world');
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(64);
    const batch = await h.embedBatch(['hello world', 'a']);
    expect(Array.from(batch[0]!)).toEqual(Array.from(v));
    expect(await h.ping()).toBeGreaterThan(0);

    const mem = await h.memory({ gc: true });
    expect(mem.gcRan).toBe(true);
    expect(mem.rss).toBeGreaterThan(20 * 1024 * 1024);
    expect(mem.heapUsed).toBeGreaterThan(1024 * 1024);
    expect(mem.heapTotal).toBeGreaterThanOrEqual(mem.heapUsed);
    expect(mem.rssAnon).toBeGreaterThan(0);

    const pid = await h.embedderPid();
    expect(pid).toBeTypeOf('number');
    expect(pid).not.toBe(h.pid);
    expect(isPidAlive(pid!)).toBe(true);
    const stats = await h.embedderStats();
    expect(stats?.pid).toBe(pid);
    expect(stats!.rss).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['spawn', 'ready']));

    const closed = await h.close();
    expect(closed.how).toBe('graceful');
    expect(closed.code).toBe(0);
    expect(h.alive).toBe(false);
    expect(isPidAlive(pid!)).toBe(false);
  });

  it('host SIGKILLed: pending calls reject with GAUNTLET_HOST_DIED carrying the signal; the embedder is gone within 1 s', async () => {
    const custom = { kind: 'process' as const, transport: 'stdio' as const, codec: 'msgpack' as const, command: referenceCommand('--fault', 'hang-after=2'), supervisor: { healthIntervalMs: 0 } };
    const h = await host(await adapterFor('hanging', custom));
    const embedder = (await h.embedderPid())!;
    await h.embed('one'); // answered (initialize was the first request); the next ones hang
    const pending = h.embed('two', { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.kill('SIGKILL')).toBe(true);
    const err = (await pending.catch((e) => e)) as GauntletError;
    expect(err).toBeInstanceOf(GauntletError);
    expect(err.code).toBe('GAUNTLET_HOST_DIED');
    expect(err.details.signal).toBe('SIGKILL');
    expect(err.message).toContain('signal SIGKILL');
    const exit = await h.exited;
    expect(exit.signal).toBe('SIGKILL');
    const goneMs = await waitUntil(() => !isPidAlive(embedder), 1_000);
    expect(goneMs, 'embedder still alive 1 s after its host was SIGKILLed').toBeGreaterThanOrEqual(0);
    await expect(h.embed('three')).rejects.toMatchObject({ code: 'GAUNTLET_HOST_DIED' });
  });

  it('a call past its deadline rejects with GAUNTLET_TIMEOUT and the host stays usable', async () => {
    const custom = { kind: 'process' as const, transport: 'stdio' as const, codec: 'msgpack' as const, command: referenceCommand('--fault', 'hang-after=2'), supervisor: { healthIntervalMs: 0 } };
    const h = await host(await adapterFor('hang2', custom));
    await h.embed('one');
    await expect(h.embed('two', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'GAUNTLET_TIMEOUT' });
    const mem = await h.memory();
    expect(mem.gcRan).toBe(false);
    expect(mem.rss).toBeGreaterThan(0);
    expect(h.alive).toBe(true);
  });

  it('a host that cannot start its adapter rejects startHost with the adapter error and leaves no process', async () => {
    const bad = { kind: 'process' as const, transport: 'stdio' as const, codec: 'msgpack' as const, command: ['/nonexistent/embedder'] };
    const a = await adapterFor('bad', bad, { startTimeoutMs: 2_000 });
    a.config = { ...bad, supervisor: { restart: { maxRestarts: 0 } } };
    const before = watchedHostPids().length;
    const err = (await startHost(a).catch((e) => e)) as GauntletError;
    expect(watchedHostPids().length).toBe(before); // the failed host was reaped, not left running
    expect(err).toBeInstanceOf(GauntletError);
    // The supervisor reports a command that cannot be spawned as a config problem.
    expect(err.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(err.message).toContain('could not spawn the embedder "/nonexistent/embedder"');
  });
});
