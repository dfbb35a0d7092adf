/**
 * Model files the oracle's own tests need beyond the generator's presets: a tiny model whose vocabulary holds
 * non-ASCII pieces (so that the tokenizer's Unicode handling is compared against llama.cpp on real matches, not
 * only on [UNK]), and tiny models with one metadata key or tensor type changed.
 */
import { modelKvs, modelTensors } from './generator.ts';
import { archShape, PRESETS } from './model-spec.ts';
import { baseVocab } from './vocab.ts';
import { writeGguf, type GgufKv, type GgufTensorSpec } from './writer.ts';
import { preprocessWpm } from './tokenizer.ts';
import { CORPUS } from './corpus.ts';
import type { Arch, ModelSpec, Pooling } from './types.ts';

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
  const spec: ModelSpec = archShape(opts.arch ?? 'bert', { ...PRESETS.tiny, vocab: tokens.length }, opts.dtype ?? 'f32', opts.pooling);
  let kvs = modelKvs(spec, seed, tokens);
  let tensors = modelTensors(spec, seed);
  if (opts.editKvs) kvs = opts.editKvs(kvs);
  if (opts.editTensors) tensors = opts.editTensors(tensors);
  await writeGguf(out, kvs, tensors);
  return out;
}
