/**
 * Starts an echo peer (harness/bench/echo-peer.ts) as a separate process and talks to it over one transport and
 * codec: ping round trips, payload transfers acked by the peer, and pipelined pings. Every wait has a deadline;
 * close() ends the peer (stdin end, then SIGKILL) and waits for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { getCodec } from '../protocol/codec.ts';
import type { MessageConnection } from '../protocol/connection.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, type Message } from '../protocol/messages.ts';
import { connectStreams } from '../transport/stream-connection.ts';
import { connectUds } from '../transport/uds.ts';
import { httpEmbed, httpHealth } from '../transport/http-client.ts';
import { connectShm } from '../transport/shm-connection.ts';
import { GauntletError } from '../util/errors.ts';
import { nodeEntryArgs } from '../util/bundle.ts';
import { withDeadline } from '../util/deadline.ts';
import type { PeerTransport } from './types.ts';

export type PeerWireCodec = 'msgpack' | 'ndjson' | 'raw';

export interface PeerOptions {
  transport: PeerTransport;
  /** Ignored for http (JSON bodies). */
  codec: PeerWireCodec;
  /** Raised on both ends for transfers (the protocol default is 64 KiB). */
  maxFrameBytes?: number;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Passed to the echo peer's --fault (uds only): makes it drop or misanswer some connections, for tests. */
  fault?: string;
  /** shm: bytes of each ring of the peer's region (a power of two; room for the largest payload). */
  ringBytes?: number;
}

export interface Peer {
  readonly label: string;
  readonly pid: number;
  /** The peer's socket path (uds links). */
  readonly socket?: string;
  ping(): Promise<void>;
  /** Payload forms this link sends: msgpack both, NDJSON and HTTP `text` (NDJSON has no binary form), raw `binary`. */
  readonly forms: ReadonlyArray<'text' | 'binary'>;
  /** Sends the payload (as an `embed` text, or as an `embedding`'s Float32 bytes, or plain bytes for raw) and waits for the ack. */
  transfer(payload: Payload, form?: 'text' | 'binary'): Promise<void>;
  /** Sends `count` pings keeping `window` in flight; resolves with messages per second. */
  pipeline(count: number, window: number): Promise<number>;
  close(): Promise<void>;
}

/** A payload prepared once, in the forms the codecs send. */
export interface Payload { bytes: number; text: string; buffer: Buffer; floats: Float32Array }

export function makePayload(bytes: number): Payload {
  const buffer = Buffer.alloc(bytes, 'abcdefghijklmnopqrstuvwxyz0123456789 ');
  // The same bytes seen as Float32 values (a whole number of them; Buffer.alloc is not pooled, so aligned).
  const floats = new Float32Array(buffer.buffer, buffer.byteOffset, Math.floor(bytes / 4));
  return { bytes, text: buffer.toString('latin1'), buffer, floats };
}

function tail(lines: string[]): string {
  return lines.join('').slice(-600).trim();
}

function readyLine(child: ChildProcess, timeoutMs: number, stderr: string[]): Promise<Record<string, unknown>> {
  return withDeadline(new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.stdout!.off('data', onData);
      try { resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>); } catch (e) { reject(e); }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `echo peer exited (${signal ?? code}) before it was ready; stderr: ${tail(stderr)}`)));
  }), timeoutMs, 'echo peer ready line');
}

/** Request/answer matching by id, with one watchdog instead of a timer per request. */
class Pending {
  private readonly table = new Map<number, { resolve: () => void; reject: (e: Error) => void; at: number }>();
  private nextId = 1;
  private readonly watchdog: NodeJS.Timeout;
  constructor(timeoutMs: number, what: string) {
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const [id, p] of this.table) {
        if (now - p.at > timeoutMs) { this.table.delete(id); p.reject(new GauntletError('GAUNTLET_TIMEOUT', `${what}: no answer to request ${id} within ${timeoutMs} ms`)); }
      }
    }, Math.min(1000, timeoutMs));
    this.watchdog.unref();
  }
  add(): { id: number; done: Promise<void> } {
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.table.set(id, { resolve, reject, at: performance.now() }));
    return { id, done };
  }
  /** Forgets a request whose send failed (its promise is never settled, nobody awaits it). */
  drop(id: number): void {
    this.table.delete(id);
  }
  settle(id: number): void {
    const p = this.table.get(id);
    if (p) { this.table.delete(id); p.resolve(); }
  }
  failAll(e: Error): void {
    for (const p of this.table.values()) p.reject(e);
    this.table.clear();
  }
  stop(): void { clearInterval(this.watchdog); }
}

/** Ordered acks: the peer answers raw frames in order with 4 bytes each. */
class RawLink {
  private readonly waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private partial = 0;
  private readonly header = Buffer.alloc(4);
  constructor(readable: Readable, private readonly writable: Writable) {
    readable.on('data', (c: Buffer) => {
      let n = this.partial + c.length;
      while (n >= 4) { n -= 4; this.waiters.shift()?.resolve(); }
      this.partial = n;
    });
  }
  send(payload: Buffer): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    const header = payload.length === 0 ? this.header : Buffer.allocUnsafe(4);
    header.writeUInt32BE(payload.length, 0);
    this.writable.write(header);
    if (payload.length) this.writable.write(payload);
    return done;
  }
  failAll(e: Error): void { for (const w of this.waiters.splice(0)) w.reject(e); }
}

const PING_FRAME = Buffer.alloc(0);

export async function startPeer(opts: PeerOptions): Promise<Peer> {
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes;
  const limits = { ...DEFAULT_LIMITS, maxFrameBytes };
  const codec = opts.transport === 'http' ? 'json-http' : opts.codec;
  const label = `${opts.transport}/${codec}`;
  const socket = opts.transport === 'uds' || opts.transport === 'shm' ? path.join(os.tmpdir(), `gb-${process.pid}-${randomBytes(3).toString('hex')}.sock`) : undefined;
  const args = [...nodeEntryArgs('harness/bench/echo-peer.ts'), '--transport', opts.transport,
    '--codec', opts.codec, '--max-frame-bytes', String(maxFrameBytes), ...(socket ? ['--socket', socket] : []),
    ...(opts.fault ? ['--fault', opts.fault] : []), ...(opts.ringBytes ? ['--ring-bytes', String(opts.ringBytes)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => { stderr.push(c.toString('utf8')); if (stderr.length > 20) stderr.shift(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.on('error', () => {});
  if (child.pid === undefined) throw new GauntletError('GAUNTLET_INTERNAL', `could not spawn the echo peer: ${process.execPath} ${args.join(' ')}`);
  const pid = child.pid;

  const kill = async () => {
    child.stdin!.end();
    await withDeadline(exited, 2000, 'echo peer exit').catch(async () => {
      child.kill('SIGKILL');
      await withDeadline(exited, 2000, 'echo peer exit after SIGKILL').catch(() => {});
    });
  };

  try {
    const ready = opts.transport === 'stdio' ? undefined : await readyLine(child, startTimeoutMs, stderr);
    let peer: Peer;
    if (opts.transport === 'http') peer = httpPeer(label, pid, `http://127.0.0.1:${Number(ready!.port)}`, requestTimeoutMs, kill);
    else if (opts.transport === 'shm') {
      const conn = await connectShm(socket!, limits, { timeoutMs: startTimeoutMs });
      if (!conn.shm.active) {
        conn.close();
        throw new GauntletError('GAUNTLET_PROTOCOL', `the shm echo peer's region was not mapped (payloads would go inline); stderr: ${tail(stderr)}`);
      }
      peer = messagePeer(label, pid, conn, requestTimeoutMs, async () => { conn.close(); await kill(); }, ['binary']);
    }
    else if (opts.codec === 'raw') {
      const [readable, writable] = opts.transport === 'stdio'
        ? [child.stdout!, child.stdin!] as const
        : await connectRawUds(socket!, startTimeoutMs);
      peer = rawPeer(label, pid, new RawLink(readable, writable), async () => { (writable as net.Socket).destroy?.(); await kill(); });
    } else {
      const conn = opts.transport === 'stdio'
        ? connectStreams(child.stdout!, child.stdin!, getCodec(opts.codec), limits)
        : await connectUds(socket!, getCodec(opts.codec), limits, { timeoutMs: startTimeoutMs });
      peer = messagePeer(label, pid, conn, requestTimeoutMs, async () => { conn.close(); await kill(); }, opts.codec === 'msgpack' ? ['text', 'binary'] : ['text']);
    }
    if (socket) Object.assign(peer, { socket });
    // stdio has no ready line: the first answered ping is the proof of life.
    await withDeadline(peer.ping(), startTimeoutMs, `first ping to the ${label} echo peer`).catch((e: Error) => {
      throw new GauntletError('GAUNTLET_TIMEOUT', `${e.message}; stderr: ${tail(stderr)}`, { cause: e });
    });
    return peer;
  } catch (e) {
    await kill();
    throw e;
  }
}

function connectRawUds(socketPath: string, timeoutMs: number): Promise<[net.Socket, net.Socket]> {
  return withDeadline(new Promise((resolve, reject) => {
    const s = net.createConnection(socketPath);
    s.once('connect', () => { s.setNoDelay?.(true); s.off('error', reject); resolve([s, s]); });
    s.once('error', reject);
  }), timeoutMs, `raw connection to ${socketPath}`);
}

function messagePeer(label: string, pid: number, conn: MessageConnection, timeoutMs: number, close: () => Promise<void>, forms: Peer['forms']): Peer {
  const pending = new Pending(timeoutMs, `echo peer ${label}`);
  conn.onMessage((m: Message) => pending.settle(m.id));
  conn.onClose(({ error }) => pending.failAll(new GauntletError('GAUNTLET_CLOSED', `echo peer ${label} closed${error ? `: ${error.message}` : ''}`)));
  const request = (body: { type: 'ping' } | { type: 'embed'; text: string } | { type: 'embedding'; vector: Float32Array }): Promise<void> => {
    const { id, done } = pending.add();
    try {
      conn.send({ v: PROTOCOL_VERSION, id, ...body });
    } catch (e) {
      pending.drop(id);
      return Promise.reject(e);
    }
    return done;
  };
  const ping = () => request({ type: 'ping' });
  return {
    label, pid, ping, forms,
    transfer: (payload, form = 'text') => request(form === 'text' ? { type: 'embed', text: payload.text } : { type: 'embedding', vector: payload.floats }),
    pipeline: (count, window) => pipelined(ping, count, window),
    async close() { pending.stop(); await close(); },
  };
}

function rawPeer(label: string, pid: number, link: RawLink, close: () => Promise<void>): Peer {
  const ping = () => link.send(PING_FRAME);
  return {
    label, pid, ping, forms: ['binary'],
    transfer: (payload) => link.send(payload.buffer),
    pipeline: (count, window) => pipelined(ping, count, window),
    async close() { link.failAll(new GauntletError('GAUNTLET_CLOSED', `raw peer ${label} closed`)); await close(); },
  };
}

function httpPeer(label: string, pid: number, baseUrl: string, timeoutMs: number, close: () => Promise<void>): Peer {
  const ping = async () => { await httpHealth(baseUrl, { timeoutMs }); };
  return {
    label, pid, ping, forms: ['text'],
    async transfer(payload) { await httpEmbed(baseUrl, [payload.text], { timeoutMs }); },
    pipeline: (count, window) => pipelined(ping, count, window),
    close,
  };
}

/** Keeps `window` requests in flight until `count` are answered; messages per second. */
export async function pipelined(send: () => Promise<void>, count: number, window: number): Promise<number> {
  const t0 = performance.now();
  let started = 0;
  const worker = async () => { while (started < count) { started++; await send(); } };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return count / ((performance.now() - t0) / 1000);
}
