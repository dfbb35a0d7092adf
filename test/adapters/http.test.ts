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

  it('reports a server command that exits before it is ready, with its exit code', async () => {
    const a = await adapterFor('quits', { kind: 'http', command: [process.execPath, '-e', 'process.exit(3)'], readyTimeoutMs: 10_000 });
    const client = new HttpClient(a);
    const err = await client.start().catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_EMBEDDER_CRASHED' });
    expect(err.message).toContain('exit code 3');
    await client.close();
  });

  it('a started server that dies makes calls fail with GAUNTLET_EMBEDDER_CRASHED and a crash event', async () => {
    const client = new HttpClient(await adapterFor('reference-http'));
    const events: string[] = [];
    client.on('lifecycle', (e) => events.push(e.type));
    try {
      await client.start();
      const pid = client.embedderPid()!;
      expect((await client.embed('hello world')).length).toBe(64);
      process.kill(pid, 'SIGKILL');
      expect(await waitUntil(() => !isPidAlive(pid), 2_000)).toBeGreaterThanOrEqual(0);
      await new Promise((r) => setTimeout(r, 50));
      const err = await client.embed('again').catch((e) => e);
      expect(err).toMatchObject({ code: 'GAUNTLET_EMBEDDER_CRASHED' });
      expect(err.message).toContain('SIGKILL');
      expect(events).toEqual(['spawn', 'ready', 'crash']);
    } finally {
      await client.close();
    }
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
