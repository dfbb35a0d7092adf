import { usageError } from '../util/errors.ts';
import type { Arch, ModelSpec, Pooling } from './types.ts';
import { DTYPE_INFO, widthFactor } from './dtype.ts';
import { BASE_VOCAB_SIZE } from './vocab.ts';
import { BPE_BASE_VOCAB_SIZE } from './vocab-bpe.ts';

export type { Arch, Pooling } from './types.ts';
export type Dtype = ModelSpec['dtype'];
export type Preset = 'tiny' | 'small';
export const ARCHS: readonly Arch[] = ['bert', 'nomic-bert', 'qwen3'];
export const POOLINGS: readonly Pooling[] = ['mean', 'cls', 'last'];
/** The pooling each architecture's real models declare: BERT/nomic-embed mean, Qwen3-Embedding the last token. */
export const DEFAULT_POOLING: Record<Arch, Pooling> = { bert: 'mean', 'nomic-bert': 'mean', qwen3: 'last' };

type Shape = Pick<ModelSpec, 'embedding' | 'layers' | 'heads' | 'ffn' | 'context' | 'vocab'>;
export const PRESETS: Record<Preset, Shape> = {
  // FACTS.md: E 64, 2 layers, 4 heads, F 128, C 128 loads in ~20 ms
  tiny: { embedding: 64, layers: 2, heads: 4, ffn: 128, context: 128, vocab: 200 },
  // ~30 MB in F32
  small: { embedding: 256, layers: 4, heads: 4, ffn: 1024, context: 512, vocab: 16000 },
};

/**
 * A preset's shape for one architecture. qwen3 gets grouped-query attention (half as many key/value heads) and a
 * head twice as wide as embedding / heads, as Qwen3-0.6B has (16 heads of 128 on a width of 1024), so that the
 * q/k/v width differs from the embedding width; its byte-level BPE vocabulary needs 256 byte tokens to start with.
 */
export function archShape(arch: Arch, shape: Shape, dtype: Dtype, pooling?: Pooling): ModelSpec {
  const qwen = arch === 'qwen3';
  return {
    arch,
    pooling: pooling ?? DEFAULT_POOLING[arch],
    ...shape,
    vocab: qwen ? Math.max(shape.vocab, 2 * BPE_BASE_VOCAB_SIZE) : shape.vocab,
    headsKv: qwen ? Math.max(1, shape.heads / 2) : shape.heads,
    headDim: qwen ? (2 * shape.embedding) / shape.heads : shape.embedding / shape.heads,
    dtype,
  };
}

/** Bytes per weight of each dtype (Q8_0: 34-byte blocks of 32, Q4_K: 144-byte blocks of 256, ...). */
export function bytesPerWeight(dtype: Dtype): number {
  return DTYPE_INFO[dtype].bytesPerWeight;
}

/**
 * A preset's shape for a dtype: embedding and FFN width scaled by the smallest factor that makes every matrix row a
 * whole number of the dtype's blocks (K-quants: 256), the head count kept (tiny: E 64 F 128 -> E 256 F 512).
 */
export function shapeForDtype<S extends { embedding: number; ffn: number }>(shape: S, dtype: Dtype): S {
  const k = widthFactor(dtype, [shape.embedding, shape.ffn]);
  return k === 1 ? shape : { ...shape, embedding: shape.embedding * k, ffn: shape.ffn * k };
}

const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, k: 1e3, m: 1e6, g: 1e9,
};

/** "1GB" -> 1e9, "512MiB" -> 536870912, "4.3 GB" -> 4.3e9, "1000" -> 1000 bytes. */
export function parseSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw usageError(`--size: cannot parse ${JSON.stringify(s)}; expected a number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. "1GB"`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Approximate file bytes of a spec (weights plus vocabulary strings). */
export function estimateBytes(s: ModelSpec): number {
  const bpw = bytesPerWeight(s.dtype);
  const E = s.embedding;
  const q = s.heads * s.headDim;
  const kv = s.headsKv * s.headDim;
  const perLayer =
    s.arch === 'bert'
      ? (4 * E * E + 2 * E * s.ffn) * bpw + (9 * E + s.ffn) * 4
      : s.arch === 'nomic-bert'
        ? (4 * E * E + 3 * E * s.ffn) * bpw + 4 * E * 4
        : (2 * E * q + 2 * E * kv + 3 * E * s.ffn) * bpw + (2 * E + 2 * s.headDim) * 4;
  const positions = s.arch === 'bert' ? s.context : 0;
  return (s.vocab + positions) * E * bpw + s.layers * perLayer + s.vocab * 24 + 4096;
}

const WIDTHS = [256, 384, 512, 768, 1024, 1536, 2048, 2560, 3072];
const MAX_LAYERS = 48;
const MAX_VOCAB = 250_000;

/** A shape whose file is close to `bytes`: width grows until at most 48 layers suffice, vocab fills the rest. */
export function specForSize(bytes: number, dtype: Dtype, arch: Arch = 'bert', pooling?: Pooling): ModelSpec {
  const bpw = bytesPerWeight(dtype);
  const context = 512;
  let spec: ModelSpec | undefined;
  for (const E of WIDTHS.filter((w) => w % DTYPE_INFO[dtype].rowBlock === 0)) {
    const ffn = 4 * E;
    const vocab0 = Math.min(30_000, Math.max(BASE_VOCAB_SIZE, Math.floor((bytes * 0.3) / (E * bpw))));
    const base = archShape(arch, { embedding: E, layers: 0, heads: E / 64, ffn, context, vocab: vocab0 }, dtype, pooling);
    const perLayer = estimateBytes({ ...base, layers: 1 }) - estimateBytes(base);
    const layers = Math.max(1, Math.floor((bytes - estimateBytes(base)) / perLayer));
    spec = { ...base, layers };
    if (layers <= MAX_LAYERS) break;
  }
  const s = spec!;
  const rest = bytes - estimateBytes({ ...s, vocab: 0 });
  const minVocab = arch === 'qwen3' ? 2 * BPE_BASE_VOCAB_SIZE : BASE_VOCAB_SIZE;
  s.vocab = Math.min(MAX_VOCAB, Math.max(minVocab, Math.floor(rest / (s.embedding * bpw + 24))));
  return s;
}
