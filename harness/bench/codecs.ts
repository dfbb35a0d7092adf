/**
 * Codec benchmark: encode + decode of one frame carrying one 768-float vector (`embedding`) and a batch of 10
 * (`embeddings`), with the project's codecs (msgpack with Float32 `bin`, NDJSON) and, for comparison, msgpack
 * with vectors as number arrays (float64 elements, the library default, and float32 elements). Each decode
 * goes through the same validation the real decoders run.
 */
import { Encoder } from '@msgpack/msgpack';
import { getCodec } from '../protocol/codec.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, type Message, type ProtocolLimits } from '../protocol/messages.ts';
import { readMsgpack } from '../protocol/msgpack-read.ts';
import { validateMessage } from '../protocol/validate.ts';
import { vectorFromJson } from '../protocol/vectors.ts';
import { GauntletError } from '../util/errors.ts';
import { round, runTasks } from './stats.ts';
import type { CodecResults, CodecRow } from './types.ts';

interface FrameCodec {
  encode(msg: Message): Buffer;
  /** Decodes exactly one whole frame; throws when it does not come back as one message. */
  decodeOne(frame: Buffer): Message;
}

function fromProjectCodec(name: 'msgpack' | 'ndjson', limits: ProtocolLimits): FrameCodec {
  const codec = getCodec(name);
  const decoder = codec.createDecoder(limits);
  return {
    encode: (m) => codec.encode(m),
    decodeOne(frame) {
      const out = decoder.push(frame);
      const first = out[0];
      if (out.length !== 1 || !first || !('message' in first)) throw new GauntletError('GAUNTLET_PROTOCOL', `${name} decode gave ${JSON.stringify(out).slice(0, 200)}`);
      return first.message;
    },
  };
}

/** msgpack with vectors as plain number arrays: what a codec without `bin` support sends. */
function msgpackArrays(forceFloat32: boolean): FrameCodec {
  const encoder = new Encoder({ ignoreUndefined: true, forceFloat32 });
  return {
    encode(msg) {
      let wire: unknown = msg;
      if (msg.type === 'embedding') wire = { ...msg, vector: Array.from(msg.vector) };
      else if (msg.type === 'embeddings') wire = { ...msg, vectors: msg.vectors.map((v) => Array.from(v)) };
      const body = encoder.encodeSharedRef(wire);
      const out = Buffer.allocUnsafe(4 + body.length);
      out.writeUInt32BE(body.length, 0);
      out.set(body, 4);
      return out;
    },
    decodeOne(frame) {
      const length = frame.readUInt32BE(0);
      const r = validateMessage(readMsgpack(frame.subarray(4, 4 + length)), vectorFromJson);
      if (!('message' in r)) throw new GauntletError('GAUNTLET_PROTOCOL', `msgpack-array decode: ${r.fault.message}`);
      return r.message;
    },
  };
}

/** A deterministic vector (values like a real embedding's: mixed signs, ~7 significant digits). */
export function sampleVector(dims: number, seed = 1): Float32Array {
  const v = new Float32Array(dims);
  let s = seed >>> 0;
  for (let i = 0; i < dims; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  return v;
}

export interface CodecBenchOptions {
  timeMs: number;
  dims?: number;
  batch?: number;
  signal?: AbortSignal;
}

export const CODEC_VARIANTS = ['msgpack-bin', 'msgpack-array-f64', 'msgpack-array-f32', 'ndjson'] as const;

export async function benchCodecs(opts: CodecBenchOptions): Promise<CodecResults> {
  const dims = opts.dims ?? 768;
  const batch = opts.batch ?? 10;
  // Large enough for a batch of 10 as NDJSON (~10 x 768 x 16 bytes); the protocol's 64 KiB would refuse it.
  const limits: ProtocolLimits = { ...DEFAULT_LIMITS, maxFrameBytes: 4 * 1024 * 1024 };
  const codecs: Record<(typeof CODEC_VARIANTS)[number], FrameCodec> = {
    'msgpack-bin': fromProjectCodec('msgpack', limits),
    'msgpack-array-f64': msgpackArrays(false),
    'msgpack-array-f32': msgpackArrays(true),
    ndjson: fromProjectCodec('ndjson', limits),
  };
  const payloads: Record<string, Message> = {
    [`vector${dims}`]: { v: PROTOCOL_VERSION, id: 7, type: 'embedding', vector: sampleVector(dims) },
    [`batch${batch}x${dims}`]: { v: PROTOCOL_VERSION, id: 8, type: 'embeddings', vectors: Array.from({ length: batch }, (_, i) => sampleVector(dims, i + 2)) },
  };

  const tasks = [];
  const frameBytes = new Map<string, number>();
  for (const [payload, msg] of Object.entries(payloads)) {
    for (const name of CODEC_VARIANTS) {
      const c = codecs[name];
      const frame = c.encode(msg);
      frameBytes.set(`${name}|${payload}`, frame.length);
      checkRoundTrip(name, msg, c.decodeOne(frame));
      tasks.push({ name: `${name}|${payload}`, fn: () => c.decodeOne(c.encode(msg)) });
    }
  }
  const stats = await runTasks(tasks, { time: opts.timeMs, iterations: 32, ...(opts.signal ? { signal: opts.signal } : {}) });

  const rows: CodecRow[] = [];
  const speedupBinVsNdjson: Record<string, number> = {};
  for (const payload of Object.keys(payloads)) {
    const bin = stats.get(`msgpack-bin|${payload}`)!;
    for (const name of CODEC_VARIANTS) {
      const s = stats.get(`${name}|${payload}`)!;
      rows.push({
        codec: name, payload, frameBytes: frameBytes.get(`${name}|${payload}`)!,
        p50Us: round(s.p50Ms * 1000, 2), p99Us: round(s.p99Ms * 1000, 2), opsPerSec: Math.round(s.opsPerSec),
        slowdownVsBin: round(s.p50Ms / bin.p50Ms, 2),
        ...(s.p50LoMs !== undefined ? { p50LoUs: s.p50LoMs === null ? null : round(s.p50LoMs * 1000, 2), p50HiUs: s.p50HiMs == null ? null : round(s.p50HiMs * 1000, 2) } : {}),
      });
    }
    speedupBinVsNdjson[payload] = round(stats.get(`ndjson|${payload}`)!.p50Ms / bin.p50Ms, 2);
  }
  return { rows, speedupBinVsNdjson };
}

/** A codec that loses data would win the race: check every variant returns the same floats first. */
function checkRoundTrip(name: string, sent: Message, got: Message): void {
  const a = sent.type === 'embedding' ? [sent.vector] : sent.type === 'embeddings' ? sent.vectors : [];
  const b = got.type === 'embedding' ? [got.vector] : got.type === 'embeddings' ? got.vectors : [];
  const same = a.length === b.length && a.every((v, i) => v.length === b[i]!.length && v.every((x, j) => x === b[i]![j]));
  if (got.type !== sent.type || !same) throw new GauntletError('GAUNTLET_INTERNAL', `codec ${name} did not round-trip a ${sent.type} message exactly`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The codec work of one NDJSON round trip of an `embed` carrying `text` (the transports bench's 1 KiB text
 * transfer): JSON.stringify of the request (client) and JSON.parse of it (peer), JSON.stringify of the `pong` ack
 * (peer) and JSON.parse of it (client); and apart from it the UTF-8 text encoding of both lines (Buffer.from) and
 * their decoding (TextDecoder, as harness/protocol/codec-ndjson.ts does). p50 of each, microseconds.
 */
export async function ndjsonCodecWork(text: string, opts: { timeMs: number; signal?: AbortSignal }): Promise<{ jsonUs: number; textUs: number }> {
  const request = { v: PROTOCOL_VERSION, id: 12345, type: 'embed', text };
  const ack = { v: PROTOCOL_VERSION, id: 12345, type: 'pong' };
  const requestLine = `${JSON.stringify(request)}\n`;
  const ackLine = `${JSON.stringify(ack)}\n`;
  const requestBytes = Buffer.from(requestLine, 'utf8');
  const ackBytes = Buffer.from(ackLine, 'utf8');
  let sink = 0;
  const json = () => {
    const a = JSON.stringify(request);
    const b = JSON.parse(a) as { text: string };
    const c = JSON.stringify(ack);
    const d = JSON.parse(c) as { id: number };
    sink += b.text.length + d.id;
  };
  const utf8 = () => {
    const a = Buffer.from(requestLine, 'utf8');
    const b = strictUtf8.decode(requestBytes);
    const c = Buffer.from(ackLine, 'utf8');
    const d = strictUtf8.decode(ackBytes);
    sink += a.length + b.length + c.length + d.length;
  };
  const stats = await runTasks([{ name: 'json', fn: json }, { name: 'utf8', fn: utf8 }],
    { time: opts.timeMs, iterations: 64, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (sink < 0) throw new Error('unreachable'); // keeps the work observable
  return { jsonUs: round(stats.get('json')!.p50Ms * 1000, 3), textUs: round(stats.get('utf8')!.p50Ms * 1000, 3) };
}
