/**
 * The metadata and tensor list of each synthetic architecture, with the names, shapes (ggml order: ne0 first) and
 * keys llama.cpp's converter writes and its loader reads (src/llama-arch.cpp names, src/models/<arch>.cpp shapes
 * of the llama.cpp node-llama-cpp 3.22.1 ships):
 *
 * - bert: learned positions, token types, embedding LayerNorm, separate q/k/v with biases, GELU FFN with biases,
 *   post-LayerNorm; WordPiece vocabulary.
 * - nomic-bert (nomic-embed-text): no position table (rotary positions, NeoX layout, nomic-bert.rope.freq_base
 *   1000), one fused blk.N.attn_qkv.weight [E, 3E] (q, k, v rows in that order), SwiGLU FFN (ffn_gate, ffn_up,
 *   ffn_down), no bias anywhere but the LayerNorms; WordPiece vocabulary.
 * - qwen3 (Qwen3-Embedding): a decoder: pre-RMSNorm (attn_norm, ffn_norm), q/k/v of heads * key_length and
 *   head_count_kv * key_length rows (grouped-query attention), per-head RMSNorm of q and k (attn_q_norm,
 *   attn_k_norm [key_length]), rotary positions (NeoX, freq_base 1e6), SwiGLU FFN, output_norm; no output.weight
 *   (tied, unused by an embedding); causal attention (no attention.causal key); byte-level BPE vocabulary with
 *   merges and tokenizer.ggml.pre "qwen2", <|endoftext|> appended (add_eos_token) and pooled (pooling_type 3).
 */
import type { Arch, ModelSpec, Pooling } from './types.ts';
import { GgmlType, GgufValueType } from './types.ts';
import { seededTensorData } from './tensor-data.ts';
import { CLS_ID, MASK_ID, PAD_ID, SEP_ID, tokenTypes, UNK_ID } from './vocab.ts';
import { bpeTokenTypes } from './vocab-bpe.ts';
import type { GgufKv, GgufTensorSpec } from './writer.ts';

export const WEIGHT_STD = 0.02;
export const LAYER_NORM_EPS = 1e-12;
export const RMS_NORM_EPS = 1e-6;
export const ROPE_FREQ_BASE: Record<Arch, number> = { bert: 0, 'nomic-bert': 1000, qwen3: 1_000_000 };
/** llama.cpp's enum llama_pooling_type. */
export const POOLING_TYPE: Record<Pooling, number> = { mean: 1, cls: 2, last: 3 };

export interface LayoutVocab {
  tokens: string[];
  /** BPE merges (qwen3 only). */
  merges?: string[];
  /** <|endoftext|> (qwen3 only). */
  eosId?: number;
}

const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
const f32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.FLOAT32, value });
const bool = (key: string, value: boolean): GgufKv => ({ key, type: GgufValueType.BOOL, value });
const str = (key: string, value: string): GgufKv => ({ key, type: GgufValueType.STRING, value });
const strs = (key: string, value: string[]): GgufKv => ({ key, type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value });
const ints = (key: string, value: number[]): GgufKv => ({ key, type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value });

function wpmKvs(tokens: string[]): GgufKv[] {
  return [
    str('tokenizer.ggml.model', 'bert'),
    strs('tokenizer.ggml.tokens', tokens),
    ints('tokenizer.ggml.token_type', tokenTypes(tokens)),
    u32('tokenizer.ggml.token_type_count', 2),
    u32('tokenizer.ggml.bos_token_id', CLS_ID),
    u32('tokenizer.ggml.seperator_token_id', SEP_ID),
    u32('tokenizer.ggml.unknown_token_id', UNK_ID),
    u32('tokenizer.ggml.padding_token_id', PAD_ID),
    u32('tokenizer.ggml.mask_token_id', MASK_ID),
  ];
}

function bpeKvs(v: LayoutVocab): GgufKv[] {
  if (!v.merges || v.eosId === undefined) throw new RangeError('a qwen3 model needs a BPE vocabulary with merges and <|endoftext|>');
  return [
    str('tokenizer.ggml.model', 'gpt2'),
    str('tokenizer.ggml.pre', 'qwen2'),
    strs('tokenizer.ggml.tokens', v.tokens),
    ints('tokenizer.ggml.token_type', bpeTokenTypes(v.tokens)),
    strs('tokenizer.ggml.merges', v.merges),
    u32('tokenizer.ggml.eos_token_id', v.eosId),
    u32('tokenizer.ggml.padding_token_id', v.eosId),
    u32('tokenizer.ggml.bos_token_id', v.eosId),
    bool('tokenizer.ggml.add_bos_token', false),
    bool('tokenizer.ggml.add_eos_token', true),
  ];
}

/** The metadata of a synthetic model of `spec.arch`. */
export function layoutKvs(spec: ModelSpec, head: GgufKv[], vocab: LayoutVocab): GgufKv[] {
  const a = spec.arch;
  const common = [
    u32(`${a}.context_length`, spec.context),
    u32(`${a}.embedding_length`, spec.embedding),
    u32(`${a}.feed_forward_length`, spec.ffn),
    u32(`${a}.block_count`, spec.layers),
    u32(`${a}.attention.head_count`, spec.heads),
  ];
  const pooling = u32(`${a}.pooling_type`, POOLING_TYPE[spec.pooling]);
  if (a === 'qwen3') {
    return [
      ...head, ...common,
      u32('qwen3.attention.head_count_kv', spec.headsKv),
      u32('qwen3.attention.key_length', spec.headDim),
      u32('qwen3.attention.value_length', spec.headDim),
      f32('qwen3.rope.freq_base', ROPE_FREQ_BASE.qwen3),
      f32('qwen3.attention.layer_norm_rms_epsilon', RMS_NORM_EPS),
      pooling,
      ...bpeKvs(vocab),
    ];
  }
  return [
    ...head, ...common,
    f32(`${a}.attention.layer_norm_epsilon`, LAYER_NORM_EPS),
    bool(`${a}.attention.causal`, false),
    pooling,
    ...(a === 'nomic-bert' ? [f32('nomic-bert.rope.freq_base', ROPE_FREQ_BASE['nomic-bert'])] : []),
    ...wpmKvs(vocab.tokens),
  ];
}

/** The tensors of a synthetic model; matrices in `mat`, norms, biases and token types in F32. */
export function layoutTensors(spec: ModelSpec, seed: number, mat: GgmlType): GgufTensorSpec[] {
  const E = spec.embedding;
  const F = spec.ffn;
  const out: GgufTensorSpec[] = [];
  const add = (name: string, dims: number[], type: GgmlType, mean: number, std: number) => {
    const count = dims.reduce((x, y) => x * y, 1);
    out.push({ name, dims, type, data: () => seededTensorData(seed, name, count, type, mean, std) });
  };
  const matrix = (name: string, dims: number[]) => add(name, dims, mat, 0, WEIGHT_STD);
  const vec = (name: string, n: number, mean = 0) => add(name, [n], GgmlType.F32, mean, WEIGHT_STD);
  const norm = (prefix: string, bias = true) => {
    vec(`${prefix}.weight`, E, 1);
    if (bias) vec(`${prefix}.bias`, E);
  };
  matrix('token_embd.weight', [E, spec.vocab]);
  if (spec.arch === 'qwen3') {
    const q = spec.heads * spec.headDim;
    const kv = spec.headsKv * spec.headDim;
    for (let l = 0; l < spec.layers; l++) {
      const b = `blk.${l}`;
      norm(`${b}.attn_norm`, false);
      matrix(`${b}.attn_q.weight`, [E, q]);
      matrix(`${b}.attn_k.weight`, [E, kv]);
      matrix(`${b}.attn_v.weight`, [E, kv]);
      matrix(`${b}.attn_output.weight`, [q, E]);
      vec(`${b}.attn_q_norm.weight`, spec.headDim, 1);
      vec(`${b}.attn_k_norm.weight`, spec.headDim, 1);
      norm(`${b}.ffn_norm`, false);
      matrix(`${b}.ffn_gate.weight`, [E, F]);
      matrix(`${b}.ffn_up.weight`, [E, F]);
      matrix(`${b}.ffn_down.weight`, [F, E]);
    }
    norm('output_norm', false);
    return out;
  }
  add('token_types.weight', [E, 2], GgmlType.F32, 0, WEIGHT_STD);
  if (spec.arch === 'bert') matrix('position_embd.weight', [E, spec.context]);
  norm('token_embd_norm');
  for (let l = 0; l < spec.layers; l++) {
    const b = `blk.${l}`;
    if (spec.arch === 'nomic-bert') {
      matrix(`${b}.attn_qkv.weight`, [E, 3 * E]);
      matrix(`${b}.attn_output.weight`, [E, E]);
      norm(`${b}.attn_output_norm`);
      matrix(`${b}.ffn_up.weight`, [E, F]);
      matrix(`${b}.ffn_gate.weight`, [E, F]);
      matrix(`${b}.ffn_down.weight`, [F, E]);
    } else {
      for (const p of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) {
        matrix(`${b}.${p}.weight`, [E, E]);
        vec(`${b}.${p}.bias`, E);
      }
      norm(`${b}.attn_output_norm`);
      matrix(`${b}.ffn_up.weight`, [E, F]);
      vec(`${b}.ffn_up.bias`, F);
      matrix(`${b}.ffn_down.weight`, [F, E]);
      vec(`${b}.ffn_down.bias`, E);
    }
    norm(`${b}.layer_output_norm`);
  }
  return out;
}
