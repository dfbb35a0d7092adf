/**
 * msgpack framing: [u32 big-endian payload length][MessagePack map].
 * The length prefix is checked against limits.maxFrameBytes before a byte of the payload is buffered or
 * allocated. A prefix over the limit cannot be told apart from garbage, so it is fatal for the stream
 * (no resynchronisation); a frame within the limit whose body does not decode is skipped (non-fatal).
 */
import { Encoder } from '@msgpack/msgpack';
import type { Message, ProtocolLimits } from './messages.ts';
import type { Codec, DecodeResult, FrameDecoder } from './codec.ts';
import { ByteQueue } from './byte-queue.ts';
import { MsgpackReadError, readMsgpack } from './msgpack-read.ts';
import { validateMessage } from './validate.ts';
import { vectorFromBytes, vectorToBytes } from './vectors.ts';

const encoder = new Encoder({ ignoreUndefined: true });

function toWire(msg: Message): unknown {
  if (msg.type === 'embedding') return { ...msg, vector: vectorToBytes(msg.vector) };
  if (msg.type === 'embeddings') return { ...msg, vectors: msg.vectors.map(vectorToBytes) };
  return msg;
}

function encode(msg: Message): Buffer {
  const body = encoder.encodeSharedRef(toWire(msg));
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

function decodeBody(body: Buffer): DecodeResult {
  let value;
  try {
    value = readMsgpack(body);
  } catch (error) {
    if (!(error instanceof MsgpackReadError)) throw error;
    return { fault: { code: 'bad-frame', message: `undecodable MessagePack frame of ${body.length} byte(s): ${error.message}`, fatal: false } };
  }
  return validateMessage(value, vectorFromBytes);
}

/**
 * The 4-byte big-endian length-prefixed framing of the msgpack codec: the frame limit, empty frames, a stream that
 * cannot be resynchronised. What a frame's body becomes is the subclass's (plain msgpack here; the shm codec
 * resolves payload references first).
 */
export abstract class LengthPrefixedDecoder implements FrameDecoder {
  protected readonly queue = new ByteQueue();
  /** Set once the stream cannot be resynchronised: nothing more is decoded. */
  protected dead = false;
  constructor(protected readonly limits: ProtocolLimits) {}

  get buffered(): number {
    return this.queue.length;
  }

  /** Turns one frame's body (`bytes`: with its prefix) into results; may set `dead`. */
  protected abstract decodeFrame(body: Buffer, bytes: number, out: DecodeResult[]): void;

  push(chunk: Buffer): DecodeResult[] {
    if (this.dead) return [];
    this.queue.push(chunk);
    const out: DecodeResult[] = [];
    while (this.queue.length >= 4) {
      const length = this.queue.peekUint32BE();
      if (length > this.limits.maxFrameBytes) {
        this.dead = true;
        this.queue.clear();
        out.push({ fault: {
          code: 'bad-frame',
          message: `length prefix announces ${length} bytes, over the ${this.limits.maxFrameBytes}-byte frame limit `
            + '(or the stream is not msgpack-framed); the stream cannot be resynchronised',
          fatal: true,
        } });
        break;
      }
      if (this.queue.length < 4 + length) break;
      this.queue.take(4);
      if (length === 0) {
        out.push({ fault: { code: 'bad-frame', message: 'empty frame (length prefix 0)', fatal: false } });
        continue;
      }
      this.decodeFrame(this.queue.take(length), 4 + length, out);
      if (this.dead) break;
    }
    return out;
  }
}

class MsgpackDecoder extends LengthPrefixedDecoder {
  protected decodeFrame(body: Buffer, bytes: number, out: DecodeResult[]): void {
    const result = decodeBody(body);
    out.push('message' in result ? { ...result, bytes } : result);
  }
}

export const msgpackCodec: Codec = {
  name: 'msgpack',
  encode,
  createDecoder: (limits) => new MsgpackDecoder(limits),
};
