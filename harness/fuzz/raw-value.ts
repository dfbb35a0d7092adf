/**
 * Values as a fuzzer writes them: anything JSON or MessagePack can carry, plus what a well-behaved encoder never
 * produces (a string whose bytes are not UTF-8, a map with the same key twice, NaN in JSON). Encoded by hand so
 * that no library repairs them on the way out.
 */

/** A string given as raw bytes (possibly invalid UTF-8). */
export class RawStr {
  constructor(readonly bytes: Buffer) {}
}

/** A map given as ordered entries, so that a key may repeat (a duplicate `id`). */
export class Entries {
  constructor(readonly entries: ReadonlyArray<readonly [string | RawStr, RawValue]>) {}
}

/**
 * `depth` levels of nesting around `leaf`, alternating a one-element array and a one-entry map {"d": ...};
 * encoded without recursion, so that any depth can be written.
 */
export class Nested {
  constructor(readonly depth: number, readonly leaf: string) {}
}

export type RawValue =
  | null | boolean | number | string | RawStr | Uint8Array | Entries | Nested
  | RawValue[]
  | { [key: string]: RawValue };

function isPlainMap(v: RawValue): v is { [key: string]: RawValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof RawStr) && !(v instanceof Entries) && !(v instanceof Nested);
}

function entriesOf(v: Entries | Nested | { [key: string]: RawValue }): ReadonlyArray<readonly [string | RawStr, RawValue]> {
  if (v instanceof Nested) throw new Error('Nested has no entries');
  return v instanceof Entries ? v.entries : Object.entries(v);
}

// ---------------------------------------------------------------- MessagePack

function msgpackStr(bytes: Buffer, out: Buffer[]): void {
  const n = bytes.length;
  if (n < 32) out.push(Buffer.from([0xa0 | n]));
  else if (n < 0x100) out.push(Buffer.from([0xd9, n]));
  else if (n < 0x10000) out.push(Buffer.from([0xda, n >> 8, n & 0xff]));
  else { const h = Buffer.alloc(5); h[0] = 0xdb; h.writeUInt32BE(n, 1); out.push(h); }
  out.push(bytes);
}

function msgpackHeader(n: number, fix: number, b16: number, b32: number, out: Buffer[]): void {
  if (n < 16) out.push(Buffer.from([fix | n]));
  else if (n < 0x10000) out.push(Buffer.from([b16, n >> 8, n & 0xff]));
  else { const h = Buffer.alloc(5); h[0] = b32; h.writeUInt32BE(n, 1); out.push(h); }
}

function msgpackNumber(v: number, out: Buffer[]): void {
  if (Number.isInteger(v) && v >= 0 && v < 128) { out.push(Buffer.from([v])); return; }
  if (Number.isInteger(v) && v < 0 && v >= -32) { out.push(Buffer.from([0x100 + v])); return; }
  if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) { const b = Buffer.alloc(5); b[0] = 0xce; b.writeUInt32BE(v, 1); out.push(b); return; }
  if (Number.isInteger(v) && v < 0 && v >= -0x80000000) { const b = Buffer.alloc(5); b[0] = 0xd2; b.writeInt32BE(v, 1); out.push(b); return; }
  const b = Buffer.alloc(9); b[0] = 0xcb; b.writeDoubleBE(v, 1); out.push(b);
}

function msgpackInto(v: RawValue, out: Buffer[]): void {
  if (v === null) out.push(Buffer.from([0xc0]));
  else if (v === true || v === false) out.push(Buffer.from([v ? 0xc3 : 0xc2]));
  else if (typeof v === 'number') msgpackNumber(v, out);
  else if (typeof v === 'string') msgpackStr(Buffer.from(v, 'utf8'), out);
  else if (v instanceof RawStr) msgpackStr(v.bytes, out);
  else if (v instanceof Uint8Array) {
    const n = v.length;
    if (n < 0x100) out.push(Buffer.from([0xc4, n]));
    else if (n < 0x10000) out.push(Buffer.from([0xc5, n >> 8, n & 0xff]));
    else { const h = Buffer.alloc(5); h[0] = 0xc6; h.writeUInt32BE(n, 1); out.push(h); }
    out.push(Buffer.from(v));
  } else if (v instanceof Nested) {
    const d = Buffer.from([0xa1, 0x64]); // "d"
    for (let i = 0; i < v.depth; i++) out.push(i % 2 ? Buffer.concat([Buffer.from([0x81]), d]) : Buffer.from([0x91]));
    msgpackStr(Buffer.from(v.leaf), out);
  } else if (Array.isArray(v)) {
    msgpackHeader(v.length, 0x90, 0xdc, 0xdd, out);
    for (const item of v) msgpackInto(item, out);
  } else {
    const entries = entriesOf(v);
    msgpackHeader(entries.length, 0x80, 0xde, 0xdf, out);
    for (const [k, val] of entries) { msgpackInto(k, out); msgpackInto(val, out); }
  }
}

/** One MessagePack value, unframed. */
export function encodeMsgpack(v: RawValue): Buffer {
  const out: Buffer[] = [];
  msgpackInto(v, out);
  return Buffer.concat(out);
}

// ---------------------------------------------------------------- JSON

function jsonStr(bytes: Buffer, out: Buffer[]): void {
  // Escape what JSON requires, leave every other byte as it is (invalid UTF-8 stays invalid).
  const parts: number[] = [0x22];
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) parts.push(0x5c, b);
    else if (b < 0x20) parts.push(...Buffer.from(`\\u${b.toString(16).padStart(4, '0')}`));
    else parts.push(b);
  }
  parts.push(0x22);
  out.push(Buffer.from(parts));
}

function jsonInto(v: RawValue, out: Buffer[]): void {
  if (v === null || v === true || v === false) out.push(Buffer.from(String(v)));
  else if (typeof v === 'number') out.push(Buffer.from(Number.isFinite(v) ? JSON.stringify(v) : String(v))); // NaN: not JSON, on purpose
  else if (typeof v === 'string') out.push(Buffer.from(JSON.stringify(v), 'utf8'));
  else if (v instanceof RawStr) jsonStr(v.bytes, out);
  else if (v instanceof Uint8Array) out.push(Buffer.from(JSON.stringify(Array.from(v))));
  else if (v instanceof Nested) {
    let open = '', close = '';
    for (let i = 0; i < v.depth; i++) {
      if (i % 2) { open += '{"d":'; close = `}${close}`; } else { open += '['; close = `]${close}`; }
    }
    out.push(Buffer.from(`${open}${JSON.stringify(v.leaf)}${close}`));
  } else if (Array.isArray(v)) {
    out.push(Buffer.from('['));
    v.forEach((item, i) => { if (i) out.push(Buffer.from(',')); jsonInto(item, out); });
    out.push(Buffer.from(']'));
  } else {
    out.push(Buffer.from('{'));
    entriesOf(v).forEach(([k, val], i) => {
      if (i) out.push(Buffer.from(','));
      if (typeof k === 'string') out.push(Buffer.from(JSON.stringify(k), 'utf8'));
      else jsonStr(k.bytes, out);
      out.push(Buffer.from(':'));
      jsonInto(val, out);
    });
    out.push(Buffer.from('}'));
  }
}

/** One JSON text (without a newline); not always valid JSON, by design. */
export function encodeJson(v: RawValue): Buffer {
  const out: Buffer[] = [];
  jsonInto(v, out);
  return Buffer.concat(out);
}

export { isPlainMap };
