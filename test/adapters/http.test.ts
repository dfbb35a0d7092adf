import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../harness/adapters/http.ts';
import { substituteArgs } from '../../harness/adapters/substitute.ts';
import { referenceCommand } from '../../harness/config/defaults.ts';
import { startHost } from '../../harness/host/host-handle.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';
import { adapterFor, cosine, waitUntil } from '../host/helpers.ts';

describe('substituteArgs', () => {
  it('replaces known placeholders and leaves unknown ones', () => {
    expect(substituteArgs(['--port', '{port}', '--m={model}', '{socket}'], { port: 0, model: '/m.gguf' })).toEqual(['--port', '0', '--m=/m.gguf', '{socket}']);
  });
});

describe('http adapter', () => {
  let server: ReturnType<typeof spawn>;
  let baseUrl = '';
  beforeAll(async () => {
    const a = await adapterFor('reference-http');
    const [cmd, ...args] = substituteArgs(referenceCommand('--transport', 'http', '--port', '0', '--model', '{model}'), { model: a.model, maxBatch: 10, maxFrameBytes: 65536 });
    server = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready line in 30 s')), 30_000);
      server.once('exit', (code, signal) => reject(new Error(`reference http server exited (${code ?? signal}) before its ready line`)));
      createInterface({ input: server.stdout! }).on('line', (line) => {
        try {
          const p = JSON.parse(line) as { ready?: boolean; port?: number };
          if (p.ready && p.port) {
            clearTimeout(timer);
            resolve(p.port);
          }
        } catch {
          // not the ready line
        }
      });
    });
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('drives an external server by baseUrl: no pid, batch == single', async () => {
    const a = await adapterFor('ext', { kind: 'http', baseUrl });
    const client = new HttpClient(a);
    const info = await client.start();
    expect(info.dims).toBe(64);
    expect(client.embedderPid()).toBeUndefined();
    const single = await client.embed('hello world');
    const [b0, b1] = await client.embedBatch(['hello world', 'the quick brown fox']);
    expect(Array.from(b0!)).toEqual(Array.from(single));
    expect(cosine(b1!, single)).toBeLessThan(0.9999);
    expect(await client.ping()).toBeGreaterThan(0);
    await client.close();
    await expect(client.embed('x')).rejects.toMatchObject({ code: 'GAUNTLET_CLOSED' });
  });

  it('gives up on a server that never becomes ready, at the deadline, with GAUNTLET_TIMEOUT', async () => {
    const a = await adapterFor('dead', { kind: 'http', baseUrl: 'http://127.0.0.1:9', readyTimeoutMs: 400 });
    const t0 = performance.now();
    await expect(new HttpClient(a).start()).rejects.toMatchObject({ code: 'GAUNTLET_TIMEOUT' });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(3_000);
  });

  it('a server that exits with one of terminalExitCodes before it is ready is not restarted', async () => {
    const a = await adapterFor('quits', { kind: 'http', command: [process.execPath, '-e', 'process.exit(3)'], readyTimeoutMs: 10_000, supervisor: { terminalExitCodes: [3] } });
    const client = new HttpClient(a);
    const events: string[] = [];
    client.on('lifecycle', (e) => events.push(e.type));
    const err = await client.start().catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_EMBEDDER_CRASHED' });
    expect(err.message).toContain('exit code 3');
    expect(err.message).toContain('terminalExitCodes');
    expect(events).toEqual(['spawn', 'start-failed', 'give-up']);
    await expect(client.embed('x', { timeoutMs: 500 })).rejects.toMatchObject({ code: 'GAUNTLET_EMBEDDER_CRASHED' });
    await client.close();
  });

  it('a server that never starts is restarted with growing backoff until the breaker: GAUNTLET_EMBEDDER_GAVE_UP', async () => {
    const a = await adapterFor('quits', {
      kind: 'http', command: [process.execPath, '-e', 'process.exit(3)'], readyTimeoutMs: 10_000,
      supervisor: { restart: { maxRestarts: 2, backoffBaseMs: 50, jitter: 0 } },
    });
    const client = new HttpClient(a);
    const events: Array<{ type: string; delayMs?: unknown }> = [];
    client.on('lifecycle', (e) => events.push(e));
    const err = await client.start().catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_EMBEDDER_GAVE_UP' });
    expect(err.message).toContain('exit code 3');
    expect(events.filter((e) => e.type === 'spawn')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'restart').map((e) => e.delayMs)).toEqual([50, 100]);
    const t0 = performance.now();
    await expect(client.embed('x')).rejects.toMatchObject({ code: 'GAUNTLET_EMBEDDER_GAVE_UP' });
    expect(performance.now() - t0).toBeLessThan(100);
    await client.close();
  });

  it('an unspawnable command is a terminal config error at once, naming the executable', async () => {
    const client = new HttpClient(await adapterFor('nope', { kind: 'http', command: ['/nonexistent/gauntlet-server'] }));
    const events: string[] = [];
    client.on('lifecycle', (e) => events.push(e.type));
    const err = await client.start().catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_CONFIG_INVALID' });
    expect(err.message).toContain('/nonexistent/gauntlet-server');
    expect(events.filter((e) => e === 'spawn')).toHaveLength(1);
    await client.close();
  });

  it('bad supervisor tuning is a config error naming the field and the value', async () => {
    const a = await adapterFor('tuned', { kind: 'http', command: ['x'], supervisor: { restart: { maxRestarts: -1 } } });
    expect(() => new HttpClient(a)).toThrow(/adapters\.tuned\.supervisor\.restart\.maxRestarts.*-1/);
    const b = await adapterFor('tuned', { kind: 'http', command: ['x'], supervisor: { terminalExitCodes: ['4' as unknown as number] } });
    expect(() => new HttpClient(b)).toThrow(/adapters\.tuned\.supervisor\.terminalExitCodes.*"4"/);
  });

  it('a started server that is SIGKILLed is restarted: the next embedding succeeds from a new pid, with the same vector', async () => {
    const client = new HttpClient(await adapterFor('reference-http'));
    const events: Array<{ type: string; pid?: number; reason?: unknown; signal?: unknown }> = [];
    client.on('lifecycle', (e) => events.push(e));
    try {
      await client.start();
      const pid = client.embedderPid()!;
      const before = await client.embed('hello world');
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      // The exit must be seen before the next request: one sent to the dead server's pooled socket is in flight.
      expect(await waitUntil(() => events.some((e) => e.type === 'crash'), 2_000)).toBeGreaterThanOrEqual(0);
      const after = await client.embed('hello world', { timeoutMs: 15_000 });
      const recoveryMs = performance.now() - t0;
      expect(Array.from(after)).toEqual(Array.from(before));
      const newPid = client.embedderPid()!;
      expect(newPid).not.toBe(pid);
      expect(isPidAlive(newPid)).toBe(true);
      expect(events.map((e) => e.type)).toEqual(['spawn', 'ready', 'crash', 'restart', 'spawn', 'ready']);
      expect(events[2]).toMatchObject({ pid, reason: 'exit', signal: 'SIGKILL' });
      console.log(`http restart after SIGKILL: next embedding ${Math.round(recoveryMs)} ms after the kill`);
    } finally {
      await client.close();
    }
  });

  it('the request in flight when the server dies fails with GAUNTLET_EMBEDDER_CRASHED; retryOnceAfterRestart answers it instead', async () => {
    for (const retry of [false, true]) {
      const a = await adapterFor('reference-http');
      const client = new HttpClient({ ...a, config: { ...a.config, supervisor: { retryOnceAfterRestart: retry } } as typeof a.config });
      try {
        await client.start();
        const pid = client.embedderPid()!;
        process.kill(pid, 'SIGSTOP');
        const inflight = client.embed('in flight', { timeoutMs: 15_000 }).then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
        await new Promise((r) => setTimeout(r, 50));
        process.kill(pid, 'SIGKILL');
        process.kill(pid, 'SIGCONT');
        const r = await inflight;
        if (retry) {
          expect(r.ok).toBe(true);
        } else {
          expect(r.ok).toBe(false);
          expect((r as { e: { code: string; message: string } }).e).toMatchObject({ code: 'GAUNTLET_EMBEDDER_CRASHED' });
          expect((r as { e: { message: string } }).e.message).toContain('SIGKILL');
        }
        expect((await client.embed('after', { timeoutMs: 15_000 })).length).toBe(64);
      } finally {
        await client.close();
      }
    }
  });

  it('a stopped (SIGSTOP) server: the request deadline fires, the hang is detected, the server is killed and replaced', async () => {
    const a = await adapterFor('reference-http');
    const client = new HttpClient({ ...a, config: { ...a.config, supervisor: { healthTimeoutMs: 300 } } as typeof a.config });
    const events: Array<{ type: string; via?: unknown; reason?: unknown }> = [];
    client.on('lifecycle', (e) => events.push(e));
    try {
      await client.start();
      const pid = client.embedderPid()!;
      const before = await client.embed('hello world');
      process.kill(pid, 'SIGSTOP');
      await expect(client.embed('hello world', { timeoutMs: 400 })).rejects.toMatchObject({ code: 'GAUNTLET_TIMEOUT' });
      // The missed deadline makes the supervisor GET /health (300 ms): unanswered, so the server is killed.
      expect(await waitUntil(() => events.some((e) => e.type === 'crash'), 2_000)).toBeGreaterThanOrEqual(0);
      const after = await client.embed('hello world', { timeoutMs: 15_000 });
      expect(Array.from(after)).toEqual(Array.from(before));
      expect(events.find((e) => e.type === 'hang-detected')).toMatchObject({ via: 'request-deadline' });
      expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'hang', signal: 'SIGKILL' });
      expect(await waitUntil(() => !isPidAlive(pid), 2_000)).toBeGreaterThanOrEqual(0);
    } finally {
      await client.close();
    }
  });

  it('close() stops the supervised server and nothing is restarted after it', async () => {
    const client = new HttpClient(await adapterFor('reference-http'));
    const events: string[] = [];
    client.on('lifecycle', (e) => events.push(e.type));
    await client.start();
    const pid = client.embedderPid()!;
    await client.close();
    expect(isPidAlive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual(['spawn', 'ready', 'shutdown']);
    await expect(client.embed('x')).rejects.toMatchObject({ code: 'GAUNTLET_CLOSED' });
  });

  it('a started server dies with its host (SIGKILL) within 1 s', async () => {
    const h = await startHost(await adapterFor('reference-http'));
    try {
      const pid = (await h.embedderPid())!;
      expect(pid).toBeTypeOf('number');
      expect(isPidAlive(pid)).toBe(true);
      h.kill('SIGKILL');
      await h.exited;
      const goneMs = await waitUntil(() => !isPidAlive(pid), 1_000);
      expect(goneMs, 'http server outlived its host by more than 1 s').toBeGreaterThanOrEqual(0);
    } finally {
      await h.close();
    }
  });
});
