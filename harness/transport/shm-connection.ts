/**
 * Both ends of an shm link (seed 004's design): control messages over the Unix socket with the msgpack framing,
 * payloads in a /dev/shm region.
 *   server side (the embedder, the region's owner): shmServerConnection(socket) creates a region per accepted
 *     connection, announces it as the first frame, unlinks it when the connection ends.
 *   client side (the host): shmClientConnection(readable, writable) maps the announced region, answers
 *     `shm-attached`, and unlinks the region when the connection ends (its owner died, or was stopped): a dead
 *     embedder's region never outlives the supervisor's link to it.
 *   A region found broken (bad header, cut short) by either side fails the request that found it with a typed
 *   error and ends the link; the supervisor then starts a fresh embedder with a fresh region. Regions whose owner and peer both died are
 *     removed by the sweep each side runs once per process, before its first region.
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { MessageConnection, ProtocolFault } from '../protocol/connection.ts';
import type { ProtocolLimits } from '../protocol/messages.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { frame, shmCodec, type ShmLinkState } from './shm-codec.ts';
import { loadShmNative } from './shm-native.ts';
import { ShmRegion, sweepStaleRegions } from './shm-region.ts';
import { connectStreams } from './stream-connection.ts';

/** Each ring of a region the reference embedder creates: 1 MiB (vectors are small; a 10 MB bench payload needs 16 MiB). */
export const DEFAULT_RING_BYTES = 1 << 20;

let swept = false;
/** Removes regions of dead owners, once per process. Returns what it removed. */
export function sweepOnce(): string[] {
  if (swept) return [];
  swept = true;
  return sweepStaleRegions();
}

export type ShmConnection = MessageConnection & { readonly shm: ShmLinkState };

export interface ShmServerOptions {
  ringBytes?: number;
  log?: (line: string) => void;
  /** How received payloads are taken (the bench's echo peer only verifies them). */
  consume?: 'copy' | 'verify';
  /** Fault injection: see ShmLinkState.tearNext. */
  tearNext?: () => number | undefined;
}

/** The owner side over one accepted socket. Without the addon it still serves, every payload inline, and says why. */
export function shmServerConnection(socket: net.Socket, limits: ProtocolLimits, opts: ShmServerOptions = {}): ShmConnection {
  const log = opts.log ?? (() => {});
  const support = loadShmNative();
  const state: ShmLinkState = {
    active: false,
    inline: 0,
    ...(opts.consume ? { consume: opts.consume } : {}),
    ...(opts.tearNext ? { tearNext: opts.tearNext } : {}),
    onControl(m) {
      if (m.type !== 'shm-attached') return undefined;
      state.active = m.ok === true && state.region !== undefined;
      if (!state.active) log(`shm: the peer did not map ${state.region?.file ?? 'the region'} (${String(m.reason ?? 'no reason given')}); payloads go inline`);
      return undefined;
    },
  };
  let reason: string | undefined;
  if (support.ok) {
    sweepOnce();
    try {
      state.region = ShmRegion.create(support.native, { ringBytes: opts.ringBytes ?? DEFAULT_RING_BYTES });
    } catch (e) {
      reason = `could not create a region under /dev/shm: ${toError(e).message}`;
    }
  } else {
    reason = support.reason;
  }
  if (reason) log(`shm: ${reason}; payloads go inline`);
  const conn = connectStreams(socket, socket, shmCodec(state, limits), limits);
  // A region that cannot be written any more: this answer goes out as an error (serve-stream does that with what
  // send throws), then the connection ends, and the supervisor starts a fresh embedder with a fresh region.
  state.onWriteFailure = (error) => {
    state.active = false;
    log(`shm: ${error.message}; closing the connection`);
    setImmediate(() => conn.close());
  };
  const r = state.region;
  socket.write(frame(r
    ? { v: 1, id: 0, type: 'shm-region', path: r.file, totalBytes: r.totalBytes, ringBytes: r.ringBytes }
    : { v: 1, id: 0, type: 'shm-region', path: '', reason }));
  conn.onClose(() => state.region?.close({ unlink: true }));
  return Object.assign(conn, { shm: state });
}

/** The peer side over a byte stream pair (the supervisor's StreamConnector shape: codec is msgpack). */
export function shmClientConnection(readable: Readable, writable: Writable, limits: ProtocolLimits, onSettled?: () => void): ShmConnection {
  const support = loadShmNative();
  if (support.ok) sweepOnce();
  const ack = (ok: boolean, reason?: string) => {
    if (writable.writable) writable.write(frame({ v: 1, id: 0, type: 'shm-attached', ok, ...(reason ? { reason } : {}) }));
  };
  const state: ShmLinkState = {
    active: false,
    inline: 0,
    onControl(m): ProtocolFault | undefined {
      if (m.type !== 'shm-region' || state.region) return undefined;
      queueMicrotask(() => onSettled?.());
      if (typeof m.path !== 'string' || m.path === '') {
        ack(false, 'no region announced');
        return { code: 'bad-frame', fatal: false, message: `shared memory: the embedder has no region (${String(m.reason ?? 'no reason given')}); payloads go inline` };
      }
      if (!support.ok) { ack(false, support.reason); return { code: 'bad-frame', fatal: false, message: `${support.reason}; payloads go inline` }; }
      try {
        const totalBytes = Number(m.totalBytes);
        const ringBytes = Number(m.ringBytes);
        state.region = ShmRegion.attach(support.native, m.path, { totalBytes, ringBytes });
        state.active = true;
        ack(true);
        return undefined;
      } catch (e) {
        const message = toError(e).message;
        ack(false, message);
        return { code: 'bad-frame', fatal: false, message: `${message}; payloads go inline` };
      }
    },
  };
  const conn = connectStreams(readable, writable, shmCodec(state, limits), limits);
  // The request whose text found the region broken fails with that error; then the link ends (the supervisor starts
  // a fresh embedder, which makes a fresh region), as it does when the embedder finds it broken.
  state.onWriteFailure = () => {
    state.active = false;
    setImmediate(() => conn.close());
  };
  conn.onClose(() => state.region?.close({ unlink: true }));
  return Object.assign(conn, { shm: state });
}

/** Connects to an shm server's socket; resolves once the region is mapped (or known to be unavailable). */
export function connectShm(socketPath: string, limits: ProtocolLimits, opts: { timeoutMs: number }): Promise<ShmConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const timer = setTimeout(() => { socket.destroy(); reject(new GauntletError('GAUNTLET_TIMEOUT', `no shm handshake with ${socketPath} within ${opts.timeoutMs} ms`)); }, opts.timeoutMs);
    socket.once('error', (e) => { clearTimeout(timer); reject(new GauntletError('GAUNTLET_CLOSED', `cannot connect to ${socketPath}: ${e.message}`, { cause: e })); });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.setNoDelay?.(true);
      const done = () => { clearTimeout(timer); resolve(conn); };
      const conn = shmClientConnection(socket, socket, limits, done);
      conn.onClose(() => done());
    });
  });
}
