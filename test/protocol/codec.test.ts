import { describe, expect, it } from 'vitest';
import { getCodec, type DecodeResult } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS, type Message } from '../../harness/protocol/messages.ts';

const limits = DEFAULT_LIMITS;
const vec = new Float32Array([0.1, -2.5, 3.25e-7, 1 / 3]);

const samples: Message[] = [
  { v: 1, id: 1, type: 'initialize', modelPath: '/tmp/m.gguf', options: { normalize: true, lanes: 2, threads: 1, contextSize: 128 } },
  { v: 1, id: 2, type: 'embed', text: 'héllo wörld ✓ 😀' },
  { v: 1, id: 3, type: 'embed-batch', texts: ['a', '', 'c'] },
  { v: 1, id: 4, type: 'ping' },
  { v: 1, id: 5, type: 'stats' },
  { v: 1, id: 6, type: 'shutdown' },
  { v: 1, id: 1, type: 'initialized', dims: 64, vocabSize: 141, model: 'tiny', contextSize: 128, lanes: 2 },
  { v: 1, id: 2, type: 'embedding', vector: vec },
  { v: 1, id: 3, type: 'embeddings', vectors: [vec, new Float32Array(0), vec] },
  { v: 1, id: 4, type: 'pong' },
  { v: 1, id: 5, type: 'stats', pid: 12, rss: 1000, rssAnon: 600, rssFile: 400, heapUsed: 50, requests: 3, inFlight: 0 },
  { v: 1, id: 6, type: 'shutdown-ack', graceful: true },
  { v: 1, id: 0, type: 'error', code: 'bad-frame', message: 'x', retryable: false },
];

function messages(results: DecodeResult[]): Message[] {
  return results.map((r) => {
    if (!('message' in r)) throw new Error(`unexpected fault ${r.fault.message}`);
    return r.message;
  });
}
function faults(results: DecodeResult[]) {
  return results.flatMap((r) => ('fault' in r ? [r.fault] : []));
}

describe.each(['msgpack', 'ndjson'] as const)('%s codec', (name) => {
  const codec = getCodec(name);

  it('round-trips every message type, vectors bit-exact', () => {
    for (const m of samples) {
      const out = messages(codec.createDecoder(limits).push(codec.encode(m)));
      expect(out).toEqual([m]);
    }
    const out = messages(codec.createDecoder(limits).push(codec.encode(samples[7]!)))[0] as Extract<Message, { type: 'embedding' }>;
    expect(out.vector).toBeInstanceOf(Float32Array);
    expect(Buffer.from(out.vector.buffer).equals(Buffer.from(vec.buffer))).toBe(true);
  });

  it('keeps a leading U+FEFF of a text (a default TextDecoder drops it: a BPE model then embeds another text)', () => {
    for (const text of ['\uFEFFbom at start', '\uFEFF', 'mid\uFEFFdle']) {
      const m: Message = { v: 1, id: 11, type: 'embed', text };
      expect(messages(codec.createDecoder(limits).push(codec.encode(m)))).toEqual([m]);
    }
  });

  it('decodes frames sliced byte by byte and several frames in one chunk', () => {
    const all = Buffer.concat(samples.map((m) => codec.encode(m)));
    const dec = codec.createDecoder(limits);
    const got: Message[] = [];
    for (let i = 0; i < all.length; i++) got.push(...messages(dec.push(all.subarray(i, i + 1))));
    expect(got).toEqual(samples);
    expect(dec.buffered).toBe(0);
    expect(messages(codec.createDecoder(limits).push(all))).toEqual(samples);
  });

  it('gives each decoded message its wire size (several frames in one chunk, and sliced)', () => {
    const frames = samples.map((m) => codec.encode(m));
    const sizes = (rs: ReturnType<ReturnType<typeof codec.createDecoder>['push']>) => rs.map((r) => ('message' in r ? r.bytes : -1));
    expect(sizes(codec.createDecoder(limits).push(Buffer.concat(frames)))).toEqual(frames.map((f) => f.length));
    const dec = codec.createDecoder(limits);
    const all = Buffer.concat(frames);
    const got: Array<number | undefined> = [];
    for (let i = 0; i < all.length; i += 7) got.push(...sizes(dec.push(all.subarray(i, i + 7))));
    expect(got).toEqual(frames.map((f) => f.length));
  });

  it('answers bad-request with the id for a wrong shape, and keeps going', () => {
    const dec = codec.createDecoder(limits);
    const bad = codec.encode({ v: 1, id: 9, type: 'embed', text: 42 } as unknown as Message);
    const good = codec.encode(samples[3]!);
    const out = dec.push(Buffer.concat([bad, good]));
    expect(faults(out)).toMatchObject([{ code: 'bad-request', id: 9, fatal: false }]);
    expect(faults(out)[0]!.message).toContain('"text"');
    expect(out[1]).toEqual({ message: samples[3], bytes: codec.encode(samples[3]!).length });
    const v2 = dec.push(codec.encode({ v: 2, id: 3, type: 'ping' } as unknown as Message));
    expect(faults(v2)).toMatchObject([{ code: 'bad-request', id: 3 }]);
    const unknown = dec.push(codec.encode({ v: 1, id: 4, type: 'explode' } as unknown as Message));
    expect(faults(unknown)[0]!.message).toContain('unknown message type');
  });
});

describe('msgpack framing faults', () => {
  const codec = getCodec('msgpack');

  it('refuses a 100 MB length prefix before allocating, as a fatal bad-frame', () => {
    const dec = codec.createDecoder(limits);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(100 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const out = dec.push(Buffer.concat([prefix, Buffer.alloc(16)]));
    expect(faults(out)).toMatchObject([{ code: 'bad-frame', fatal: true }]);
    expect(faults(out)[0]!.message).toContain('104857600');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10 * 1024 * 1024);
    expect(dec.buffered).toBe(0);
    expect(dec.push(codec.encode(samples[3]!))).toEqual([]); // dead stream stays dead
  });

  it('skips a garbage body within the limit, then decodes the next frame', () => {
    const dec = codec.createDecoder(limits);
    const garbage = Buffer.from([0, 0, 0, 5, 0xc1, 0xff, 0x00, 0x13, 0x37]);
    const trailing = Buffer.from([0, 0, 0, 3, 0x80, 0x01, 0x02]); // empty map then 2 stray bytes
    const out = dec.push(Buffer.concat([garbage, trailing, Buffer.from([0, 0, 0, 0]), codec.encode(samples[3]!)]));
    expect(faults(out).map((f) => [f.code, f.fatal])).toEqual([['bad-frame', false], ['bad-frame', false], ['bad-frame', false]]);
    expect(out.at(-1)).toEqual({ message: samples[3], bytes: codec.encode(samples[3]!).length });
  });

  it('refuses an array header that claims more elements than the frame holds', () => {
    const body = Buffer.from([0x81, 0xa1, 0x78, 0xdd, 0xff, 0xff, 0xff, 0xff]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
    expect(faults(codec.createDecoder(limits).push(frame))[0]!.message).toContain('cannot fit');
  });

  it('reports invalid UTF-8 in a text as bad-utf8 with the request id (the library alone would accept it)', () => {
    const good = codec.encode({ v: 1, id: 77, type: 'embed', text: 'ab' });
    // The text "ab" is a fixstr a2 61 62 at the end of the frame: turn it into c3 28 (invalid UTF-8).
    good[good.length - 2] = 0xc3;
    good[good.length - 1] = 0x28;
    const out = codec.createDecoder(limits).push(good);
    expect(faults(out)).toMatchObject([{ code: 'bad-utf8', id: 77, fatal: false }]);
  });

  it('refuses a vector whose byte length is not a multiple of 4', () => {
    const m = { v: 1, id: 2, type: 'embedding', vector: new Float32Array([1, 2]) } as const;
    const frame = codec.encode(m);
    const body = frame.subarray(4);
    // Rebuild with a 7-byte bin: find bin8 header (c4 08) and shorten it.
    const at = body.indexOf(Buffer.from([0xc4, 0x08]));
    const patched = Buffer.concat([body.subarray(0, at), Buffer.from([0xc4, 0x07]), body.subarray(at + 2, at + 9)]);
    const out = codec.createDecoder(limits).push(Buffer.concat([Buffer.from([0, 0, 0, patched.length]), patched]));
    expect(faults(out)[0]!.message).toContain('not a whole number of Float32');
  });

  it('the length limit is configurable', () => {
    const small = { ...limits, maxFrameBytes: 8 };
    const out = codec.createDecoder(small).push(codec.encode(samples[1]!));
    expect(faults(out)).toMatchObject([{ code: 'bad-frame', fatal: true }]);
  });
});

describe('ndjson framing faults', () => {
  const codec = getCodec('ndjson');

  it('skips an over-long line without buffering it, then resumes', () => {
    const dec = codec.createDecoder(limits);
    const huge = Buffer.alloc(1024 * 1024, 0x61);
    const out1 = dec.push(huge);
    expect(faults(out1)).toMatchObject([{ code: 'bad-frame', fatal: false }]);
    expect(dec.buffered).toBe(0);
    expect(dec.push(huge)).toEqual([]); // still inside the same line: no second report
    const out2 = dec.push(Buffer.concat([Buffer.from('aaa\n'), codec.encode(samples[3]!)]));
    expect(out2).toEqual([{ message: samples[3], bytes: codec.encode(samples[3]!).length }]);
  });

  it('reports garbage and invalid UTF-8 lines, ignores blank lines, tolerates CRLF', () => {
    const dec = codec.createDecoder(limits);
    const badUtf8 = Buffer.concat([Buffer.from('{"v":1,"id":5,"type":"embed","text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const out = dec.push(Buffer.concat([
      Buffer.from('not json at all\n\n   \n'), badUtf8, Buffer.from('[1,2]\n'),
      Buffer.from('{"v":1,"id":8,"type":"embed","text":"\\ud800"}\n'),
      Buffer.from('{"v":1,"id":4,"type":"ping"}\r\n'),
    ]));
    expect(faults(out).map((f) => [f.code, f.id])).toEqual([
      ['bad-frame', undefined], ['bad-utf8', 5], ['bad-frame', undefined], ['bad-utf8', 8],
    ]);
    // CRLF: the \r is on the wire too.
    expect(out.at(-1)).toEqual({ message: samples[3], bytes: codec.encode(samples[3]!).length + 1 });
  });

  it('writes non-finite vector values as null and reads them back as NaN', () => {
    const m = { v: 1, id: 2, type: 'embedding', vector: new Float32Array([Number.NaN, Infinity, 1]) } as const;
    const line = codec.encode(m).toString();
    expect(line).toContain('[null,null,1]');
    const back = messages(codec.createDecoder(limits).push(Buffer.from(line)))[0] as typeof m;
    expect(Number.isNaN(back.vector[0])).toBe(true);
  });
});
