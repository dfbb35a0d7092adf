/** The protocol frame generator: reproducible from (seed, index), in sync with the real decoders, every kind reached. */
import { describe, expect, it } from 'vitest';
import { encodeJson, encodeMsgpack, Nested } from '../../harness/fuzz/raw-value.ts';
import { FRAME_KINDS, fuzzFrame, type FuzzFrameOptions } from '../../harness/fuzz/protocol-frames.ts';
import { getCodec } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS } from '../../harness/protocol/messages.ts';
import { readMsgpack } from '../../harness/protocol/msgpack-read.ts';
import { validateMessage } from '../../harness/protocol/validate.ts';
import { vectorFromBytes } from '../../harness/protocol/vectors.ts';
import { RARE_FRAME } from '../../reference-embedder/serve-stream.ts';

const LIMITS = { ...DEFAULT_LIMITS, maxFrameBytes: 64 * 1024, maxBatch: 10 };
const opts = (codec: 'msgpack' | 'ndjson', streamEnderEvery = 0): FuzzFrameOptions => ({ codec, maxFrameBytes: LIMITS.maxFrameBytes, maxBatch: LIMITS.maxBatch, streamEnderEvery });
const frames = (seed: number, n: number, o: FuzzFrameOptions) => Array.from({ length: n }, (_, i) => fuzzFrame(seed, i, o));

describe('fuzzFrame', () => {
  it('frame i of seed S is always the same bytes, and another seed makes other frames', () => {
    for (const i of [0, 1, 170, 1999]) expect(fuzzFrame(1, i, opts('msgpack')).bytes.equals(fuzzFrame(1, i, opts('msgpack')).bytes)).toBe(true);
    const a = frames(1, 50, opts('msgpack')).map((f) => f.bytes.toString('hex'));
    const b = frames(2, 50, opts('msgpack')).map((f) => f.bytes.toString('hex'));
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(5);
  });

  it('reaches every kind within the quick 2,000 frames', () => {
    const kinds = new Set(frames(1, 2000, opts('msgpack')).map((f) => f.kind));
    for (const k of FRAME_KINDS) expect(kinds, k).toContain(k);
  });

  it.each(['msgpack', 'ndjson'] as const)('%s: the real decoder stays in sync: one result per frame, none fatal', (codec) => {
    const fs = frames(3, 2000, opts(codec));
    const decoder = getCodec(codec).createDecoder(LIMITS);
    const results = decoder.push(Buffer.concat(fs.map((f) => f.bytes)));
    expect(results.filter((r) => 'fault' in r && r.fault.fatal)).toEqual([]);
    // ndjson skips blank lines (a random line of spaces); msgpack answers every frame.
    if (codec === 'msgpack') expect(results.length).toBe(2000);
    else expect(results.length).toBeGreaterThan(1950);
    expect(decoder.buffered).toBe(0);
    expect(results.some((r) => 'message' in r)).toBe(true);
    expect(results.some((r) => 'fault' in r && r.fault.code === 'bad-utf8')).toBe(true);
  });

  it('msgpack: a length prefix that tells the truth within the limit, except the scheduled stream-enders', () => {
    for (const f of frames(4, 1200, opts('msgpack', 500))) {
      const announced = f.bytes.readUInt32BE(0);
      if (f.index % 500 === 499) {
        expect(f.endsStream).toBe(true);
        expect(f.kind).toBe('huge-length-prefix');
        expect(announced).toBeGreaterThan(LIMITS.maxFrameBytes);
      } else {
        expect(f.endsStream).toBe(false);
        expect(announced).toBe(f.bytes.length - 4);
        expect(announced).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
      }
    }
  });

  it('ndjson: one line per frame, never a stream-ender', () => {
    for (const f of frames(5, 500, opts('ndjson', 100))) {
      expect(f.endsStream).toBe(false);
      expect(f.bytes.indexOf(0x0a)).toBe(f.bytes.length - 1);
    }
  });

  it('the planted rare shape (an embed-batch text as binary) is reached by seed 1 within the quick count, and rarely', () => {
    const hits = frames(1, 2000, opts('msgpack')).filter((f) => {
      try {
        const r = validateMessage(readMsgpack(f.bytes.subarray(4)), vectorFromBytes);
        return 'fault' in r && RARE_FRAME.test(r.fault.message);
      } catch { return false; }
    });
    expect(hits.length).toBeGreaterThanOrEqual(1);
    expect(hits.length).toBeLessThan(20); // about 1 in 400: rare, not every batch
    expect(hits[0]!.index).toBe(170);
  });

  it('deep nesting encodes at any depth without recursion; the strict reader refuses it by depth', () => {
    const m = encodeMsgpack({ v: 1, id: 1, type: 'embed', text: new Nested(50_000, 'deep') });
    expect(() => readMsgpack(m)).toThrow(/nesting deeper/);
    const j = encodeJson({ input: new Nested(9, 'deep') });
    expect(JSON.parse(j.toString())).toEqual({ input: [{ d: [{ d: [{ d: [{ d: ['deep'] }] }] }] }] });
  });
});
