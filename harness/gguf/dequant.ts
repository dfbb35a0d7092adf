/**
 * Tensor data -> float32, as ggml's CPU reference does it (ggml/src/ggml-quants.c `dequantize_row_*`, block layouts
 * from ggml-common.h). Every product and difference is rounded to float32 where ggml computes it in float, so the
 * output is bit-identical to ggml's (test/gguf/dequant.test.ts checks that against node-llama-cpp's own
 * libggml-base.so). Handles F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K.
 */
import { GauntletError } from '../util/errors.ts';
import { ggmlTypeName, halfToFloat } from './ggml-types.ts';
import { GgmlType } from './types.ts';

const fr = Math.fround;

/** The types dequantize() reads; every other type is named in the error. */
export const DEQUANT_TYPES: readonly GgmlType[] = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
];

export function canDequantize(type: GgmlType): boolean {
  return DEQUANT_TYPES.includes(type);
}

export function dequantTypeNames(): string {
  return DEQUANT_TYPES.map(ggmlTypeName).join(', ');
}

let HALF: Float32Array | undefined;
/** Every half-precision value, indexed by its bit pattern (exact in float32). */
function halfTable(): Float32Array {
  if (!HALF) {
    HALF = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF[h] = halfToFloat(h);
  }
  return HALF;
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);

/** ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j from a K-quant's 12 packed bytes at `o`. */
function scaleMinK4(j: number, b: Uint8Array, o: number): [scale: number, min: number] {
  if (j < 4) return [b[o + j]! & 63, b[o + j + 4]! & 63];
  return [(b[o + j + 4]! & 0xf) | ((b[o + j - 4]! >> 6) << 4), (b[o + j + 4]! >> 4) | ((b[o + j]! >> 6) << 4)];
}

/** Bytes of one block and the elements it holds. */
const BLOCK: Partial<Record<GgmlType, [bytes: number, elements: number]>> = {
  [GgmlType.F32]: [4, 1], [GgmlType.F16]: [2, 1], [GgmlType.BF16]: [2, 1],
  [GgmlType.Q8_0]: [34, 32], [GgmlType.Q4_0]: [18, 32],
  [GgmlType.Q4_K]: [144, 256], [GgmlType.Q5_K]: [176, 256], [GgmlType.Q6_K]: [210, 256],
};

function q8_0(b: Uint8Array, o: number, out: Float32Array, k: number, H: Float32Array): void {
  const d = H[u16(b, o)]!;
  for (let j = 0; j < 32; j++) out[k + j] = fr(((b[o + 2 + j]! << 24) >> 24) * d);
}

function q4_0(b: Uint8Array, o: number, out: Float32Array, k: number, H: Float32Array): void {
  const d = H[u16(b, o)]!;
  for (let j = 0; j < 16; j++) {
    const q = b[o + 2 + j]!;
    out[k + j] = fr(((q & 0xf) - 8) * d);
    out[k + j + 16] = fr(((q >> 4) - 8) * d);
  }
}

/** Q4_K and Q5_K (Q5_K adds a high bit per element from qh): 8 sub-blocks of 32, x = d*scale*q - dmin*min. */
function q45_K(b: Uint8Array, o: number, out: Float32Array, k: number, H: Float32Array, five: boolean): void {
  const d = H[u16(b, o)]!;
  const dmin = H[u16(b, o + 2)]!;
  const sc = o + 4;
  const qh = o + 16; // Q5_K only: 32 bytes of high bits
  let ql = five ? o + 48 : o + 16;
  for (let p = 0; p < 4; p++) {
    const [s1, m1] = scaleMinK4(2 * p, b, sc);
    const [s2, m2] = scaleMinK4(2 * p + 1, b, sc);
    const d1 = fr(d * s1), dm1 = fr(dmin * m1);
    const d2 = fr(d * s2), dm2 = fr(dmin * m2);
    const u1 = 1 << (2 * p), u2 = 2 << (2 * p);
    for (let l = 0; l < 32; l++) {
      const q = b[ql + l]!;
      const h = five ? b[qh + l]! : 0;
      out[k + l] = fr(fr(d1 * ((q & 0xf) + (h & u1 ? 16 : 0))) - dm1);
      out[k + 32 + l] = fr(fr(d2 * ((q >> 4) + (h & u2 ? 16 : 0))) - dm2);
    }
    ql += 32;
    k += 64;
  }
}

/** Q6_K: 16 sub-blocks of 16 with int8 scales; 4 low bits in ql, 2 high bits in qh; x = d*scale*(q-32). */
function q6_K(b: Uint8Array, o: number, out: Float32Array, k: number, H: Float32Array): void {
  const d = H[u16(b, o + 208)]!;
  let ql = o, qh = o + 128, sc = o + 192;
  for (let n = 0; n < 2; n++) {
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const s = (i: number): number => fr(d * ((b[sc + is + i]! << 24) >> 24));
      const h = b[qh + l]!;
      out[k + l] = fr(s(0) * (((b[ql + l]! & 0xf) | ((h & 3) << 4)) - 32));
      out[k + l + 32] = fr(s(2) * (((b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32));
      out[k + l + 64] = fr(s(4) * (((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32));
      out[k + l + 96] = fr(s(6) * (((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32));
    }
    k += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

/** Quantised block types: bytes and elements per block, and the byte offsets of their FP16 scales (d first, dmin). */
export const BLOCK_LAYOUT: Partial<Record<GgmlType, { bytes: number; elems: number; halves: number[] }>> = {
  [GgmlType.Q8_0]: { bytes: 34, elems: 32, halves: [0] },
  [GgmlType.Q4_0]: { bytes: 18, elems: 32, halves: [0] },
  [GgmlType.Q4_K]: { bytes: 144, elems: 256, halves: [0, 2] },
  [GgmlType.Q5_K]: { bytes: 176, elems: 256, halves: [0, 2] },
  [GgmlType.Q6_K]: { bytes: 210, elems: 256, halves: [208] },
};

const F32V = new Float32Array(1);
const U32V = new Uint32Array(F32V.buffer);

/**
 * Decodes whole blocks of `type` from `b` into `out` starting at element `k`; returns the next element index.
 * Throws GAUNTLET_MODEL_INVALID naming the type when it is not one of DEQUANT_TYPES, or when `b` does not hold
 * whole blocks.
 */
export function dequantizeInto(type: GgmlType, b: Uint8Array, out: Float32Array, k: number): number {
  const blk = BLOCK[type];
  if (!blk) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `ggml type ${ggmlTypeName(type)} cannot be dequantised by gauntlet (it reads ${dequantTypeNames()})`);
  }
  const [bytes, elems] = blk;
  if (b.length % bytes !== 0) throw new GauntletError('GAUNTLET_INTERNAL', `dequantize ${ggmlTypeName(type)}: ${b.length} bytes is not a whole number of ${bytes}-byte blocks`);
  const H = halfTable();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o < b.length; o += bytes, k += elems) {
    switch (type) {
      case GgmlType.F32: out[k] = dv.getFloat32(o, true); break;
      case GgmlType.F16: out[k] = H[u16(b, o)]!; break;
      case GgmlType.BF16: U32V[0] = u16(b, o) << 16; out[k] = F32V[0]!; break;
      case GgmlType.Q8_0: q8_0(b, o, out, k, H); break;
      case GgmlType.Q4_0: q4_0(b, o, out, k, H); break;
      case GgmlType.Q4_K: q45_K(b, o, out, k, H, false); break;
      case GgmlType.Q5_K: q45_K(b, o, out, k, H, true); break;
      case GgmlType.Q6_K: q6_K(b, o, out, k, H); break;
    }
  }
  return k;
}

/** Decodes a whole buffer of blocks. */
export function dequantize(type: GgmlType, b: Uint8Array): Float32Array {
  const blk = BLOCK[type];
  const out = new Float32Array(blk ? (b.length / blk[0]) * blk[1] : 0);
  dequantizeInto(type, b, out, 0);
  return out;
}

/** Bytes per read chunk for a type: ~1 MiB of whole blocks. */
export function chunkBytesFor(type: GgmlType): number {
  const bytes = BLOCK[type]?.[0] ?? 1;
  return bytes * Math.max(1, Math.floor((1 << 20) / bytes));
}
