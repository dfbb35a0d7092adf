/**
 * Unix domain socket (and Windows named pipe) server and client.
 * Server: a stale socket file is unlinked before listen (a live one, or a non-socket file, is refused);
 * the socket is created under umask 0177 and chmod-ed to 0600 before the first connection is accepted.
 * A path starting with \\.\pipe\ or \\?\pipe\ is a Windows named pipe: no file, no mode, no unlink.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { MessageConnection } from '../protocol/connection.ts';
import type { ProtocolLimits } from '../protocol/messages.ts';
import type { Codec } from '../protocol/codec.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { connectStreams } from './stream-connection.ts';

/** Longest sun_path on Linux is 108 bytes including the terminating NUL (104 on macOS). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export function isNamedPipePath(p: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(p);
}

export interface UdsServer {
  readonly path: string;
  readonly server: net.Server;
  /** Stops listening, ends open connections, removes the socket file. */
  close(): Promise<void>;
}

function probeLive(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    const done = (live: boolean) => { clearTimeout(timer); s.destroy(); resolve(live); };
    const timer = setTimeout(() => done(true), timeoutMs); // a listener that does not accept is still someone's
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function removeStale(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) {
    throw new GauntletError('GAUNTLET_USAGE', `refusing to listen on ${socketPath}: a ${st.isDirectory() ? 'directory' : 'file that is not a socket'} is there; choose another path or remove it yourself`);
  }
  if (await probeLive(socketPath, 500)) {
    throw new GauntletError('GAUNTLET_USAGE', `refusing to listen on ${socketPath}: another process is listening on it`);
  }
  fs.unlinkSync(socketPath);
}

/** Listens on a Unix socket path or Windows named pipe; onConnection gets each accepted socket. */
export async function listenUds(socketPath: string, onConnection: (socket: net.Socket) => void): Promise<UdsServer> {
  const pipe = isNamedPipePath(socketPath);
  if (!pipe) {
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new GauntletError('GAUNTLET_USAGE', `socket path is ${Buffer.byteLength(socketPath)} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit of this OS: ${socketPath}; use a shorter path (e.g. under /tmp)`);
    }
    await removeStale(socketPath);
  }
  const sockets = new Set<net.Socket>();
  let ready = pipe; // named pipes have no mode to fix
  const server = net.createServer((socket) => {
    if (!ready) { socket.destroy(); return; }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new GauntletError('GAUNTLET_USAGE', `cannot listen on ${socketPath}: ${toError(e).message}`, { cause: e })));
    let previous: number | undefined;
    try { if (!pipe) previous = process.umask(0o177); } catch { /* worker threads cannot set umask: chmod below covers it */ }
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
  if (!pipe) {
    fs.chmodSync(socketPath, 0o600);
    ready = true;
  }
  return {
    path: socketPath,
    server,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Connects to a Unix socket / named pipe and speaks `codec` over it. Rejects with GAUNTLET_TIMEOUT after timeoutMs. */
export function connectUds(
  socketPath: string,
  codec: Codec,
  limits: ProtocolLimits,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<MessageConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const fail = (e: Error) => { clearTimeout(timer); options.signal?.removeEventListener('abort', onAbort); socket.destroy(); reject(e); };
    const onAbort = () => fail(new GauntletError('GAUNTLET_CLOSED', `connecting to ${socketPath} aborted`, { cause: options.signal?.reason }));
    const timer = setTimeout(() => fail(new GauntletError('GAUNTLET_TIMEOUT', `no connection to ${socketPath} within ${options.timeoutMs} ms`)), options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (e) => fail(new GauntletError('GAUNTLET_CLOSED', `cannot connect to ${socketPath}: ${e.message}`, { cause: e })));
    socket.once('connect', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(connectStreams(socket, socket, codec, limits));
    });
  });
}
