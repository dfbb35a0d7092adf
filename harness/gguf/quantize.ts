/**
 * float32 -> ggml block formats, for the generator. The layouts are ggml's (ggml-common.h) and each is the exact
 * inverse of dequant.ts. Q8_0 and Q4_0 choose their scales as ggml's reference quantisers do
 * (quantize_row_q8_0_ref / q4_0_ref: byte-identical, checked in test/gguf/dequant.test.ts). The K-quants choose
 * theirs in a simpler way than llama-quantize (no search for the best scale, no importance weights): per sub-block
 * the range [min(x, 0), max(x)] split into equal steps, the sub-block scales and mins stored in 6 bits (Q4_K, Q5_K)
 * or 8 bits (Q6_K) against a per-super-block FP16 scale. Valid files whose error is close to ggml's (the test
 * bounds it), not byte-identical to llama-quantize's.
 */
import { GauntletError } from '../util/errors.ts';
import { floatToHalf, ggmlTypeName, halfToFloat } from './ggml-types.ts';
import { GgmlType } from './types.ts';

const fr = Math.fround;

/** Types the generator can write besides F32 and F16. */
export const QUANT_TYPES: readonly GgmlType[] = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

/** Elements per block and bytes per block of the quantised types. */
export const QUANT_BLOCK: Record<number, [elements: number, bytes: number]> = {
  [GgmlType.Q8_0]: [32, 34], [GgmlType.Q4_0]: [32, 18], [GgmlType.Q4_K]: [256, 144], [GgmlType.Q5_K]: [256, 176], [GgmlType.Q6_K]: [256, 210],
};

/** A half's value after rounding x to half precision. */
const h16 = (x: number): number => halfToFloat(floatToHalf(x));

function putU16(out: Uint8Array, o: number, v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = v >> 8;
}

function q8_0(v: Float32Array, i: number, out: Uint8Array, o: number): void {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(v[i + j]!));
  const d = fr(amax / 127);
  const id = d ? fr(1 / d) : 0;
  putU16(out, o, floatToHalf(d));
  for (let j = 0; j < 32; j++) {
    const x = fr(v[i + j]! * id);
    out[o + 2 + j] = (Math.sign(x) * Math.round(Math.abs(x))) & 0xff; // roundf: halves away from zero
  }
}

function q4_0(v: Float32Array, i: number, out: Uint8Array, o: number): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    const x = v[i + j]!;
    if (amax < Math.abs(x)) {
      amax = Math.abs(x);
      max = x;
    }
  }
  const d = fr(max / -8);
  const id = d ? fr(1 / d) : 0;
  putU16(out, o, floatToHalf(d));
  const q = (x: number): number => Math.min(15, Math.trunc(fr(fr(x * id) + 8.5)));
  for (let j = 0; j < 16; j++) out[o + 2 + j] = q(v[i + j]!) | (q(v[i + j + 16]!) << 4);
}

/** Packs eight 6-bit scales and mins the way ggml's get_scale_min_k4 unpacks them. */
function packScalesK4(ls: number[], lm: number[], out: Uint8Array, o: number): void {
  for (let j = 0; j < 12; j++) out[o + j] = 0;
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      out[o + j] = ls[j]!;
      out[o + j + 4] = lm[j]!;
    } else {
      out[o + j + 4] = (ls[j]! & 0xf) | ((lm[j]! & 0xf) << 4);
      out[o + j - 4]! |= (ls[j]! >> 4) << 6;
      out[o + j]! |= (lm[j]! >> 4) << 6;
    }
  }
}

/** Q4_K (levels 15) and Q5_K (levels 31): x ~ d*ls*q - dmin*lm per sub-block of 32. */
function q45_K(v: Float32Array, i: number, out: Uint8Array, o: number, five: boolean): void {
  const levels = five ? 31 : 15;
  const scales: number[] = [];
  const mins: number[] = [];
  for (let s = 0; s < 8; s++) {
    let lo = 0;
    let hi = -Infinity;
    for (let l = 0; l < 32; l++) {
      const x = v[i + 32 * s + l]!;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    scales.push((hi - lo) / levels);
    mins.push(-lo);
  }
  const maxScale = Math.max(...scales);
  const maxMin = Math.max(...mins);
  const d = h16(maxScale / 63);
  const dmin = h16(maxMin / 63);
  putU16(out, o, floatToHalf(maxScale / 63));
  putU16(out, o + 2, floatToHalf(maxMin / 63));
  // the scale rounds up so that the top of the range stays reachable; the min rounds to nearest
  const ls = scales.map((s) => (d > 0 ? Math.min(63, Math.ceil(s / d - 1e-6)) : 0));
  const lm = mins.map((m) => (dmin > 0 ? Math.min(63, Math.round(m / dmin)) : 0));
  packScalesK4(ls, lm, out, o + 4);
  const L = new Uint8Array(256);
  for (let s = 0; s < 8; s++) {
    const step = fr(d * ls[s]!);
    const off = fr(dmin * lm[s]!);
    if (!step) continue;
    for (let l = 0; l < 32; l++) L[32 * s + l] = Math.max(0, Math.min(levels, Math.round((v[i + 32 * s + l]! + off) / step)));
  }
  const qh = o + 16;
  const ql = five ? o + 48 : o + 16;
  if (five) for (let l = 0; l < 32; l++) out[qh + l] = 0;
  for (let p = 0; p < 4; p++) {
    for (let l = 0; l < 32; l++) {
      const a = L[64 * p + l]!;
      const b = L[64 * p + 32 + l]!;
      out[ql + 32 * p + l] = (a & 0xf) | ((b & 0xf) << 4);
      if (five) out[qh + l]! |= ((a >> 4) << (2 * p)) | ((b >> 4) << (2 * p + 1));
    }
  }
}

/** Q6_K: x ~ d*sc*(q-32), sc int8 per sub-block of 16, q in 0..63. */
function q6_K(v: Float32Array, i: number, out: Uint8Array, o: number): void {
  const scales: number[] = [];
  for (let s = 0; s < 16; s++) {
    let amax = 0;
    let max = 0;
    for (let l = 0; l < 16; l++) {
      const x = v[i + 16 * s + l]!;
      if (Math.abs(x) > amax) {
        amax = Math.abs(x);
        max = x;
      }
    }
    scales.push(max / -32); // the largest magnitude maps to -32, the one level with no partner
  }
  let maxScale = 0;
  for (const s of scales) if (Math.abs(s) > Math.abs(maxScale)) maxScale = s;
  out.fill(0, o, o + 210);
  if (maxScale === 0) return;
  const iscale = -128 / maxScale;
  putU16(out, o + 208, floatToHalf(1 / iscale));
  const d = h16(1 / iscale);
  const sc = scales.map((s) => Math.max(-128, Math.min(127, Math.round(iscale * s))));
  for (let s = 0; s < 16; s++) out[o + 192 + s] = sc[s]! & 0xff;
  const L = new Uint8Array(256);
  for (let s = 0; s < 16; s++) {
    const step = fr(d * sc[s]!);
    for (let l = 0; l < 16; l++) L[16 * s + l] = step ? Math.max(-32, Math.min(31, Math.round(v[i + 16 * s + l]! / step))) + 32 : 32;
  }
  for (let n = 0; n < 2; n++) {
    const j = 128 * n;
    const ql = o + 64 * n;
    const qh = o + 128 + 32 * n;
    for (let l = 0; l < 32; l++) {
      const q1 = L[j + l]!, q2 = L[j + l + 32]!, q3 = L[j + l + 64]!, q4 = L[j + l + 96]!;
      out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

/** Quantises `v` (a whole number of blocks) to `type`'s bytes. */
export function quantize(type: GgmlType, v: Float32Array): Uint8Array {
  const blk = QUANT_BLOCK[type];
  if (!blk) throw new GauntletError('GAUNTLET_INTERNAL', `quantize: gauntlet does not write ${ggmlTypeName(type)}`);
  const [elems, bytes] = blk;
  if (v.length % elems !== 0) {
    throw new GauntletError('GAUNTLET_INTERNAL', `quantize ${ggmlTypeName(type)}: ${v.length} values is not a whole number of ${elems}-element blocks`);
  }
  const out = new Uint8Array((v.length / elems) * bytes);
  const dAt = type === GgmlType.Q6_K ? 208 : 0;
  for (let i = 0, o = 0; i < v.length; i += elems, o += bytes) {
    switch (type) {
      case GgmlType.Q8_0: q8_0(v, i, out, o); break;
      case GgmlType.Q4_0: q4_0(v, i, out, o); break;
      case GgmlType.Q4_K: q45_K(v, i, out, o, false); break;
      case GgmlType.Q5_K: q45_K(v, i, out, o, true); break;
      case GgmlType.Q6_K: q6_K(v, i, out, o); break;
    }
    // a NaN or Inf weight makes its block's scale NaN / Inf (so the block dequantises to it), as it does in F16
    for (let j = i; j < i + elems; j++) {
      if (!Number.isFinite(v[j]!)) {
        putU16(out, o + dAt, floatToHalf(v[j]!));
        break;
      }
    }
  }
  return out;
}
