import { usageError } from '../util/errors.ts';
import type { ModelSpec } from './types.ts';
import { BASE_VOCAB_SIZE } from './vocab.ts';

export type Dtype = ModelSpec['dtype'];
export type Preset = 'tiny' | 'small';

export const PRESETS: Record<Preset, Omit<ModelSpec, 'dtype'>> = {
  // FACTS.md: E 64, 2 layers, 4 heads, F 128, C 128 loads in ~20 ms
  tiny: { embedding: 64, layers: 2, heads: 4, ffn: 128, context: 128, vocab: 200 },
  // ~30 MB in F32
  small: { embedding: 256, layers: 4, heads: 4, ffn: 1024, context: 512, vocab: 16000 },
};

/** Bytes per weight of each dtype (Q8_0: 34-byte blocks of 32). */
export function bytesPerWeight(dtype: Dtype): number {
  return dtype === 'f32' ? 4 : dtype === 'f16' ? 2 : 34 / 32;
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
  const perLayer = (4 * E * E + 2 * E * s.ffn) * bpw + (9 * E + s.ffn) * 4;
  return (s.vocab + s.context) * E * bpw + s.layers * perLayer + s.vocab * 24 + 4096;
}

const WIDTHS = [256, 384, 512, 768, 1024, 1536, 2048, 2560, 3072];
const MAX_LAYERS = 48;
const MAX_VOCAB = 250_000;

/** A BERT shape whose file is close to `bytes`: width grows until at most 48 layers suffice, vocab fills the rest. */
export function specForSize(bytes: number, dtype: Dtype): ModelSpec {
  const bpw = bytesPerWeight(dtype);
  const context = 512;
  let spec: ModelSpec | undefined;
  for (const E of WIDTHS) {
    const ffn = 4 * E;
    const vocab0 = Math.min(30_000, Math.max(BASE_VOCAB_SIZE, Math.floor((bytes * 0.3) / (E * bpw))));
    const base: ModelSpec = { embedding: E, layers: 0, heads: E / 64, ffn, context, vocab: vocab0, dtype };
    const perLayer = estimateBytes({ ...base, layers: 1 }) - estimateBytes(base);
    const layers = Math.max(1, Math.floor((bytes - estimateBytes(base)) / perLayer));
    spec = { ...base, layers };
    if (layers <= MAX_LAYERS) break;
  }
  const s = spec!;
  const rest = bytes - estimateBytes({ ...s, vocab: 0 });
  s.vocab = Math.min(MAX_VOCAB, Math.max(BASE_VOCAB_SIZE, Math.floor(rest / (s.embedding * bpw + 24))));
  return s;
}
