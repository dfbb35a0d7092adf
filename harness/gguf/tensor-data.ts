import { floatToHalf } from './ggml-types.ts';
import { deriveSeed, Rng } from './prng.ts';
import { GgmlType } from './types.ts';

const CHUNK_ELEMENTS = 1 << 16; // a multiple of the Q8_0 block (32)

/** Encodes float32 values as F32, F16 or Q8_0 bytes (Q8_0 as ggml's reference quantiser does it). */
export function encodeF32(type: GgmlType, v: Float32Array): Uint8Array {
  switch (type) {
    case GgmlType.F32:
      return new Uint8Array(v.buffer, v.byteOffset, v.length * 4);
    case GgmlType.F16: {
      const out = new Uint16Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = floatToHalf(v[i]!);
      return new Uint8Array(out.buffer);
    }
    case GgmlType.Q8_0: {
      const blocks = v.length / 32;
      const out = Buffer.alloc(blocks * 34);
      for (let b = 0; b < blocks; b++) {
        let amax = 0;
        for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(v[b * 32 + j]!));
        const d = Math.fround(amax / 127);
        const id = d ? 1 / d : 0;
        out.writeUInt16LE(floatToHalf(d), b * 34);
        for (let j = 0; j < 32; j++) {
          const x = v[b * 32 + j]! * id;
          out.writeInt8(Math.sign(x) * Math.round(Math.abs(x)), b * 34 + 2 + j);
        }
      }
      return out;
    }
    default:
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
