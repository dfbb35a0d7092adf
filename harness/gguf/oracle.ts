/**
 * The reference answer: an independent TypeScript forward pass of a GGUF embedding model of a supported
 * architecture (bert, nomic-bert: oracle-encoder.ts; qwen3: oracle-decoder.ts), computed as llama.cpp's graph for
 * it does, then the model's pooling. The tokenizer is WordPiece (tokenizer.ts) or byte-level BPE with the qwen2
 * pre-tokenizer (tokenizer-bpe.ts), whichever tokenizer.ggml.model declares. Activations are Float64; weights are
 * read back from the file (dequantised) with readTensorF32.
 */
import { readGguf } from './reader.ts';
import type { Arch, GgufFile, GgufValue } from './types.ts';
import { WpmTokenizer, type TextTokenizer } from './tokenizer.ts';
import { BpeTokenizer } from './tokenizer-bpe.ts';
import { GauntletError } from '../util/errors.ts';
import { canDequantize, dequantTypeNames } from './dequant.ts';
import { ggmlTypeName } from './ggml-types.ts';
import { l2Normalize } from './oracle-math.ts';
import { forwardEncoder, loadEncoderWeights } from './oracle-encoder.ts';
import { forwardDecoder, loadDecoderWeights } from './oracle-decoder.ts';

/** llama.cpp's pooling types (<arch>.pooling_type); NONE returns the last token's state, as node-llama-cpp reads it. */
export type OraclePooling = 'none' | 'mean' | 'cls' | 'last';
const POOLING: Record<number, OraclePooling> = { 0: 'none', 1: 'mean', 2: 'cls', 3: 'last' };
export const ORACLE_ARCHS: readonly Arch[] = ['bert', 'nomic-bert', 'qwen3'];

export interface OracleHparams {
  arch: Arch;
  embedding: number;
  ffn: number;
  layers: number;
  heads: number;
  /** Key/value heads (qwen3's head_count_kv; = heads otherwise). */
  headsKv: number;
  /** Width of one head: qwen3's key_length, else embedding / heads. */
  headDim: number;
  context: number;
  /** LayerNorm epsilon (bert, nomic-bert) or RMSNorm epsilon (qwen3). */
  eps: number;
  pooling: OraclePooling;
  /** Rotary base (nomic-bert, qwen3; 0 for bert's learned positions). */
  ropeBase: number;
  /** <arch>.attention.causal (llama.cpp's default true; BERT converters write false). */
  causal: boolean;
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
  readonly tokenizer: TextTokenizer;
  /** node-llama-cpp's `model.tokenize(text)`: ids without special tokens ([CLS]/[SEP], <|endoftext|>). */
  tokenize(text: string): number[];
  /** The ids node-llama-cpp evaluates for an embedding (WPM: [CLS] ... [SEP]; BPE: as add_bos/add_eos say; [] for a text without tokens). */
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

function metaBool(meta: Map<string, GgufValue>, key: string, dflt: boolean): boolean {
  const v = meta.get(key);
  return v === undefined ? dflt : Boolean(v);
}

export function hparamsFromMetadata(meta: Map<string, GgufValue>): OracleHparams {
  const arch = meta.get('general.architecture');
  if (typeof arch !== 'string' || !ORACLE_ARCHS.includes(arch as Arch)) {
    throw new GauntletError(
      'GAUNTLET_MODEL_INVALID',
      `general.architecture: ${JSON.stringify(arch)} is not supported by the oracle (supported: ${ORACLE_ARCHS.join(', ')})`,
    );
  }
  const a = arch as Arch;
  const poolingId = metaNumber(meta, `${a}.pooling_type`, false) ?? 0;
  const pooling = POOLING[poolingId];
  if (!pooling) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.pooling_type: ${poolingId} is not supported (0 none, 1 mean, 2 cls, 3 last)`);
  }
  const embedding = metaNumber(meta, `${a}.embedding_length`, true);
  const heads = metaNumber(meta, `${a}.attention.head_count`, true);
  const decoder = a === 'qwen3';
  const hp: OracleHparams = {
    arch: a,
    embedding,
    ffn: metaNumber(meta, `${a}.feed_forward_length`, true),
    layers: metaNumber(meta, `${a}.block_count`, true),
    heads,
    headsKv: metaNumber(meta, `${a}.attention.head_count_kv`, false) ?? heads,
    headDim: (decoder ? metaNumber(meta, `${a}.attention.key_length`, false) : undefined) ?? embedding / heads,
    context: metaNumber(meta, `${a}.context_length`, true),
    eps: metaNumber(meta, decoder ? `${a}.attention.layer_norm_rms_epsilon` : `${a}.attention.layer_norm_epsilon`, true),
    pooling,
    ropeBase: a === 'bert' ? 0 : (metaNumber(meta, `${a}.rope.freq_base`, false) ?? 10000),
    causal: metaBool(meta, `${a}.attention.causal`, true),
  };
  for (const k of ['embedding', 'ffn', 'layers', 'heads', 'headsKv', 'headDim', 'context'] as const) {
    if (!(hp[k] > 0 && Number.isInteger(hp[k]))) throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a} hparam ${k}: expected a positive integer, got ${hp[k]}`);
  }
  if (embedding % heads !== 0 && !decoder) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.embedding_length ${embedding} is not a multiple of head_count ${heads}`);
  }
  if (hp.heads % hp.headsKv !== 0) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.attention.head_count ${hp.heads} is not a multiple of head_count_kv ${hp.headsKv}`);
  }
  if (a !== 'bert' && hp.headDim % 2 !== 0) throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}: head width ${hp.headDim} is odd; rotary positions need pairs`);
  const vlen = metaNumber(meta, `${a}.attention.value_length`, false);
  if (vlen !== undefined && vlen !== hp.headDim) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.attention.value_length ${vlen} differs from key_length ${hp.headDim}; not supported by the oracle`);
  }
  const rot = metaNumber(meta, `${a}.rope.dimension_count`, false);
  if (rot !== undefined && a !== 'bert' && rot !== hp.headDim) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.rope.dimension_count ${rot}: partial rotary embeddings (not the whole head of ${hp.headDim}) are not supported by the oracle`);
  }
  const scaling = meta.get(`${a}.rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none') {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `${a}.rope.scaling.type ${JSON.stringify(scaling)}: rope scaling is not supported by the oracle`);
  }
  return hp;
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

/** The tokenizer tokenizer.ggml.model declares: "bert" WordPiece or "gpt2" byte-level BPE. */
export function tokenizerFromMetadata(meta: Map<string, GgufValue>): TextTokenizer {
  const model = meta.get('tokenizer.ggml.model');
  if (model === 'gpt2') return BpeTokenizer.fromMetadata(meta);
  if (model === 'bert') return WpmTokenizer.fromMetadata(meta);
  throw new GauntletError(
    'GAUNTLET_MODEL_INVALID',
    `tokenizer.ggml.model: ${JSON.stringify(model)} is not supported by the oracle (supported: "bert" WordPiece, "gpt2" byte-level BPE)`,
  );
}

/** Reads a GGUF model of a supported architecture and returns its reference embedder. */
/**
 * Every tensor type the forward pass will read must be one gauntlet dequantises: checked before any weight is read,
 * naming each unreadable type with its count and first tensor (a classifier head cls.* and a decoder's tied
 * output.weight are never read by an embedding).
 */
function checkTensorTypes(file: GgufFile): void {
  const bad = new Map<string, string[]>();
  for (const t of file.tensors) {
    if (canDequantize(t.type) || t.name.startsWith('cls.') || t.name === 'output.weight') continue;
    const k = ggmlTypeName(t.type);
    bad.set(k, [...(bad.get(k) ?? []), t.name]);
  }
  if (bad.size === 0) return;
  const list = [...bad].map(([type, names]) => `${type} (${names.length} tensor${names.length > 1 ? 's' : ''}, e.g. ${names[0]})`).join(', ');
  throw new GauntletError('GAUNTLET_MODEL_INVALID',
    `tensor types the oracle cannot dequantise: ${list}; it reads ${dequantTypeNames()}. Judge this model against golden vectors instead (gauntlet golden record)`);
}

export async function loadOracle(path: string): Promise<Oracle> {
  const file = await readGguf(path);
  const hp = hparamsFromMetadata(file.metadata);
  const tokenizer = tokenizerFromMetadata(file.metadata);
  checkTensorTypes(file);
  let forward: (ids: number[]) => Float64Array;
  if (hp.arch === 'qwen3') {
    const w = await loadDecoderWeights(file, hp);
    forward = (ids) => forwardDecoder(w, hp, ids);
  } else {
    const w = await loadEncoderWeights(file, hp);
    forward = (ids) => forwardEncoder(w, hp, ids);
  }
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
      const pooled = pool(forward(ids), ids.length, hp.embedding, hp.pooling);
      return Float32Array.from(opts.normalize ? l2Normalize(pooled) : pooled);
    },
  };
}
