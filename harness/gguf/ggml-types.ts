import { GgmlType } from './types.ts';

/** Elements per block and bytes per block of each ggml type (llama.cpp's ggml type traits). */
const TRAITS: Record<number, { name: string; block: number; bytes: number }> = {
  [GgmlType.F32]: { name: 'F32', block: 1, bytes: 4 },
  [GgmlType.F16]: { name: 'F16', block: 1, bytes: 2 },
  [GgmlType.Q4_0]: { name: 'Q4_0', block: 32, bytes: 18 },
  [GgmlType.Q4_1]: { name: 'Q4_1', block: 32, bytes: 20 },
  [GgmlType.Q5_0]: { name: 'Q5_0', block: 32, bytes: 22 },
  [GgmlType.Q5_1]: { name: 'Q5_1', block: 32, bytes: 24 },
  [GgmlType.Q8_0]: { name: 'Q8_0', block: 32, bytes: 34 },
  [GgmlType.Q8_1]: { name: 'Q8_1', block: 32, bytes: 36 },
  [GgmlType.Q2_K]: { name: 'Q2_K', block: 256, bytes: 84 },
  [GgmlType.Q3_K]: { name: 'Q3_K', block: 256, bytes: 110 },
  [GgmlType.Q4_K]: { name: 'Q4_K', block: 256, bytes: 144 },
  [GgmlType.Q5_K]: { name: 'Q5_K', block: 256, bytes: 176 },
  [GgmlType.Q6_K]: { name: 'Q6_K', block: 256, bytes: 210 },
  [GgmlType.Q8_K]: { name: 'Q8_K', block: 256, bytes: 292 },
  [GgmlType.IQ2_XXS]: { name: 'IQ2_XXS', block: 256, bytes: 66 },
  [GgmlType.IQ2_XS]: { name: 'IQ2_XS', block: 256, bytes: 74 },
  [GgmlType.IQ3_XXS]: { name: 'IQ3_XXS', block: 256, bytes: 98 },
  [GgmlType.IQ1_S]: { name: 'IQ1_S', block: 256, bytes: 50 },
  [GgmlType.IQ4_NL]: { name: 'IQ4_NL', block: 32, bytes: 18 },
  [GgmlType.IQ3_S]: { name: 'IQ3_S', block: 256, bytes: 110 },
  [GgmlType.IQ2_S]: { name: 'IQ2_S', block: 256, bytes: 82 },
  [GgmlType.IQ4_XS]: { name: 'IQ4_XS', block: 256, bytes: 136 },
  [GgmlType.I8]: { name: 'I8', block: 1, bytes: 1 },
  [GgmlType.I16]: { name: 'I16', block: 1, bytes: 2 },
  [GgmlType.I32]: { name: 'I32', block: 1, bytes: 4 },
  [GgmlType.I64]: { name: 'I64', block: 1, bytes: 8 },
  [GgmlType.F64]: { name: 'F64', block: 1, bytes: 8 },
  [GgmlType.IQ1_M]: { name: 'IQ1_M', block: 256, bytes: 56 },
  [GgmlType.BF16]: { name: 'BF16', block: 1, bytes: 2 },
};

export function isKnownGgmlType(t: number): t is GgmlType {
  return Object.prototype.hasOwnProperty.call(TRAITS, t);
}

export function ggmlTypeName(t: number): string {
  return TRAITS[t]?.name ?? `unknown(${t})`;
}

export function ggmlBlockSize(t: GgmlType): number {
  return TRAITS[t]!.block;
}

/**
 * Bytes of a tensor of this type and shape, or undefined when the element count is not a whole number of
 * blocks or the size would not be an exact JS integer.
 */
export function ggmlByteSize(t: GgmlType, dims: readonly number[]): number | undefined {
  const tr = TRAITS[t];
  if (!tr) return undefined;
  if (dims.length > 0 && dims[0]! % tr.block !== 0) return undefined;
  let n = 1n;
  for (const d of dims) n *= BigInt(d);
  const bytes = (n / BigInt(tr.block)) * BigInt(tr.bytes);
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : undefined;
}

export function alignUp(n: number, alignment: number): number {
  const r = n % alignment;
  return r === 0 ? n : n + (alignment - r);
}

/** IEEE half -> float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** float -> IEEE half, round to nearest even (handles subnormals, overflow to Inf, NaN). */
export function floatToHalf(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
