/**
 * The msgpack codec with payloads in shared memory (docs/protocol.md, "Shared memory"): frames are the msgpack
 * codec's (4-byte big-endian length, one map), but a payload field (`text`, `texts[i]`, `vector`, `vectors[i]`) may
 * hold `{$shm: [ring, at, seq, len, hash]}` instead of its bytes: the bytes are in the region's ring. Two control
 * messages of id 0 set the region up: `shm-region {path, totalBytes, ringBytes}` (owner -> peer, first frame on the
 * socket) and `shm-attached {ok, reason?}` (peer -> owner). Until the peer has attached, every payload goes inline,
 * so a plain msgpack client can still talk to an shm server (the announcement is one unknown message to it).
 * A payload that does not fit the ring (full, or larger than it) or is over maxFrameBytes also goes inline.
 */
import { Encoder } from '@msgpack/msgpack';
import { LengthPrefixedDecoder } from '../protocol/codec-msgpack.ts';
import type { Codec, DecodeResult } from '../protocol/codec.ts';
import type { ProtocolFault } from '../protocol/connection.ts';
import type { Message, ProtocolLimits } from '../protocol/messages.ts';
import { InvalidUtf8, MsgpackReadError, readMsgpack } from '../protocol/msgpack-read.ts';
import { validateMessage } from '../protocol/validate.ts';
import { vectorFromBytes, vectorToBytes } from '../protocol/vectors.ts';
import { refFromWire, refToWire, ShmError, type ShmRef, type ShmRegion } from './shm-region.ts';

const encoder = new Encoder({ ignoreUndefined: true });

export interface ShmAnnounce { path: string; totalBytes: number; ringBytes: number }

/** What one side of an shm link knows: its region once there is one, and whether payloads may go through it. */
export interface ShmLinkState {
  region?: ShmRegion;
  /** Payloads go through the region (the owner: once the peer said it attached; the peer: once it attached). */
  active: boolean;
  /** The peer side: called with the owner's announcement; the owner side: with the peer's answer. */
  onControl(message: Record<string, unknown>): ProtocolFault | undefined;
  /** How payloads this side receives are taken: copied out (the default), or only verified where they lie. */
  consume?: 'copy' | 'verify';
  /** Fault injection (reference embedder `shm-torn-write`): called before each payload write; a number tears it. */
  tearNext?: () => number | undefined;
  /** Payloads sent inline because the region was not active or they did not fit. */
  inline: number;
  /** A write into the region failed (truncated, closed): the send that found it throws it; this decides what comes next. */
  onWriteFailure?: (error: ShmError) => void;
}

export function frame(value: unknown): Buffer {
  const body = encoder.encodeSharedRef(value);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

const utf8 = new TextEncoder();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // ignoreBOM: keep a text's leading U+FEFF

/** The codec one side of an shm link uses over its socket. */
export function shmCodec(state: ShmLinkState, limits: ProtocolLimits): Codec {
  const put = (bytes: Uint8Array): ShmRef | undefined => {
    if (!state.active || !state.region || bytes.length > limits.maxFrameBytes) return undefined;
    const tear = state.tearNext?.();
    try {
      return state.region.write(bytes, tear === undefined ? {} : { tear });
    } catch (error) {
      if (error instanceof ShmError) state.onWriteFailure?.(error);
      throw error;
    }
  };
  const payload = (bytes: Uint8Array, inline: unknown): unknown => {
    const ref = put(bytes);
    if (ref) return refToWire(ref);
    state.inline++;
    return inline;
  };
  // A message's payloads go through the region only when, together, they fit maxFrameBytes: the frame limit means
  // the same over shm as inline (a batch too large for one frame is refused, wherever its bytes would travel).
  const fits = (parts: Uint8Array[]) => parts.reduce((n, b) => n + b.length, 0) <= limits.maxFrameBytes;
  const toWire = (msg: Message): unknown => {
    switch (msg.type) {
      case 'embedding': { const b = vectorToBytes(msg.vector); return { ...msg, vector: payload(b, b) }; }
      case 'embeddings': {
        const bs = msg.vectors.map(vectorToBytes);
        return fits(bs) ? { ...msg, vectors: bs.map((b) => payload(b, b)) } : { ...msg, vectors: bs };
      }
      // Only well-formed strings go through the ring: UTF-8 encoding would turn a lone surrogate into U+FFFD and a
      // non-string into its String(), hiding bad input from the embedder. Anything else goes inline, as over uds.
      case 'embed': return state.active && wellFormed(msg.text) ? { ...msg, text: payload(utf8.encode(msg.text), msg.text) } : msg;
      case 'embed-batch': {
        if (!state.active || !Array.isArray(msg.texts) || !msg.texts.every(wellFormed)) return msg;
        const bs = msg.texts.map((t) => utf8.encode(t));
        return fits(bs) ? { ...msg, texts: bs.map((b, i) => payload(b, msg.texts[i])) } : msg;
      }
      default: return msg;
    }
  };
  return {
    name: 'msgpack',
    encode: (msg) => frame(toWire(msg)),
    createDecoder: () => new ShmDecoder(state, limits),
  };
}

class ShmDecoder extends LengthPrefixedDecoder {
  constructor(private readonly state: ShmLinkState, limits: ProtocolLimits) { super(limits); }

  protected decodeFrame(body: Buffer, bytes: number, out: DecodeResult[]): void {
    this.decode(body, bytes, out);
  }

  private decode(body: Buffer, bytes: number, out: DecodeResult[]): void {
    let value;
    try {
      value = readMsgpack(body);
    } catch (error) {
      if (!(error instanceof MsgpackReadError)) throw error;
      out.push({ fault: { code: 'bad-frame', message: `undecodable MessagePack frame of ${body.length} byte(s): ${error.message}`, fatal: false } });
      return;
    }
    const o = value as Record<string, unknown> | null;
    if (o && typeof o === 'object' && !Array.isArray(o) && !(o instanceof Uint8Array) && o.id === 0 && (o.type === 'shm-region' || o.type === 'shm-attached')) {
      const fault = this.state.onControl(o);
      if (fault) out.push({ fault });
      return;
    }
    const id = o && typeof o === 'object' && typeof (o as { id?: unknown }).id === 'number' ? (o as { id: number }).id : undefined;
    try {
      if (o && typeof o === 'object' && !Array.isArray(o) && !(o instanceof Uint8Array)) this.resolve(o);
    } catch (error) {
      if (!(error instanceof ShmError)) throw error;
      this.refused(error, id, o as Record<string, unknown>, out);
      return;
    }
    const result = validateMessage(value, vectorFromBytes);
    out.push('message' in result ? { ...result, bytes } : result);
  }

  /** Replaces every `$shm` payload of a known field with its bytes (vectors) or its text. */
  private resolve(o: Record<string, unknown>): void {
    const list = o.type === 'embed-batch' ? o.texts : o.type === 'embeddings' ? o.vectors : undefined;
    if (Array.isArray(list)) {
      let total = 0;
      for (const v of list) { const r = refFromWire(v); if (r && typeof r !== 'string') total += r.len; }
      if (total > this.limits.maxFrameBytes) throw new ShmError('bad-ref', `the ${o.type} payloads add up to ${total} bytes, over the ${this.limits.maxFrameBytes}-byte frame limit`);
    }
    const text = (v: unknown, where: string): unknown => {
      const bytes = this.take(v, where);
      if (bytes === undefined) return v;
      try { return utf8Fatal.decode(bytes); } catch { return new InvalidUtf8(bytes.length); }
    };
    const vec = (v: unknown, where: string): unknown => this.take(v, where) ?? v;
    if (o.type === 'embed') o.text = text(o.text, 'text');
    else if (o.type === 'embed-batch' && Array.isArray(o.texts)) o.texts = o.texts.map((t, i) => text(t, `texts[${i}]`));
    else if (o.type === 'embedding') o.vector = vec(o.vector, 'vector');
    else if (o.type === 'embeddings' && Array.isArray(o.vectors)) o.vectors = o.vectors.map((v, i) => vec(v, `vectors[${i}]`));
  }

  private take(v: unknown, where: string): Uint8Array | undefined {
    const ref = refFromWire(v);
    if (ref === undefined) return undefined;
    if (typeof ref === 'string') throw new ShmError('bad-ref', `field "${where}": ${ref}`);
    const region = this.state.region;
    if (!region) throw new ShmError('bad-ref', `field "${where}" names a shared-memory payload, but no region is attached on this side`);
    if (ref.len > this.limits.maxFrameBytes) throw new ShmError('bad-ref', `field "${where}": a ${ref.len}-byte payload is over the ${this.limits.maxFrameBytes}-byte frame limit`);
    if (this.state.consume === 'verify') {
      region.verifyInPlace(ref);
      return new Uint8Array(0);
    }
    // Vectors land in a fresh (aligned) buffer, which vectorFromBytes copies again only on big-endian hosts.
    return region.read(ref, new Uint8Array(new ArrayBuffer(ref.len)));
  }

  /**
   * A payload that cannot be trusted: the request (or the answer) it belongs to gets a typed error, never its
   * bytes. A region that is unusable as a whole (bad header, truncated) also ends the stream (a fatal fault): the
   * supervisor then starts a fresh embedder with a fresh region.
   */
  private refused(error: ShmError, id: number | undefined, o: Record<string, unknown>, out: DecodeResult[]): void {
    const whole = error.kind === 'bad-header' || error.kind === 'truncated' || error.kind === 'unavailable';
    const isAnswer = o.type === 'embedding' || o.type === 'embeddings';
    if (isAnswer && id !== undefined && id > 0) {
      // An answer whose payload is bad: the host hands the waiting request this error instead of a vector.
      out.push({ message: { v: 1, id, type: 'error', code: 'bad-frame', retryable: true, message: `host refused the answer: ${error.message}` } as Message });
    }
    const fault: ProtocolFault = { code: 'bad-frame', message: error.message, fatal: whole };
    if (!isAnswer && id !== undefined) fault.id = id;
    out.push({ fault });
    if (whole) { this.dead = true; this.queue.clear(); }
  }
}

/** A string the embedder would read back unchanged from its UTF-8 bytes. */
function wellFormed(t: unknown): t is string {
  return typeof t === 'string' && (t as string & { isWellFormed(): boolean }).isWellFormed();
}
