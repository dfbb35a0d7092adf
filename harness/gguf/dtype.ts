/**
 * The weight types the generator writes (`--dtype`, `model: { dtype }`): which ggml type the matrices get, the
 * general.file_type llama.cpp's quantize tool would write for them, and the row-length constraint of their blocks.
 */
import { GgmlType } from './types.ts';

export const DTYPES = ['f32', 'f16', 'q8_0', 'q4_0', 'q4_k', 'q5_k', 'q6_k'] as const;
export type Dtype = (typeof DTYPES)[number];

export interface DtypeInfo {
  /** The ggml type of every weight matrix (norms, biases and token types stay F32). */
  ggml: GgmlType;
  /** llama.cpp's llama_ftype: ALL_F32 0, MOSTLY_F16 1, Q4_0 2, Q8_0 7, Q4_K_S 14, Q5_K_S 16, Q6_K 18. */
  fileType: number;
  /** Elements per block: a matrix row (ne0) must be a multiple of it. */
  rowBlock: number;
  bytesPerWeight: number;
}

export const DTYPE_INFO: Record<Dtype, DtypeInfo> = {
  f32: { ggml: GgmlType.F32, fileType: 0, rowBlock: 1, bytesPerWeight: 4 },
  f16: { ggml: GgmlType.F16, fileType: 1, rowBlock: 1, bytesPerWeight: 2 },
  q8_0: { ggml: GgmlType.Q8_0, fileType: 7, rowBlock: 32, bytesPerWeight: 34 / 32 },
  q4_0: { ggml: GgmlType.Q4_0, fileType: 2, rowBlock: 32, bytesPerWeight: 18 / 32 },
  // every matrix in the K type: the "S" (small) mixes of llama-quantize are the nearest names
  q4_k: { ggml: GgmlType.Q4_K, fileType: 14, rowBlock: 256, bytesPerWeight: 144 / 256 },
  q5_k: { ggml: GgmlType.Q5_K, fileType: 16, rowBlock: 256, bytesPerWeight: 176 / 256 },
  q6_k: { ggml: GgmlType.Q6_K, fileType: 18, rowBlock: 256, bytesPerWeight: 210 / 256 },
};

export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

/** "f32, f16, q8_0, q4_0, q4_k, q5_k or q6_k" */
export function dtypeList(sep = ', ', last = ' or '): string {
  return `${DTYPES.slice(0, -1).join(sep)}${last}${DTYPES[DTYPES.length - 1]}`;
}

/** The dtype whose matrices have this ggml type, if any (what `gauntlet gguf verify` reports a file as). */
export function dtypeOfGgml(t: GgmlType): Dtype | undefined {
  return DTYPES.find((d) => DTYPE_INFO[d].ggml === t);
}

/**
 * The smallest whole factor that makes every row length a multiple of the dtype's block. The synthetic shapes scale
 * embedding and FFN width (and the rest with them) by it: the tiny preset (E 64, F 128) becomes E 256, F 512 for
 * the K-quants, as llama-quantize would otherwise have to fall back to another type for every matrix.
 */
export function widthFactor(dtype: Dtype, widths: readonly number[]): number {
  const b = DTYPE_INFO[dtype].rowBlock;
  for (let k = 1; ; k++) if (widths.every((w) => (w * k) % b === 0)) return k;
}
