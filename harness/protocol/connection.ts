import type { Message, ErrorCode } from './messages.ts';

/** A frame-level problem found while decoding a byte stream. `fatal` means the stream cannot be resynchronised. */
export interface ProtocolFault {
  code: Extract<ErrorCode, 'bad-frame' | 'bad-utf8' | 'bad-request'>;
  message: string;
  fatal: boolean;
  /** The request id, when the frame was readable far enough to find one (answer the error to it). */
  id?: number;
}

/**
 * Byte counters of one side of a connection: what it read and wrote, and the most it held in buffers at once.
 * Sizes are wire sizes (msgpack: the 4-byte length prefix included; ndjson: the newline included).
 */
export interface ConnectionStats {
  /**
   * High-water mark of the bytes this side held at one moment: the frame reader's accumulation buffer (the bytes
   * of an incomplete frame plus the chunk being decoded) plus the bytes still queued in the writable stream after
   * a write (writable.writableLength).
   */
  bufferBytesMax: number;
  /** High-water mark of the read side alone. */
  readBufferedMax: number;
  /** High-water mark of the write queue alone. */
  writeQueuedMax: number;
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Wire size of the largest frame received. */
  frameInMax: number;
  /** The last single-vector `embedding` frame received: its wire size and the vector's dimensions. */
  lastEmbedding?: { bytes: number; dims: number };
  /** The last `embeddings` frame received: its wire size, vector count and the first vector's dimensions. */
  lastEmbeddings?: { bytes: number; count: number; dims: number };
}

/**
 * One message stream over any transport (stdio, Unix socket / named pipe, ...) and codec.
 * Implementations live in harness/transport/; both the embedder and the host side use this shape.
 */
export interface MessageConnection {
  send(message: Message): void;
  onMessage(listener: (message: Message) => void): void;
  onFault(listener: (fault: ProtocolFault) => void): void;
  onClose(listener: (info: { error?: Error }) => void): void;
  /** Ends the stream gracefully (pending writes are flushed). */
  close(): void;
  readonly closed: boolean;
  /** Byte counters since the connection was made (connections over harness/transport's connectStreams have them). */
  stats?(): ConnectionStats;
}

/** Folds b into a: maxima stay maxima, counts add up, the `last*` frames come from b when it has them. */
export function mergeConnectionStats(a: ConnectionStats, b: ConnectionStats): ConnectionStats {
  const lastEmbedding = b.lastEmbedding ?? a.lastEmbedding;
  const lastEmbeddings = b.lastEmbeddings ?? a.lastEmbeddings;
  return {
    bufferBytesMax: Math.max(a.bufferBytesMax, b.bufferBytesMax),
    readBufferedMax: Math.max(a.readBufferedMax, b.readBufferedMax),
    writeQueuedMax: Math.max(a.writeQueuedMax, b.writeQueuedMax),
    framesIn: a.framesIn + b.framesIn,
    bytesIn: a.bytesIn + b.bytesIn,
    framesOut: a.framesOut + b.framesOut,
    bytesOut: a.bytesOut + b.bytesOut,
    frameInMax: Math.max(a.frameInMax, b.frameInMax),
    ...(lastEmbedding ? { lastEmbedding: { ...lastEmbedding } } : {}),
    ...(lastEmbeddings ? { lastEmbeddings: { ...lastEmbeddings } } : {}),
  };
}

export function emptyConnectionStats(): ConnectionStats {
  return { bufferBytesMax: 0, readBufferedMax: 0, writeQueuedMax: 0, framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, frameInMax: 0 };
}
