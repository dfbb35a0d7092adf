/**
 * Toxics for the fault proxy (in the spirit of Toxiproxy): each one transforms or disrupts the bytes flowing in one
 * direction of a connection, and counts what it touched, which is the proof that it took effect.
 * `upstream` = host -> embedder, `downstream` = embedder -> host.
 */
export type Direction = 'upstream' | 'downstream';

export type ToxicSpec =
  /** Delay every chunk by ms (+ up to jitterMs). */
  | { type: 'latency'; ms: number; jitterMs?: number }
  /** Split every chunk into pieces of at most maxBytes, with delayMs between pieces. */
  | { type: 'slicer'; maxBytes: number; delayMs?: number }
  /** Inject bytes before the next chunk (once per connection, or before every chunk when `every`). */
  | { type: 'garbage'; bytes: Uint8Array | number; every?: boolean }
  /** Destroy both sides of every connection: at once (`on: 'now'`, default) or when the next chunk arrives. */
  | { type: 'reset'; on?: 'now' | 'data' }
  /** Stop forwarding: chunks are held (released when the toxic is removed) or dropped. */
  | { type: 'stall'; drop?: boolean }
  /** Write a 4-byte big-endian length prefix claiming `length` bytes (default 2^31-1), then `follow` filler bytes. */
  | { type: 'oversized-length'; length?: number; follow?: number };

export type ToxicType = ToxicSpec['type'];
export const TOXIC_TYPES: readonly ToxicType[] = ['latency', 'slicer', 'garbage', 'reset', 'stall', 'oversized-length'];

/** What a toxic touched; non-zero counts are the proof it took effect. */
export interface ToxicCounters {
  chunks: number;          // chunks it saw and acted on
  bytes: number;           // bytes of those chunks
  pieces: number;          // slicer: pieces written
  injectedBytes: number;   // garbage / oversized-length: bytes it added to the stream
  frames: number;          // oversized-length: bogus prefixes written
  connections: number;     // connections it acted on (reset: destroyed; garbage: injected into)
  heldBytes: number;       // stall: bytes held back or dropped
  delayedMs: number;       // latency/slicer: total delay added
}

export function emptyCounters(): ToxicCounters {
  return { chunks: 0, bytes: 0, pieces: 0, injectedBytes: 0, frames: 0, connections: 0, heldBytes: 0, delayedMs: 0 };
}

/** True when the counters show the toxic touched anything. */
export function touched(c: ToxicCounters): boolean {
  return c.chunks + c.injectedBytes + c.frames + c.connections + c.heldBytes > 0;
}

export function garbageBytes(spec: Extract<ToxicSpec, { type: 'garbage' }>): Buffer {
  if (typeof spec.bytes !== 'number') return Buffer.from(spec.bytes);
  // Deterministic filler that is neither valid MessagePack framing nor JSON: 0xC1 is "never used" in MessagePack.
  const out = Buffer.alloc(spec.bytes);
  for (let i = 0; i < out.length; i++) out[i] = i % 2 === 0 ? 0xc1 : 0xff;
  return out;
}

export function oversizedFrame(spec: Extract<ToxicSpec, { type: 'oversized-length' }>): Buffer {
  const length = spec.length ?? 0x7fffffff;
  const follow = spec.follow ?? 16;
  const out = Buffer.alloc(4 + follow, 0x41);
  out.writeUInt32BE(length >>> 0, 0);
  return out;
}

/** Splits a chunk into pieces of at most maxBytes (>= 1). */
export function slice(chunk: Buffer, maxBytes: number): Buffer[] {
  const size = Math.max(1, Math.floor(maxBytes));
  const out: Buffer[] = [];
  for (let i = 0; i < chunk.length; i += size) out.push(chunk.subarray(i, i + size));
  return out;
}

/** Checks a spec and throws a message that quotes the bad value. */
export function validateToxic(spec: ToxicSpec): void {
  const bad = (what: string, v: unknown) => new Error(`toxic ${spec.type}: ${what}, got ${JSON.stringify(v)}`);
  switch (spec.type) {
    case 'latency':
      if (!(spec.ms >= 0)) throw bad('ms must be a number >= 0', spec.ms);
      break;
    case 'slicer':
      if (!(spec.maxBytes >= 1)) throw bad('maxBytes must be >= 1', spec.maxBytes);
      break;
    case 'garbage':
      if (typeof spec.bytes === 'number' && !(spec.bytes >= 1)) throw bad('bytes must be >= 1 or a byte array', spec.bytes);
      break;
    case 'oversized-length':
      if (spec.length !== undefined && !(spec.length >= 0 && spec.length <= 0xffffffff)) throw bad('length must fit in 32 bits', spec.length);
      break;
    case 'reset':
    case 'stall':
      break;
    default:
      throw new Error(`unknown toxic type ${JSON.stringify((spec as { type: unknown }).type)}; valid: ${TOXIC_TYPES.join(', ')}`);
  }
}
