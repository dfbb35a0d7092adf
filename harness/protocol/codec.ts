/**
 * Codecs: how messages become bytes and back (docs/protocol.md, "Framing").
 *   msgpack: a 4-byte big-endian payload length, then one MessagePack map; vectors as Float32 LE `bin`.
 *   ndjson:  one JSON object per line; vectors as number arrays (non-finite values as null).
 */
import type { CodecName, Message, ProtocolLimits } from './messages.ts';
import type { ProtocolFault } from './connection.ts';
import { msgpackCodec } from './codec-msgpack.ts';
import { ndjsonCodec } from './codec-ndjson.ts';

/** A decoded message comes with `bytes`, its size on the wire (msgpack: length prefix included; ndjson: newline included). */
export type DecodeResult = { message: Message; bytes?: number } | { fault: ProtocolFault };

/** A streaming decoder for one byte stream. Feed it chunks as they arrive, in order. */
export interface FrameDecoder {
  /** Returns what the bytes so far completed, in stream order. After a fatal fault, later input is ignored. */
  push(chunk: Buffer): DecodeResult[];
  /** Bytes held for an incomplete frame (for tests and diagnostics). */
  readonly buffered: number;
}

export interface Codec {
  readonly name: CodecName;
  /** One whole frame, ready to write (msgpack: with its length prefix; ndjson: with its newline). */
  encode(msg: Message): Buffer;
  createDecoder(limits: ProtocolLimits): FrameDecoder;
}

export const CODEC_NAMES: readonly CodecName[] = ['msgpack', 'ndjson'];

export function getCodec(name: CodecName): Codec {
  switch (name) {
    case 'msgpack': return msgpackCodec;
    case 'ndjson': return ndjsonCodec;
    default:
      throw new Error(`unknown codec ${JSON.stringify(name)}: expected one of ${CODEC_NAMES.join(', ')}`);
  }
}

export function isCodecName(value: unknown): value is CodecName {
  return typeof value === 'string' && (CODEC_NAMES as readonly string[]).includes(value);
}
