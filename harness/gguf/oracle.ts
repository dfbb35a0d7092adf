/**
 * The reference answer: an independent TypeScript forward pass of a BERT GGUF model, computed as llama.cpp's
 * BERT graph does (token + position + token-type-0 embeddings, embedding layer norm; per layer multi-head
 * self-attention without mask scaled by 1/sqrt(head_dim), output projection, residual, layer norm, FFN with
 * llama.cpp's GELU (tanh form through an FP16 table), residual, layer norm; then the model's pooling).
 * Activations are Float64; weights are read back from the file (dequantised) with readTensorF32.
 */
import { readGguf, readTensorF32 } from './reader.ts';
import type { GgufFile, GgufValue } from './types.ts';
import { WpmTokenizer } from './tokenizer.ts';
import { GauntletError } from '../util/errors.ts';
import { addInPlace, geluLlama, l2Normalize, layerNorm, linear, selfAttention } from './oracle-math.ts';

/** llama.cpp's pooling types (bert.pooling_type); NONE returns the last token's state, as node-llama-cpp reads it. */
export type OraclePooling = 'none' | 'mean' | 'cls' | 'last';
const POOLING: Record<number, OraclePooling> = { 0: 'none', 1: 'mean', 2: 'cls', 3: 'last' };

export interface OracleHparams {
  embedding: number;
  ffn: number;
  layers: number;
  heads: number;
  context: number;
  eps: number;
  pooling: OraclePooling;
}

interface LayerWeights {
  q: Float32Array; qb?: Float32Array;
  k: Float32Array; kb?: Float32Array;
  v: Float32Array; vb?: Float32Array;
  o: Float32Array; ob?: Float32Array;
  attnNormW: Float32Array; attnNormB: Float32Array;
  up: Float32Array; upB?: Float32Array;
  down: Float32Array; downB?: Float32Array;
  outNormW: Float32Array; outNormB: Float32Array;
}

interface ModelWeights {
  tokEmbd: Float32Array;
  posEmbd: Float32Array;
  typeRow0?: Float32Array;
  normW: Float32Array;
  normB: Float32Array;
  layers: LayerWeights[];
}

export interface EmbedOptions {
  /** L2-normalise the pooled vector (default false: node-llama-cpp returns un-normalised vectors). */
  normalize?: boolean;
}

export interface Oracle {
  readonly path: string;
  readonly dims: number;
  readonly contextSize: number;
  readonly hparams: OracleHparams;
  readonly tokenizer: WpmTokenizer;
  /** node-llama-cpp's `model.tokenize(text)`: ids without [CLS]/[SEP]. */
  tokenize(text: string): number[];
  /** The ids node-llama-cpp evaluates for an embedding ([CLS] ... [SEP]; [] for a text without tokens). */
  encode(text: string): number[];
  /** The embedding node-llama-cpp should return: empty for a text without tokens; throws past the context. */
  embed(text: string, opts?: EmbedOptions): Float32Array;
}

function metaNumber(meta: Map<string, GgufValue>, key: string, required: true): number;
function metaNumber(meta: Map<string, GgufValue>, key: string, required: false): number | undefined;
function metaNumber(meta: Map<string, GgufValue>, key: string, required: boolean): number | undefined {
  const v = meta.get(key);
  if (v === undefined) {
    if (required) throw new GauntletError('GAUNTLET_MODEL_INVALID', `${key}: missing; the oracle needs it to run the model`);
    return undefined;
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${key}: expected a number, got ${JSON.stringify(String(v))}`);
  }
  return Number(v);
}

export function hparamsFromMetadata(meta: Map<string, GgufValue>): OracleHparams {
  const arch = meta.get('general.architecture');
  if (arch !== 'bert') {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `general.architecture: expected "bert", got ${JSON.stringify(arch)}`);
  }
  const poolingId = metaNumber(meta, 'bert.pooling_type', false) ?? 0;
  const pooling = POOLING[poolingId];
  if (!pooling) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `bert.pooling_type: ${poolingId} is not supported (0 none, 1 mean, 2 cls, 3 last)`);
  }
  const hp: OracleHparams = {
    embedding: metaNumber(meta, 'bert.embedding_length', true),
    ffn: metaNumber(meta, 'bert.feed_forward_length', true),
    layers: metaNumber(meta, 'bert.block_count', true),
    heads: metaNumber(meta, 'bert.attention.head_count', true),
    context: metaNumber(meta, 'bert.context_length', true),
    eps: metaNumber(meta, 'bert.attention.layer_norm_epsilon', true),
    pooling,
  };
  for (const k of ['embedding', 'ffn', 'layers', 'heads', 'context'] as const) {
    if (!(hp[k] > 0)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `bert hparam ${k}: expected > 0, got ${hp[k]}`);
  }
  if (hp.embedding % hp.heads !== 0) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `bert.embedding_length ${hp.embedding} is not a multiple of head_count ${hp.heads}`);
  }
  return hp;
}

async function loadWeights(file: GgufFile, hp: OracleHparams): Promise<ModelWeights> {
  const names = new Set(file.tensors.map((t) => t.name));
  const req = (name: string): Promise<Float32Array> => {
    if (!names.has(name)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `tensor ${name}: missing from ${file.path}`);
    return readTensorF32(file, name);
  };
  const opt = async (name: string): Promise<Float32Array | undefined> => (names.has(name) ? readTensorF32(file, name) : undefined);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < hp.layers; i++) {
    const p = `blk.${i}.`;
    layers.push({
      q: await req(`${p}attn_q.weight`), qb: await opt(`${p}attn_q.bias`),
      k: await req(`${p}attn_k.weight`), kb: await opt(`${p}attn_k.bias`),
      v: await req(`${p}attn_v.weight`), vb: await opt(`${p}attn_v.bias`),
      o: await req(`${p}attn_output.weight`), ob: await opt(`${p}attn_output.bias`),
      attnNormW: await req(`${p}attn_output_norm.weight`), attnNormB: await req(`${p}attn_output_norm.bias`),
      up: await req(`${p}ffn_up.weight`), upB: await opt(`${p}ffn_up.bias`),
      down: await req(`${p}ffn_down.weight`), downB: await opt(`${p}ffn_down.bias`),
      outNormW: await req(`${p}layer_output_norm.weight`), outNormB: await req(`${p}layer_output_norm.bias`),
    });
  }
  const types = await opt('token_types.weight');
  return {
    tokEmbd: await req('token_embd.weight'),
    posEmbd: await req('position_embd.weight'),
    typeRow0: types?.subarray(0, hp.embedding),
    normW: await req('token_embd_norm.weight'),
    normB: await req('token_embd_norm.bias'),
    layers,
  };
}

/** Final hidden states, [ids.length, E]. */
function forward(w: ModelWeights, hp: OracleHparams, ids: number[]): Float64Array {
  const E = hp.embedding;
  const T = ids.length;
  const vocab = w.tokEmbd.length / E;
  const x = new Float64Array(T * E);
  for (let t = 0; t < T; t++) {
    const id = ids[t]!;
    if (!(id >= 0 && id < vocab)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `token id ${id} is outside the vocabulary (0..${vocab - 1})`);
    for (let i = 0; i < E; i++) {
      let s = w.tokEmbd[id * E + i]!;
      if (w.typeRow0) s += w.typeRow0[i]!;
      x[t * E + i] = s + w.posEmbd[t * E + i]!;
    }
  }
  layerNorm(x, T, E, w.normW, w.normB, hp.eps);
  let h: Float64Array = x;
  for (const L of w.layers) {
    const q = linear(h, T, E, L.q, E, L.qb);
    const k = linear(h, T, E, L.k, E, L.kb);
    const v = linear(h, T, E, L.v, E, L.vb);
    const attn = linear(selfAttention(q, k, v, T, hp.heads, E / hp.heads), T, E, L.o, E, L.ob);
    addInPlace(attn, h);
    layerNorm(attn, T, E, L.attnNormW, L.attnNormB, hp.eps);
    const up = linear(attn, T, E, L.up, hp.ffn, L.upB);
    for (let i = 0; i < up.length; i++) up[i] = geluLlama(up[i]!);
    const down = linear(up, T, hp.ffn, L.down, E, L.downB);
    addInPlace(down, attn);
    layerNorm(down, T, E, L.outNormW, L.outNormB, hp.eps);
    h = down;
  }
  return h;
}

function pool(h: Float64Array, T: number, E: number, pooling: OraclePooling): Float64Array {
  if (pooling === 'mean') {
    const out = new Float64Array(E);
    for (let t = 0; t < T; t++) for (let i = 0; i < E; i++) out[i] += h[t * E + i]!;
    for (let i = 0; i < E; i++) out[i] = out[i]! / T;
    return out;
  }
  const row = pooling === 'cls' ? 0 : T - 1;
  return h.slice(row * E, (row + 1) * E);
}

/** Reads a BERT GGUF model and returns its reference embedder. */
export async function loadOracle(path: string): Promise<Oracle> {
  const file = await readGguf(path);
  const hp = hparamsFromMetadata(file.metadata);
  const tokenizer = WpmTokenizer.fromMetadata(file.metadata);
  const weights = await loadWeights(file, hp);
  return {
    path,
    dims: hp.embedding,
    contextSize: hp.context,
    hparams: hp,
    tokenizer,
    tokenize: (text) => tokenizer.tokenize(text),
    encode: (text) => tokenizer.encode(text),
    embed(text, opts = {}) {
      const ids = tokenizer.encode(text);
      if (ids.length === 0) return new Float32Array(0);
      if (ids.length >= hp.context) {
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `text of ${ids.length} tokens does not fit the context of ${hp.context} (node-llama-cpp needs fewer than contextSize tokens)`,
        );
      }
      const pooled = pool(forward(weights, hp, ids), ids.length, hp.embedding, hp.pooling);
      return Float32Array.from(opts.normalize ? l2Normalize(pooled) : pooled);
    },
  };
}
