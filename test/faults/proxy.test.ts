import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultProxy, type FaultProxy } from '../../harness/faults/proxy.ts';

/** A real UDS echo server that records what it received, chunk by chunk. */
interface Echo { server: net.Server; path: string; chunks: Buffer[]; ends: number; closes: number }

let dir: string;
let echo: Echo;
let proxy: FaultProxy;
const clients: net.Socket[] = [];

async function startEcho(p: string): Promise<Echo> {
  const e: Echo = { server: net.createServer({ allowHalfOpen: true }), path: p, chunks: [], ends: 0, closes: 0 };
  e.server.on('connection', (s) => {
    s.on('data', (d: Buffer) => { e.chunks.push(d); s.write(d); });
    s.on('end', () => { e.ends++; s.end(); });
    s.on('close', () => e.closes++);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => e.server.listen(p, r));
  return e;
}

async function connect(): Promise<{ sock: net.Socket; received: () => Buffer; ended: Promise<'end' | 'close'> }> {
  const sock = net.createConnection({ path: proxy.address as string, allowHalfOpen: true });
  clients.push(sock);
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  sock.on('error', () => {});
  const ended = new Promise<'end' | 'close'>((r) => { sock.once('end', () => r('end')); sock.once('close', () => r('close')); });
  await new Promise<void>((r, j) => { sock.once('connect', r); sock.once('error', j); });
  return { sock, received: () => Buffer.concat(parts), ended };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-proxy-'));
  echo = await startEcho(path.join(dir, 'embedder.sock'));
  proxy = await createFaultProxy({ listen: path.join(dir, 'proxy.sock'), target: echo.path });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await proxy.close();
  await new Promise((r) => echo.server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('fault proxy (UDS)', () => {
  it('forwards both ways untouched with no toxic', async () => {
    const c = await connect();
    c.sock.write('hello');
    await until(() => c.received().toString() === 'hello');
    expect(proxy.stats()).toMatchObject({ connections: 1, open: 1, bytesUpstream: 5, bytesDownstream: 5 });
  });

  it('latency delays each direction and counts the chunks it delayed', async () => {
    const c = await connect();
    const id = proxy.addToxic({ type: 'latency', ms: 60 });
    const t0 = Date.now();
    c.sock.write('ping');
    await until(() => c.received().length === 4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110); // 60 up + 60 down
    const rec = proxy.removeToxic(id);
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof).toMatchObject({ toxic: 'latency', chunks: 2, bytes: 8 });
  });

  it('slicer splits frames into tiny chunks that arrive separately, bytes intact', async () => {
    const c = await connect();
    const id = proxy.addToxic({ type: 'slicer', maxBytes: 3, delayMs: 5 }, 'upstream');
    const payload = Buffer.from('0123456789abcdef');
    c.sock.write(payload);
    await until(() => c.received().length === payload.length);
    expect(c.received().equals(payload)).toBe(true);
    expect(echo.chunks.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...echo.chunks.map((b) => b.length))).toBeLessThanOrEqual(3);
    const rec = proxy.removeToxic(id);
    expect(rec.proof).toMatchObject({ pieces: 6, chunks: 1 });
  });

  it('garbage injects bytes before the next chunk, once per connection', async () => {
    const c = await connect();
    const id = proxy.addToxic({ type: 'garbage', bytes: Uint8Array.from([0xc1, 0xc1]) }, 'upstream');
    c.sock.write('a');
    await until(() => c.received().length === 3);
    c.sock.write('b');
    await until(() => c.received().length === 4);
    expect([...c.received()]).toEqual([0xc1, 0xc1, 0x61, 0x62]);
    expect(proxy.removeToxic(id).proof).toMatchObject({ injectedBytes: 2, connections: 1 });
  });

  it('reset destroys both sides of live connections', async () => {
    const c = await connect();
    c.sock.write('x');
    await until(() => c.received().length === 1);
    const id = proxy.addToxic({ type: 'reset' });
    await c.ended;
    await until(() => echo.closes === 1);
    const rec = proxy.removeToxic(id);
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof.connections).toBe(1);
    expect(proxy.stats().open).toBe(0);
  });

  it('stall holds bytes until removed, then releases them in order', async () => {
    const c = await connect();
    const id = proxy.addToxic({ type: 'stall' }, 'upstream');
    c.sock.write('one');
    c.sock.write('two');
    await new Promise((r) => setTimeout(r, 150));
    expect(echo.chunks.length).toBe(0);
    const rec = proxy.removeToxic(id);
    expect(rec.proof.heldBytes).toBe(6);
    await until(() => c.received().toString() === 'onetwo');
  });

  it('oversized-length writes a bogus 4-byte prefix to the embedder', async () => {
    await connect();
    const id = proxy.addToxic({ type: 'oversized-length', length: 0xfffffff0, follow: 4 });
    await until(() => Buffer.concat(echo.chunks).length >= 8);
    const got = Buffer.concat(echo.chunks);
    expect(got.readUInt32BE(0)).toBe(0xfffffff0);
    expect(proxy.toxicRecord(id).proof).toMatchObject({ frames: 1, injectedBytes: 8 });
  });

  it('closeSide host/end: the host sees EOF, the embedder side stays open', async () => {
    const c = await connect();
    const rec = await proxy.closeSide('host', 'end');
    expect(rec.tookEffect).toBe(true);
    expect(await c.ended).toBe('end');
    expect(echo.ends).toBe(0);
  });

  it('closeSide embedder/end: the embedder sees EOF (and its reply end reaches the host)', async () => {
    const c = await connect();
    const rec = await proxy.closeSide('embedder', 'end');
    expect(rec.proof).toMatchObject({ side: 'embedder', how: 'end', liveConnections: 1 });
    await until(() => echo.ends === 1);
    expect(await c.ended).toBe('end');
  });

  it('a toxic with no traffic has touched nothing: tookEffect false', () => {
    const id = proxy.addToxic({ type: 'latency', ms: 10 });
    expect(proxy.removeToxic(id).tookEffect).toBe(false);
  });

  it('rejects a bad toxic with a message quoting the value', () => {
    expect(() => proxy.addToxic({ type: 'slicer', maxBytes: 0 })).toThrow(/maxBytes must be >= 1, got 0/);
  });
});

describe('fault proxy (TCP)', () => {
  it('listens on an ephemeral port and forwards', async () => {
    const tcpEcho = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
    const port = (tcpEcho.address() as net.AddressInfo).port;
    const p = await createFaultProxy({ listen: { port: 0 }, target: { port } });
    try {
      const addr = p.address as { port: number };
      expect(addr.port).toBeGreaterThan(0);
      const sock = net.createConnection({ port: addr.port, host: '127.0.0.1' });
      const got = await new Promise<string>((r) => { sock.on('data', (d) => r(d.toString())); sock.write('tcp'); });
      expect(got).toBe('tcp');
      sock.destroy();
    } finally {
      await p.close();
      await new Promise((r) => tcpEcho.close(r));
    }
  });
});
