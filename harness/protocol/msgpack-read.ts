/**
 * A strict MessagePack reader for one frame body.
 *
 * Why not @msgpack/msgpack's decode: it silently turns invalid UTF-8 into replacement or Latin-1 characters
 * (measured with 3.1.3: the bytes c3 28 decode to "è"), and it cannot tell the caller which strings were bad.
 * This reader only ever reads inside the given bytes (a header that claims 2^32 elements fails when the bytes
 * run out, it never pre-allocates), checks UTF-8 with a fatal TextDecoder, keeps `bin` apart from `str`,
 * and bounds nesting depth. Extension types are refused: the protocol does not use them.
 */

// ignoreBOM: a TextDecoder otherwise drops a leading U+FEFF, and a text that starts with one would reach the engine without it
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_DEPTH = 16;

/** A string whose bytes were not valid UTF-8; validation turns it into a 'bad-utf8' fault. */
export class InvalidUtf8 {
  constructor(readonly byteLength: number) {}
}

export type MsgValue =
  | null
  | boolean
  | number
  | string
  | InvalidUtf8
  | Uint8Array
  | MsgValue[]
  | { [key: string]: MsgValue };

export class MsgpackReadError extends Error {}

/** Decodes exactly one value spanning all of `bytes`; throws MsgpackReadError otherwise. */
export function readMsgpack(bytes: Uint8Array): MsgValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.pos !== bytes.length) {
    throw new MsgpackReadError(`${bytes.length - reader.pos} trailing byte(s) after the value at offset ${reader.pos}`);
  }
  return value;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new MsgpackReadError(`truncated: need ${n} byte(s) at offset ${this.pos}, frame has ${this.bytes.length}`);
    }
  }
  private u8(): number { this.need(1); return this.bytes[this.pos++]!; }
  private u16(): number { this.need(2); const v = this.view.getUint16(this.pos); this.pos += 2; return v; }
  private u32(): number { this.need(4); const v = this.view.getUint32(this.pos); this.pos += 4; return v; }

  value(depth: number): MsgValue {
    if (depth > MAX_DEPTH) throw new MsgpackReadError(`nesting deeper than ${MAX_DEPTH} at offset ${this.pos}`);
    const at = this.pos;
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return this.map(b & 0x0f, depth);
    if ((b & 0xf0) === 0x90) return this.array(b & 0x0f, depth);
    if ((b & 0xe0) === 0xa0) return this.str(b & 0x1f);
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: { this.need(4); const v = this.view.getFloat32(this.pos); this.pos += 4; return v; }
      case 0xcb: { this.need(8); const v = this.view.getFloat64(this.pos); this.pos += 8; return v; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: { this.need(8); const v = this.view.getBigUint64(this.pos); this.pos += 8; return Number(v); }
      case 0xd0: { this.need(1); const v = this.view.getInt8(this.pos); this.pos += 1; return v; }
      case 0xd1: { this.need(2); const v = this.view.getInt16(this.pos); this.pos += 2; return v; }
      case 0xd2: { this.need(4); const v = this.view.getInt32(this.pos); this.pos += 4; return v; }
      case 0xd3: { this.need(8); const v = this.view.getBigInt64(this.pos); this.pos += 8; return Number(v); }
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default:
        throw new MsgpackReadError(`unsupported MessagePack type byte 0x${b.toString(16)} at offset ${at}`);
    }
  }

  private str(n: number): string | InvalidUtf8 {
    this.need(n);
    const slice = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return utf8.decode(slice);
    } catch {
      return new InvalidUtf8(n);
    }
  }

  private bin(n: number): Uint8Array {
    this.need(n);
    const slice = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return slice;
  }

  private array(n: number, depth: number): MsgValue[] {
    // Every element takes at least one byte: a count past the remaining bytes is a lie, refuse it up front.
    if (n > this.bytes.length - this.pos) throw new MsgpackReadError(`array of ${n} element(s) at offset ${this.pos} cannot fit in the frame`);
    const out: MsgValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(n: number, depth: number): { [key: string]: MsgValue } {
    if (n * 2 > this.bytes.length - this.pos) throw new MsgpackReadError(`map of ${n} entries at offset ${this.pos} cannot fit in the frame`);
    const out: { [key: string]: MsgValue } = Object.create(null);
    for (let i = 0; i < n; i++) {
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new MsgpackReadError(`map key at offset ${keyAt} is not a valid UTF-8 string`);
      out[key] = this.value(depth + 1);
    }
    return out;
  }
}
