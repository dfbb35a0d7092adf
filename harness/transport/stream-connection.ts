/**
 * connectStreams: a MessageConnection over any pair of Node streams (stdio, a socket used both ways).
 * `closed` turns true when the read side ends (peer closed or half-closed) or close() is called; send() keeps
 * working on a half-open stream as long as the write side is open (an embedder answers in-flight requests
 * after its stdin ends). Faults are reported to onFault listeners first; after a fatal fault the connection closes itself
 * (listeners may still send() an error frame from inside the callback: it is flushed before the end).
 */
import type { Readable, Writable } from 'node:stream';
import type { Message, ProtocolLimits } from '../protocol/messages.ts';
import { emptyConnectionStats, type MessageConnection, type ProtocolFault } from '../protocol/connection.ts';
import type { Codec } from '../protocol/codec.ts';
import { GauntletError, toError } from '../util/errors.ts';

type CloseInfo = { error?: Error };

export interface StreamConnectionOptions {
  /** Throw from send() when an encoded frame is over limits.maxFrameBytes (default true): the peer would refuse it. */
  checkOutgoingSize?: boolean;
}

export function connectStreams(
  readable: Readable,
  writable: Writable,
  codec: Codec,
  limits: ProtocolLimits,
  options: StreamConnectionOptions = {},
): MessageConnection {
  const decoder = codec.createDecoder(limits);
  const messageListeners: Array<(m: Message) => void> = [];
  const faultListeners: Array<(f: ProtocolFault) => void> = [];
  const closeListeners: Array<(info: CloseInfo) => void> = [];
  const checkSize = options.checkOutgoingSize ?? true;
  /** Read side finished (or close() called): no more messages will arrive. */
  let closed = false;
  let endedByUs = false;
  let closeInfo: CloseInfo | undefined;
  const stats = emptyConnectionStats();
  /** Records the bytes held right now: `read` on the read side, plus what the writable still queues. */
  const held = (read: number): void => {
    const queued = writable.writableLength ?? 0;
    if (read > stats.readBufferedMax) stats.readBufferedMax = read;
    if (queued > stats.writeQueuedMax) stats.writeQueuedMax = queued;
    if (read + queued > stats.bufferBytesMax) stats.bufferBytesMax = read + queued;
  };

  const finish = (info: CloseInfo): void => {
    if (closeInfo) return;
    closed = true;
    closeInfo = info;
    readable.off('data', onData);
    for (const l of closeListeners.splice(0)) l(info);
  };

  const onData = (chunk: Buffer | string): void => {
    if (closed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // The reader holds the incomplete frame so far plus this chunk until the decoder has taken its frames out.
    held(decoder.buffered + bytes.length);
    const results = decoder.push(bytes);
    for (const r of results) {
      if ('message' in r) {
        countIn(r.message, r.bytes);
        for (const l of messageListeners) l(r.message);
      } else {
        for (const l of faultListeners) l(r.fault);
        if (r.fault.fatal) {
          conn.close();
          finish({ error: new GauntletError('GAUNTLET_PROTOCOL', `fatal protocol fault: ${r.fault.message}`) });
          return;
        }
      }
      if (closed) return;
    }
  };

  const countIn = (m: Message, bytes: number | undefined): void => {
    stats.framesIn++;
    if (bytes === undefined) return;
    stats.bytesIn += bytes;
    if (bytes > stats.frameInMax) stats.frameInMax = bytes;
    if (m.type === 'embedding') stats.lastEmbedding = { bytes, dims: m.vector.length };
    else if (m.type === 'embeddings') stats.lastEmbeddings = { bytes, count: m.vectors.length, dims: m.vectors[0]?.length ?? 0 };
  };

  readable.on('data', onData);
  readable.once('end', () => finish({}));
  readable.once('close', () => finish({}));
  readable.on('error', (e) => finish({ error: toError(e) }));
  writable.on('error', (e) => finish({ error: toError(e) }));
  if (writable !== (readable as unknown)) writable.once('close', () => finish({}));

  const conn: MessageConnection = {
    send(message) {
      if (endedByUs || writable.writableEnded || writable.destroyed) {
        throw new GauntletError('GAUNTLET_CLOSED', `cannot send "${message.type}" (id ${message.id}): the connection is closed`);
      }
      const frame = codec.encode(message);
      const payload = codec.name === 'msgpack' ? frame.length - 4 : frame.length - 1;
      if (checkSize && payload > limits.maxFrameBytes) {
        throw new GauntletError(
          'GAUNTLET_PROTOCOL',
          `"${message.type}" frame of ${payload} bytes is over the ${limits.maxFrameBytes}-byte frame limit; raise maxFrameBytes on both peers`,
          { details: { payload, maxFrameBytes: limits.maxFrameBytes } },
        );
      }
      writable.write(frame);
      stats.framesOut++;
      stats.bytesOut += frame.length;
      held(decoder.buffered);
    },
    onMessage(listener) { messageListeners.push(listener); },
    onFault(listener) { faultListeners.push(listener); },
    onClose(listener) {
      if (closeInfo) queueMicrotask(() => listener(closeInfo!));
      else closeListeners.push(listener);
    },
    close() {
      if (endedByUs) return;
      endedByUs = true;
      closed = true;
      readable.off('data', onData);
      writable.end(() => finish({}));
      // A socket used both ways: end() half-closes; destroy the read side so 'close' fires.
      if (writable === (readable as unknown)) setImmediate(() => (readable as Readable).resume());
      else readable.pause();
    },
    get closed() { return closed; },
    stats() {
      return { ...stats, ...(stats.lastEmbedding ? { lastEmbedding: { ...stats.lastEmbedding } } : {}), ...(stats.lastEmbeddings ? { lastEmbeddings: { ...stats.lastEmbeddings } } : {}) };
    },
  };
  return conn;
}
