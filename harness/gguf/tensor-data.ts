import { floatToHalf } from './ggml-types.ts';
import { deriveSeed, Rng } from './prng.ts';
import { QUANT_TYPES, quantize } from './quantize.ts';
import { GgmlType } from './types.ts';

const CHUNK_ELEMENTS = 1 << 16; // a multiple of every block (32, 256)

/** Encodes float32 values as F32, F16 or one of the quantised types of quantize.ts. */
export function encodeF32(type: GgmlType, v: Float32Array): Uint8Array {
  switch (type) {
    case GgmlType.F32:
      return new Uint8Array(v.buffer, v.byteOffset, v.length * 4);
    case GgmlType.F16: {
      const out = new Uint16Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = floatToHalf(v[i]!);
      return new Uint8Array(out.buffer);
    }
    default:
      if (QUANT_TYPES.includes(type)) return quantize(type, v);
      throw new RangeError(`encodeF32: unsupported type ${type}`);
  }
}

/**
 * Deterministic tensor data: `count` values mean + std * z from the stream seeded by (seed, name), encoded
 * chunk by chunk so that memory stays at one chunk whatever the tensor size.
 */
export function* seededTensorData(seed: number, name: string, count: number, type: GgmlType, mean: number, std: number): Generator<Uint8Array> {
  const rng = new Rng(deriveSeed(seed, name));
  const buf = new Float32Array(Math.min(CHUNK_ELEMENTS, count));
  for (let done = 0; done < count; ) {
    const m = Math.min(buf.length, count - done);
    const view = buf.subarray(0, m);
    rng.fillBell(view, mean, std);
    yield encodeF32(type, view);
    done += m;
  }
}
