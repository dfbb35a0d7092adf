/**
 * The supervisor's side of the wire to one embedder: a MessageConnection plus raw access to the byte stream
 * (tests of pipe-disconnect write garbage frames or half-close it).
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { MessageConnection } from '../protocol/connection.ts';
import type { CodecName, ProtocolLimits } from '../protocol/messages.ts';
import { GauntletError, timeoutError } from '../util/errors.ts';
import type { EmbedderProcess } from './embedder-process.ts';

/** Builds a MessageConnection over a byte stream pair (harness/transport's connectStreams has this shape). */
export type StreamConnector = (readable: Readable, writable: Writable, codec: CodecName, limits: ProtocolLimits) => MessageConnection;

export interface EmbedderLink {
  readonly connection: MessageConnection;
  /** Writes bytes as they are, bypassing the codec; false when the stream is gone or full. */
  writeRaw(bytes: Uint8Array): boolean;
  /** Half-closes our sending side (stdin EOF / socket FIN); the embedder's answers still arrive. */
  closeInput(): void;
  /** Tears the stream down without waiting. */
  destroy(): void;
}

export function linkStdio(proc: EmbedderProcess, connector: StreamConnector, codec: CodecName, limits: ProtocolLimits): EmbedderLink {
  const connection = connector(proc.stdout, proc.stdin, codec, limits);
  return {
    connection,
    writeRaw: (bytes) => (proc.stdin.writable ? proc.stdin.write(bytes) : false),
    closeInput: () => {
      if (proc.stdin.writable) proc.stdin.end();
    },
    destroy: () => {
      proc.stdin.destroy();
      proc.stdout.destroy();
    },
  };
}

/** Connects to the embedder's socket, retrying refused/missing paths until the deadline. */
export async function linkUds(
  socketPath: string,
  connector: StreamConnector,
  codec: CodecName,
  limits: ProtocolLimits,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<EmbedderLink> {
  const deadline = performance.now() + timeoutMs;
  let lastError: Error | undefined;
  while (performance.now() < deadline) {
    if (signal?.aborted) throw new GauntletError('GAUNTLET_CLOSED', `stopped while connecting to ${socketPath}`);
    try {
      const socket = await connectOnce(socketPath, Math.max(1, deadline - performance.now()));
      socket.on('error', () => {}); // surfaced through the connection's close
      const connection = connector(socket, socket, codec, limits);
      return {
        connection,
        writeRaw: (bytes) => (socket.writable ? socket.write(bytes) : false),
        closeInput: () => {
          if (socket.writable) socket.end();
        },
        destroy: () => socket.destroy(),
      };
    } catch (e) {
      lastError = e as Error;
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (lastError && (lastError as NodeJS.ErrnoException).code !== 'ENOENT' && (lastError as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
    throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `could not connect to the embedder socket ${socketPath}: ${lastError.message}`, {
      cause: lastError,
    });
  }
  throw timeoutError(`connecting to the embedder socket ${socketPath}${lastError ? ` (${lastError.message})` : ''}`, timeoutMs);
}

function connectOnce(socketPath: string, ms: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(timeoutError(`connecting to ${socketPath}`, ms));
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
  });
}
