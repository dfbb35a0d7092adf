import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCodec } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS, type Message } from '../../harness/protocol/messages.ts';
import { httpEmbed, httpHealth } from '../../harness/transport/http-client.ts';
import { connectUds } from '../../harness/transport/uds.ts';
import { tsNodeArgs } from '../../harness/util/ts-runner.ts';
import { firstLine, isAlive, MAIN, tinyModel } from './helpers.ts';

/** Start-up on a loaded shared 2-core machine can take many seconds: generous bounds, tests own. */
const STARTUP_MS = 45_000;
const TEST_MS = 90_000;

let dir = '';
let model = '';
const pids: number[] = [];
beforeAll(async () => { ({ dir, model } = await tinyModel()); });
afterAll(() => {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function spawnMode(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...tsNodeArgs(), MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  pids.push(child.pid!);
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, exited };
}

describe('reference embedder over a Unix socket and HTTP', () => {
  it('uds: prints a ready line, serves two connections, socket 0600, exits 0 on SIGTERM', async () => {
    const sock = path.join(dir, 'e.sock');
    const { child, exited } = spawnMode(['--transport', 'uds', '--socket', sock, '--codec', 'msgpack', '--normalize']);
    expect(await firstLine(child)).toEqual({ ready: true, socket: sock, pid: child.pid });
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    const a = await connectUds(sock, getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs: 2000 });
    const b = await connectUds(sock, getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs: 2000 });
    const next = (c: typeof a) => new Promise<Message>((r) => c.onMessage(r));
    const initialized = next(a);
    a.send({ v: 1, id: 1, type: 'initialize', modelPath: model });
    expect(await initialized).toMatchObject({ type: 'initialized', dims: 64 });
    const emb = next(b);
    b.send({ v: 1, id: 7, type: 'embed', text: 'over the socket' });
    const res = await emb;
    if (res.type !== 'embedding') throw new Error(JSON.stringify(res));
    expect(res.id).toBe(7);
    const norm = Math.hypot(...res.vector);
    expect(norm).toBeCloseTo(1, 5);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  }, TEST_MS);

  it('http: 503 while loading (slow-start), then /v1/embeddings; nondeterministic and leak are visible', async () => {
    const { child, exited } = spawnMode(['--transport', 'http', '--port', '0', '--model', model], { GAUNTLET_FAULTS: 'slow-start=1500,nondeterministic=3,leak=4096' });
    const ready = await firstLine(child);
    expect(ready).toMatchObject({ ready: true, host: '127.0.0.1' });
    expect(ready.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${ready.port}`;
    expect(await httpHealth(base, { timeoutMs: 1000 })).toBe('loading');
    await expect.poll(() => httpHealth(base, { timeoutMs: 1000 }), { timeout: STARTUP_MS, interval: 200 }).toBe('ok');
    const [x] = await httpEmbed(base, ['same text'], { timeoutMs: 5000 });
    const [y] = await httpEmbed(base, ['same text'], { timeoutMs: 5000 });
    expect(x!.length).toBe(64);
    expect(Buffer.from(x!.buffer).equals(Buffer.from(y!.buffer))).toBe(false);
    expect(Math.max(...x!.map((v, i) => Math.abs(v - y![i]!)))).toBeLessThan(0.01);
    await expect(httpEmbed(base, Array.from({ length: 11 }, () => 'a'), { timeoutMs: 5000 })).rejects.toThrow(/HTTP 400/);
    const rssAnon = () => Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rssAnon();
    for (let i = 0; i < 10; i++) await httpEmbed(base, ['leak me'], { timeoutMs: 5000 });
    expect(rssAnon() - before).toBeGreaterThan(30 * 1024 * 1024);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  }, TEST_MS);

  it('exits within about 1 s when its parent dies (ppid watch, stdin not a pipe)', async () => {
    const sock = path.join(dir, 'orphan.sock');
    const script = path.join(dir, 'parent.mjs');
    fs.writeFileSync(script, `
      import { spawn } from 'node:child_process';
      const c = spawn(process.execPath, ${JSON.stringify([...tsNodeArgs(), MAIN, '--transport', 'uds', '--socket', sock])}, { stdio: ['ignore', 'pipe', 'inherit'] });
      c.stdout.on('data', (d) => process.stdout.write(d));
      setInterval(() => {}, 1000);
    `);
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    pids.push(parent.pid!);
    const ready = await firstLine(parent);
    const pid = ready.pid as number;
    pids.push(pid);
    expect(isAlive(pid)).toBe(true);
    const t0 = performance.now();
    parent.kill('SIGKILL');
    await expect.poll(() => isAlive(pid), { timeout: 3000, interval: 50 }).toBe(false);
    // Target 1 s (100 ms ppid poll); 200 ms of slack for a loaded 2-core machine.
    expect(performance.now() - t0).toBeLessThan(1200);
  }, TEST_MS);
});
