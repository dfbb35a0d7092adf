/**
 * Seeded malformed protocol frames (docs/protocol.md) for a process adapter's byte stream. Frame `index` of a run
 * seeded `seed` depends on nothing else, so any one frame can be rebuilt from (seed, index) alone.
 *
 * Every frame but the stream-ending kind keeps the stream in sync (msgpack: a length prefix that tells the truth
 * and stays within the frame limit; ndjson: one line ending in a newline), so the probes that follow it still
 * reach the embedder. The one stream-ending kind, a length prefix over the limit, is only made where the caller
 * asks for it (`streamEnderEvery`): docs/protocol.md lets the embedder close the stream after it.
 */
import { createRng, type ScenarioRng } from '../runner/rng.ts';
import type { CodecName } from '../protocol/messages.ts';
import { encodeJson, encodeMsgpack, Entries, Nested, RawStr, type RawValue } from './raw-value.ts';

export const FRAME_KINDS = [
  'random-bytes', 'truncated', 'bit-flip', 'wrong-type', 'unknown-type', 'missing-id', 'duplicate-id',
  'deep-nesting', 'invalid-utf8', 'huge-string', 'huge-batch', 'out-of-order', 'valid',
] as const;
export type FrameKind = (typeof FRAME_KINDS)[number] | 'huge-length-prefix';

/** Relative weights of the in-sync kinds. */
const WEIGHTS: Record<(typeof FRAME_KINDS)[number], number> = {
  'random-bytes': 12, truncated: 10, 'bit-flip': 10, 'wrong-type': 20, 'unknown-type': 8, 'missing-id': 6,
  'duplicate-id': 6, 'deep-nesting': 6, 'invalid-utf8': 8, 'huge-string': 2, 'huge-batch': 4, 'out-of-order': 6, valid: 2,
};
const TOTAL = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

/** Request ids of fuzz frames: far above any supervisor's counter, below bad-input's raw id (0x7fffff00). */
export const FUZZ_ID_BASE = 0x7000_0000;

export interface FuzzFrameOptions {
  codec: CodecName;
  maxFrameBytes: number;
  maxBatch: number;
  /** msgpack: every Nth frame (index % N === N - 1) is a length prefix over the limit, which ends the stream. 0 = never. */
  streamEnderEvery?: number;
}

export interface FuzzFrame {
  index: number;
  kind: FrameKind;
  /** Exactly what goes on the wire: the length prefix (msgpack) or the newline (ndjson) included. */
  bytes: Buffer;
  /** After this frame the embedder may close the stream (msgpack: a length prefix over the limit). */
  endsStream: boolean;
}

export function fuzzId(index: number): number {
  return FUZZ_ID_BASE + (index % 0x0fff_0000);
}

function pickKind(rng: ScenarioRng): (typeof FRAME_KINDS)[number] {
  let r = rng.int(TOTAL);
  for (const k of FRAME_KINDS) { r -= WEIGHTS[k]; if (r < 0) return k; }
  return 'valid';
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'fuzz', 'frame', 'embed', 'vector', 'token', 'model'];
function text(rng: ScenarioRng, words = 1 + rng.int(6)): string {
  return Array.from({ length: words }, () => rng.pick(WORDS)).join(' ');
}
function randomBytes(rng: ScenarioRng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}
/** Bytes that are never valid UTF-8 somewhere in them. */
function invalidUtf8(rng: ScenarioRng): RawStr {
  const bad = rng.pick([[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xc0, 0xaf]]);
  return new RawStr(Buffer.concat([Buffer.from(text(rng, 1)), Buffer.from(bad), Buffer.from(text(rng, 1))]));
}

type Template = { [key: string]: RawValue };
const TEMPLATE_TYPES = ['embed', 'embed-batch', 'initialize', 'ping', 'stats'] as const;

/** A valid request (never `shutdown`: a valid one would end the embedder as the protocol says it must). */
function template(rng: ScenarioRng, id: number, maxBatch: number): Template {
  const type = rng.pick(TEMPLATE_TYPES);
  const base: Template = { v: 1, id, type };
  switch (type) {
    case 'embed': return { ...base, text: text(rng) };
    case 'embed-batch': return { ...base, texts: Array.from({ length: 1 + rng.int(maxBatch) }, () => text(rng)) };
    case 'initialize': return { ...base, modelPath: `/nonexistent/fuzz-${rng.int(1000)}.gguf`, options: { lanes: 1, normalize: true } };
    default: return base;
  }
}

/** A value of a type the field does not take (or an out-of-range one). */
function wrongValue(rng: ScenarioRng): RawValue {
  switch (rng.int(14)) {
    case 0: return null;
    case 1: return rng.int(2) === 0;
    case 2: return -1 - rng.int(1000);
    case 3: return 2 ** 53 + 2;
    case 4: return 1.5;
    case 5: return Number.NaN;
    case 6: return '';
    case 7: return 'x'.repeat(1 + rng.int(300));
    case 8: return new Uint8Array(randomBytes(rng, rng.int(64)));
    case 9: return [];
    case 10: return [1, [2, ['three']]];
    case 11: return { a: 1, text: 'nested' };
    case 12: return {};
    default: return 2 ** 32 + 5;
  }
}

/** Every place a value sits in a template: top-level keys, and the elements and option fields inside them. */
function paths(t: Template): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(t)) {
    out.push([k]);
    if (Array.isArray(v)) v.forEach((_, i) => { if (i < 3) out.push([k, String(i)], [k, String(i)]); });
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof RawStr) && !(v instanceof Entries)) {
      for (const inner of Object.keys(v)) out.push([k, inner]);
    }
  }
  return out;
}

function setPath(t: Template, path: string[], value: RawValue): Template {
  const copy = structuredClone(t) as Template;
  let node = copy as Record<string, RawValue> | RawValue[];
  for (let i = 0; i < path.length - 1; i++) node = (node as Record<string, RawValue>)[path[i]!] as Record<string, RawValue>;
  (node as Record<string, RawValue>)[path[path.length - 1]!] = value;
  return copy;
}


/** The message (before framing) a kind makes; `random-bytes`, `truncated` and `bit-flip` are made from bytes. */
function message(kind: FrameKind, rng: ScenarioRng, index: number, o: FuzzFrameOptions): RawValue {
  const id = fuzzId(index);
  const t = template(rng, id, o.maxBatch);
  switch (kind) {
    case 'wrong-type': {
      const p = rng.pick(paths(t));
      return setPath(t, p, wrongValue(rng));
    }
    case 'unknown-type':
      return { ...t, type: rng.pick(['embedding', 'embeddings', 'pong', 'error', 'shutdown-ack', 'initialized', 'EMBED', 'embed ', '', 'embed\u0000', 'stats2', 'ping'.repeat(40), text(rng, 1)]) };
    case 'missing-id': {
      const { id: _id, ...rest } = t;
      if (rng.int(3) === 0) { const { v: _v, ...noV } = t; return noV; }
      if (rng.int(4) === 0) { const { type: _type, ...noType } = rest; return noType; }
      return rest;
    }
    case 'duplicate-id':
      // Half: the map names `id` twice; half: the same id as the frame before.
      if (rng.int(2) === 0) return new Entries([...Object.entries(t), ['id', fuzzId(index + 1)]]);
      return { ...t, id: fuzzId(Math.max(0, index - 1)) };
    case 'deep-nesting': {
      const depth = rng.pick([3, 8, 14, 15, 16, 17, 18, 64, 500, 2000 + rng.int(4000)]);
      const field = t.type === 'embed-batch' ? 'texts' : 'text';
      return { ...t, type: field === 'texts' ? 'embed-batch' : 'embed', [field]: new Nested(depth, 'deep') };
    }
    case 'invalid-utf8': {
      const where = rng.int(4);
      if (where === 0) return { ...t, type: invalidUtf8(rng) };
      if (where === 1) return new Entries([...Object.entries(t), [invalidUtf8(rng), 1]]);
      if (where === 2) return { v: 1, id, type: 'embed-batch', texts: [text(rng), invalidUtf8(rng)] };
      return { v: 1, id, type: 'embed', text: invalidUtf8(rng) };
    }
    case 'huge-string': {
      // Up to the frame limit and no further: over it, a length prefix would end the stream.
      const room = o.maxFrameBytes - 64 - rng.int(4096);
      return { v: 1, id, type: 'embed', text: 'a '.repeat(Math.max(1, Math.floor(room / 2))) };
    }
    case 'huge-batch': {
      const n = rng.pick([o.maxBatch + 1, 100, 1000, 5000]);
      return { v: 1, id, type: 'embed-batch', texts: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? '' : 'b')) };
    }
    case 'out-of-order':
      switch (rng.int(4)) {
        case 0: return { v: 1, id, type: 'initialize', modelPath: `/nonexistent/again-${rng.int(100)}.gguf` };
        case 1: return { v: 1, id, type: 'embedding', vector: new Uint8Array(randomBytes(rng, 4 * rng.int(8))) };
        case 2: return { v: 1, id, type: 'shutdown-ack', graceful: true };
        default: return { v: 1, id, type: 'error', code: 'internal', message: 'from the host', retryable: false };
      }
    case 'valid':
      return t;
    default:
      return t;
  }
}

function frameMsgpack(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** ndjson: the line must not hold a newline of its own (one frame = one line). */
function frameLine(body: Buffer): Buffer {
  const line = Buffer.from(body);
  for (let i = 0; i < line.length; i++) if (line[i] === 0x0a) line[i] = 0x20;
  return Buffer.concat([line, Buffer.from([0x0a])]);
}

/** Frame `index` of the run seeded `seed`. */
export function fuzzFrame(seed: number, index: number, o: FuzzFrameOptions): FuzzFrame {
  const rng = createRng(seed, 'fuzz-frame', String(index));
  const msgpack = o.codec === 'msgpack';
  const every = o.streamEnderEvery ?? 0;
  if (msgpack && every > 0 && index % every === every - 1) {
    const announced = o.maxFrameBytes + 1 + rng.int(0xffffffff - o.maxFrameBytes - 1);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(announced);
    return { index, kind: 'huge-length-prefix', bytes: Buffer.concat([prefix, randomBytes(rng, rng.int(64))]), endsStream: true };
  }
  const kind = pickKind(rng);
  const encode = (v: RawValue) => (msgpack ? encodeMsgpack(v) : encodeJson(v));
  let body: Buffer;
  if (kind === 'random-bytes') {
    body = randomBytes(rng, 1 + rng.int(rng.int(8) === 0 ? 4096 : 256));
  } else if (kind === 'truncated') {
    const whole = encode(template(rng, fuzzId(index), o.maxBatch));
    body = whole.subarray(0, Math.max(1, rng.int(whole.length)));
  } else if (kind === 'bit-flip') {
    body = Buffer.from(encode(template(rng, fuzzId(index), o.maxBatch)));
    for (let n = 1 + rng.int(4); n > 0; n--) body[rng.int(body.length)] ^= 1 << rng.int(8);
  } else {
    body = encode(message(kind, rng, index, o));
  }
  if (msgpack && body.length > o.maxFrameBytes) body = body.subarray(0, o.maxFrameBytes); // stays in sync: a truncation
  return { index, kind, bytes: msgpack ? frameMsgpack(body) : frameLine(body), endsStream: false };
}
