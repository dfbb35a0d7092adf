import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getCodec } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS, type Message } from '../../harness/protocol/messages.ts';
import { connectStreams } from '../../harness/transport/stream-connection.ts';
import { connectUds, isNamedPipePath, listenUds, type UdsServer } from '../../harness/transport/uds.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanup.splice(0)) await c(); });

function tmpSocket(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g-uds-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 's.sock');
}

async function echoServer(p: string, codecName: 'msgpack' | 'ndjson' = 'msgpack'): Promise<UdsServer> {
  const server = await listenUds(p, (socket) => {
    const conn = connectStreams(socket, socket, getCodec(codecName), DEFAULT_LIMITS);
    conn.onMessage((m) => conn.send({ v: 1, id: m.id, type: 'pong' }));
    conn.onFault((f) => conn.send({ v: 1, id: f.id ?? 0, type: 'error', code: f.code, message: f.message, retryable: false }));
  });
  cleanup.push(() => server.close());
  return server;
}

describe('Unix domain socket transport', () => {
  it('creates the socket with mode 0600 and carries messages both ways', async () => {
    const p = tmpSocket();
    await echoServer(p);
    const st = fs.statSync(p);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    const conn = await connectUds(p, getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs: 2000 });
    cleanup.push(() => conn.close());
    const got = new Promise<Message>((r) => conn.onMessage(r));
    conn.send({ v: 1, id: 41, type: 'ping' });
    expect(await got).toEqual({ v: 1, id: 41, type: 'pong' });
  });

  it('unlinks a stale socket file before listening', async () => {
    const p = tmpSocket();
    // A socket file nobody listens on: bind, then drop the handle without unlinking.
    const stale = net.createServer();
    await new Promise<void>((r) => stale.listen(p, r));
    // Closing a Node server unlinks its socket; copy the inode out of its way first with a hard link.
    fs.linkSync(p, `${p}.keep`);
    await new Promise<void>((r) => stale.close(() => r()));
    fs.renameSync(`${p}.keep`, p);
    expect(fs.lstatSync(p).isSocket()).toBe(true);
    await echoServer(p);
    const conn = await connectUds(p, getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs: 2000 });
    cleanup.push(() => conn.close());
    expect(conn.closed).toBe(false);
  });

  it('refuses to unlink a regular file or steal a live socket', async () => {
    const p = tmpSocket();
    fs.writeFileSync(p, 'precious');
    await expect(listenUds(p, () => {})).rejects.toThrow(/not a socket/);
    expect(fs.readFileSync(p, 'utf8')).toBe('precious');
    const live = tmpSocket();
    await echoServer(live);
    await expect(listenUds(live, () => {})).rejects.toThrow(/another process is listening/);
  });

  it('refuses an over-long path with a clear message', async () => {
    await expect(listenUds(`/tmp/${'x'.repeat(200)}.sock`, () => {})).rejects.toThrow(/over the 10\d-byte limit/);
  });

  it('connectUds times out or fails clearly', async () => {
    await expect(connectUds(path.join(os.tmpdir(), 'no-such-gauntlet.sock'), getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs: 500 }))
      .rejects.toThrow(/cannot connect/);
  });

  it('a fatal fault closes the stream after the error frame is written', async () => {
    const p = tmpSocket();
    await echoServer(p);
    const raw = net.createConnection(p);
    cleanup.push(() => raw.destroy());
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((r) => raw.once('end', () => r()));
    raw.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await closed;
    const msgs = getCodec('msgpack').createDecoder(DEFAULT_LIMITS).push(Buffer.concat(chunks));
    expect(msgs).toMatchObject([{ message: { id: 0, type: 'error', code: 'bad-frame' } }]);
  });

  it('recognises Windows named-pipe paths', () => {
    expect(isNamedPipePath('\\\\.\\pipe\\gauntlet-1')).toBe(true);
    expect(isNamedPipePath('\\\\?\\pipe\\x')).toBe(true);
    expect(isNamedPipePath('/tmp/x.sock')).toBe(false);
  });
});
