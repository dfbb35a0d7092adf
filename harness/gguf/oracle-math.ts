/**
 * Numeric kernels of the reference BERT forward pass. Activations are Float64; weights stay Float32 as read.
 * Matrices use ggml's layout: a [in, out] tensor (ne0 = in) is `out` rows of `in` contiguous values.
 */

/** Rounds to the nearest IEEE half-precision value (ties to even), as ggml's FP32->FP16 conversion does. */
export function f16Round(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  const sign = f < 0 ? -1 : 1;
  const a = Math.abs(f);
  if (a >= 65520) return sign * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = e < -14 ? 2 ** -24 : 2 ** (e - 10);
  const v = a / quantum;
  const fl = Math.floor(v);
  const d = v - fl;
  const r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
  return sign * r * quantum;
}

const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_COEF_A = 0.044715;

/**
 * GELU as llama.cpp's CPU backend applies it to F32 tensors: the tanh approximation, looked up in a table indexed
 * by the FP16 value of the input, so input and output are both rounded to FP16; |x| >= 10 short-circuits.
 */
export function geluLlama(x: number): number {
  if (x <= -10) return 0;
  if (x >= 10) return x;
  const h = f16Round(x);
  return f16Round(0.5 * h * (1 + Math.tanh(SQRT_2_OVER_PI * h * (1 + GELU_COEF_A * h * h))));
}

/** y[t] = W x[t] (+ b) for `rows` tokens; W is [nIn, nOut] in ggml order. */
export function linear(x: Float64Array, rows: number, nIn: number, w: Float32Array, nOut: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(rows * nOut);
  for (let t = 0; t < rows; t++) {
    const xo = t * nIn;
    const yo = t * nOut;
    for (let j = 0; j < nOut; j++) {
      const wo = j * nIn;
      let s = 0;
      for (let i = 0; i < nIn; i++) s += w[wo + i]! * x[xo + i]!;
      y[yo + j] = b ? s + b[j]! : s;
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

/** Multi-head self-attention over all tokens (no mask): q, k, v are [rows, heads * headDim]. */
export function selfAttention(q: Float64Array, k: Float64Array, v: Float64Array, rows: number, heads: number, headDim: number): Float64Array {
  const e = heads * headDim;
  const out = new Float64Array(rows * e);
  const scale = 1 / Math.sqrt(headDim);
  const p = new Float64Array(rows);
  for (let h = 0; h < heads; h++) {
    const ho = h * headDim;
    for (let i = 0; i < rows; i++) {
      let max = -Infinity;
      for (let j = 0; j < rows; j++) {
        let s = 0;
        for (let d = 0; d < headDim; d++) s += q[i * e + ho + d]! * k[j * e + ho + d]!;
        s *= scale;
        p[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < rows; j++) {
        const x = Math.exp(p[j]! - max);
        p[j] = x;
        sum += x;
      }
      for (let j = 0; j < rows; j++) {
        const wgt = p[j]! / sum;
        for (let d = 0; d < headDim; d++) out[i * e + ho + d] += wgt * v[j * e + ho + d]!;
      }
    }
  }
  return out;
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
