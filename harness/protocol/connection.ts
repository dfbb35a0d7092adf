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
}
