/**
 * Numeric kernels of the reference forward passes (BERT, nomic-bert, Qwen3). Activations are Float64; weights stay Float32 as read.
 * Matrices use ggml's layout: a [in, out] tensor (ne0 = in) is `out` rows of `in` contiguous values.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half-precision bit pattern of x (first rounded to float32), ties to even, as ggml's FP32->FP16. */
export function f16Bits(x: number): number {
  F32[0] = x;
  const b = U32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp === 0) return sign; // float32 subnormals are far below half's smallest subnormal
  const e = exp - 127;
  const shift = e >= -14 ? 13 : 13 + (-14 - e);
  if (shift > 24) return sign;
  const m = mant | 0x800000;
  let q = m >>> shift;
  const rem = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (q & 1) === 1)) q++;
  // q counts units of 2^(e - 23 + shift); rebuild the half bits from the value
  if (e >= -14) {
    // normal: q in [1024, 2048]; 2048 carries into the exponent
    let he = e + 15;
    let hm = q - 1024;
    if (q === 2048) {
      he++;
      hm = 0;
    }
    if (he >= 31) return sign | 0x7c00;
    return sign | (he << 10) | hm;
  }
  return sign | q; // subnormal (q may reach 1024, which is exactly the smallest normal's pattern)
}

/** The value of a half-precision bit pattern. */
export function f16FromBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Rounds to the nearest IEEE half-precision value (ties to even), as ggml's FP32->FP16 conversion does. */
export function f16Round(x: number): number {
  return f16FromBits(f16Bits(x));
}

const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_COEF_A = 0.044715;
/** ggml's GELU table, indexed by the FP16 bits of the input; filled on first use of each entry. */
const GELU_TABLE = new Float64Array(65536).fill(NaN);

/**
 * GELU as llama.cpp's CPU backend applies it to F32 tensors: the tanh approximation, looked up in a table indexed
 * by the FP16 value of the input, so input and output are both rounded to FP16; |x| >= 10 short-circuits.
 */
export function geluLlama(x: number): number {
  if (x <= -10) return 0;
  if (x >= 10) return x;
  const bits = f16Bits(x);
  let y = GELU_TABLE[bits]!;
  if (Number.isNaN(y)) {
    const h = f16FromBits(bits);
    y = f16Round(0.5 * h * (1 + Math.tanh(SQRT_2_OVER_PI * h * (1 + GELU_COEF_A * h * h))));
    GELU_TABLE[bits] = y;
  }
  return y;
}

/** y[t] = W x[t] (+ b) for `rows` tokens; W is [nIn, nOut] in ggml order. Four tokens share each weight load. */
export function linear(x: Float64Array, rows: number, nIn: number, w: Float32Array, nOut: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(rows * nOut);
  let t = 0;
  for (; t + 4 <= rows; t += 4) {
    const x0 = t * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
    for (let j = 0; j < nOut; j++) {
      const wo = j * nIn;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < nIn; i++) {
        const wi = w[wo + i]!;
        s0 += wi * x[x0 + i]!;
        s1 += wi * x[x1 + i]!;
        s2 += wi * x[x2 + i]!;
        s3 += wi * x[x3 + i]!;
      }
      const bj = b ? b[j]! : 0;
      y[t * nOut + j] = s0 + bj;
      y[(t + 1) * nOut + j] = s1 + bj;
      y[(t + 2) * nOut + j] = s2 + bj;
      y[(t + 3) * nOut + j] = s3 + bj;
    }
  }
  for (; t < rows; t++) {
    const xo = t * nIn;
    for (let j = 0; j < nOut; j++) {
      const wo = j * nIn;
      let s = 0;
      for (let i = 0; i < nIn; i++) s += w[wo + i]! * x[xo + i]!;
      y[t * nOut + j] = b ? s + b[j]! : s;
    }
  }
  return y;
}

/** In place: each row normalised to zero mean and unit variance (eps added), then scaled and shifted. */
export function layerNorm(x: Float64Array, rows: number, n: number, w: Float32Array, b: Float32Array, eps: number): void {
  for (let t = 0; t < rows; t++) {
    const o = t * n;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[o + i]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = x[o + i]! - mean;
      v += d * d;
    }
    const scale = 1 / Math.sqrt(v / n + eps);
    for (let i = 0; i < n; i++) x[o + i] = (x[o + i]! - mean) * scale * w[i]! + b[i]!;
  }
}

/** One head's slice of a [rows, heads * headDim] matrix, as a contiguous [rows, headDim] one. */
function headSlice(m: Float64Array, rows: number, e: number, ho: number, headDim: number): Float64Array {
  const out = new Float64Array(rows * headDim);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * e + ho, r * e + ho + headDim), r * headDim);
  return out;
}

export interface AttentionShape {
  /** Query heads. */
  heads: number;
  /** Key/value heads (default `heads`); query head h reads key/value head floor(h / (heads / headsKv)), as ggml broadcasts. */
  headsKv?: number;
  headDim: number;
  /** Token i attends to tokens 0..i only (a decoder). */
  causal?: boolean;
}

/**
 * Multi-head self-attention scaled by 1/sqrt(headDim): q is [rows, heads * headDim], k and v are
 * [rows, headsKv * headDim]. Without `causal` every token sees every token (one unpadded sequence: no mask).
 */
export function selfAttention(q: Float64Array, k: Float64Array, v: Float64Array, rows: number, heads: number, headDim: number, opts: Omit<AttentionShape, 'heads' | 'headDim'> = {}): Float64Array {
  const headsKv = opts.headsKv ?? heads;
  const group = heads / headsKv;
  const e = heads * headDim;
  const ekv = headsKv * headDim;
  const out = new Float64Array(rows * e);
  const scale = 1 / Math.sqrt(headDim);
  const p = new Float64Array(rows);
  const acc = new Float64Array(headDim);
  for (let h = 0; h < heads; h++) {
    const hk = Math.floor(h / group);
    const qh = headSlice(q, rows, e, h * headDim, headDim);
    const kh = headSlice(k, rows, ekv, hk * headDim, headDim);
    const vh = headSlice(v, rows, ekv, hk * headDim, headDim);
    for (let i = 0; i < rows; i++) {
      const qo = i * headDim;
      const seen = opts.causal ? i + 1 : rows;
      let max = -Infinity;
      for (let j = 0; j < seen; j++) {
        const ko = j * headDim;
        let s = 0;
        for (let d = 0; d < headDim; d++) s += qh[qo + d]! * kh[ko + d]!;
        s *= scale;
        p[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < seen; j++) {
        const x = Math.exp(p[j]! - max);
        p[j] = x;
        sum += x;
      }
      acc.fill(0);
      for (let j = 0; j < seen; j++) {
        const wgt = p[j]! / sum;
        const vo = j * headDim;
        for (let d = 0; d < headDim; d++) acc[d] += wgt * vh[vo + d]!;
      }
      out.set(acc, i * e + h * headDim);
    }
  }
  return out;
}

/** In place: each row of `n` values divided by its root mean square (eps added), then scaled by w. */
export function rmsNorm(x: Float64Array, rows: number, n: number, w: Float32Array, eps: number): void {
  for (let t = 0; t < rows; t++) {
    const o = t * n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[o + i]! * x[o + i]!;
    const scale = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) x[o + i] = x[o + i]! * scale * w[i]!;
  }
}

/**
 * In place: rotary position embedding of a [rows, heads * headDim] matrix, token t at position t, in ggml's NeoX
 * layout (the pairs are dimension i and i + headDim/2 of each head, not neighbours), all of a head's dimensions
 * rotated: dimension pair i turns by t * base^(-2i/headDim).
 */
export function ropeNeox(x: Float64Array, rows: number, heads: number, headDim: number, base: number): void {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = base ** (-(2 * i) / headDim);
  for (let t = 0; t < rows; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const th = t * inv[i]!;
        const c = Math.cos(th);
        const s = Math.sin(th);
        const x0 = x[o + i]!;
        const x1 = x[o + i + half]!;
        x[o + i] = x0 * c - x1 * s;
        x[o + i + half] = x0 * s + x1 * c;
      }
    }
  }
}

/** SwiGLU: silu(gate) * up, elementwise, into a new array. */
export function swiglu(gate: Float64Array, up: Float64Array): Float64Array {
  const out = new Float64Array(gate.length);
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    out[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
  return out;
}

/** Columns [from, from + width) of a [rows, stride] matrix (one of q, k, v in a fused qkv projection). */
export function columns(m: Float64Array, rows: number, stride: number, from: number, width: number): Float64Array {
  return headSlice(m, rows, stride, from, width);
}

/** In place: a += b. */
export function addInPlace(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 && nb === 0) return 1;
  return dot / Math.sqrt(na * nb);
}

export function l2Normalize(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
