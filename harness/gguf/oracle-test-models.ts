/**
 * Model files the oracle's own tests need beyond the generator's presets: a tiny model whose vocabulary holds
 * non-ASCII pieces (so that the tokenizer's Unicode handling is compared against llama.cpp on real matches, not
 * only on [UNK]), and tiny models with one metadata key or tensor type changed.
 */
import { modelKvs, modelTensors } from './generator.ts';
import { archShape, PRESETS, shapeForDtype } from './model-spec.ts';
import { baseVocab } from './vocab.ts';
import { writeGguf, type GgufKv, type GgufTensorSpec } from './writer.ts';
import { preprocessWpm } from './tokenizer.ts';
import { CORPUS } from './corpus.ts';
import { GgmlType, type Arch, type ModelSpec, type Pooling } from './types.ts';
import { floatToHalf } from './ggml-types.ts';
import { deriveSeed, Rng } from './prng.ts';

const WORD_START = '\u2581';

/**
 * A vocabulary of the base pieces plus pieces cut from the corpus words: every other word whole, the rest as a
 * word-start character plus bare characters, and words holding an emoji left out (they must come out [UNK]).
 */
export function multilingualVocab(): string[] {
  const tokens = baseVocab();
  const seen = new Set(tokens);
  const add = (t: string): void => {
    if (!seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  };
  const words = CORPUS.flatMap((t) => preprocessWpm(t, { lowercase: true, stripAccents: true }));
  words.forEach((w, i) => {
    if (/\p{Extended_Pictographic}/u.test(w)) return;
    const chars = [...w];
    if (i % 2 === 0) add(WORD_START + w);
    add(WORD_START + chars[0]!);
    for (const c of chars.slice(1)) add(c);
  });
  // a few multi-character continuation pieces, so that greedy longest-match has choices to make
  for (const piece of ['ир', 'мир', 'ημ', 'ство', 'ing', 'ness']) add(piece);
  return tokens;
}

export interface TestModelOptions {
  seed?: number;
  tokens?: string[];
  dtype?: ModelSpec['dtype'];
  /** A WordPiece architecture (bert, nomic-bert; default bert). */
  arch?: Exclude<Arch, 'qwen3'>;
  pooling?: Pooling;
  /** Changes applied to the metadata before writing. */
  editKvs?: (kvs: GgufKv[]) => GgufKv[];
  /** Changes applied to the tensor list before writing. */
  editTensors?: (tensors: GgufTensorSpec[]) => GgufTensorSpec[];
}

/** Writes a tiny-preset WordPiece model (BERT unless `arch` says nomic-bert), optionally with its own vocabulary or edited keys/tensors. */
export async function writeTestModel(out: string, opts: TestModelOptions = {}): Promise<string> {
  const seed = opts.seed ?? 7;
  const tokens = opts.tokens ?? baseVocab();
  const spec: ModelSpec = archShape(opts.arch ?? 'bert', shapeForDtype({ ...PRESETS.tiny, vocab: tokens.length }, opts.dtype ?? 'f32'), opts.dtype ?? 'f32', opts.pooling);
  let kvs = modelKvs(spec, seed, tokens);
  let tensors = modelTensors(spec, seed);
  if (opts.editKvs) kvs = opts.editKvs(kvs);
  if (opts.editTensors) tensors = opts.editTensors(tensors);
  await writeGguf(out, kvs, tensors);
  return out;
}

/**
 * Q4_1 blocks (ggml-common.h block_q4_1: FP16 d, FP16 m, 16 bytes of nibbles; x = d*q + m) of seeded N(0, 0.02)
 * values: a type llama.cpp multiplies with and gauntlet's oracle does not read, for tests of what happens when the
 * oracle cannot judge a model (golden vectors).
 */
export function q4_1Tensor(t: GgufTensorSpec, seed: number): GgufTensorSpec {
  const count = t.dims.reduce((a, b) => a * b, 1);
  const v = new Float32Array(count);
  new Rng(deriveSeed(seed, t.name)).fillBell(v, 0, 0.02);
  const out = Buffer.alloc((count / 32) * 20);
  for (let b = 0; b < count / 32; b++) {
    const x = v.subarray(b * 32, b * 32 + 32);
    const min = Math.min(...x);
    const d = (Math.max(...x) - min) / 15;
    out.writeUInt16LE(floatToHalf(d), b * 20);
    out.writeUInt16LE(floatToHalf(min), b * 20 + 2);
    const q = (y: number) => (d ? Math.max(0, Math.min(15, Math.round((y - min) / d))) : 0);
    for (let j = 0; j < 16; j++) out[b * 20 + 4 + j] = q(x[j]!) | (q(x[j + 16]!) << 4);
  }
  return { ...t, type: GgmlType.Q4_1, data: () => [out] };
}

/** The tiny model with every layer matrix in Q4_1 (node-llama-cpp loads it; the oracle names the type it cannot read). */
export async function writeQ4_1Model(out: string, seed = 7): Promise<string> {
  return writeTestModel(out, {
    seed,
    editTensors: (ts) => ts.map((t) => (/^blk\.\d+\.(attn_[qkv]|attn_output|ffn_up|ffn_down)\.weight$/.test(t.name) ? q4_1Tensor(t, seed) : t)),
  });
}
