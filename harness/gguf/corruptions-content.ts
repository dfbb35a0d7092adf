import { randomBytesFromRng } from './corrupt-random.ts';
import {
  appendBytes, arch, dataStart, dropKv, elementCount, elementPatch, patch, rebuild, retyped, setKv, truncateTo,
  type CorruptionContext,
} from './corrupt-ops.ts';
import type { CorruptionVariant } from './corruption-types.ts';
import { findTensor } from './reader.ts';
import { GgmlType, GgufValueType } from './types.ts';
import { CLS_ID } from './vocab.ts';

const U32 = GgufValueType.UINT32;

/** Plants NaN/Inf at a seeded element of a tensor (or a given index). */
function plant(name: string, kind: 'nan' | 'inf', index?: (n: number, c: CorruptionContext) => number) {
  return (c: CorruptionContext) => {
    const t = findTensor(c.file, name);
    const n = elementCount(t);
    return patch(c, [elementPatch(c.file, t, index ? index(n, c) : c.rng.int(n), kind)]);
  };
}

/** Rewrites one hyper-parameter (`key` without the architecture prefix), or drops it when value is undefined. */
function hp(key: string, value: number | undefined) {
  return (c: CorruptionContext) => {
    const full = `${arch(c.file)}.${key}`;
    return rebuild(c, { kvs: (k) => (value === undefined ? dropKv(k, full) : setKv(k, full, U32, value)) });
  };
}

function kv(key: string, type: GgufValueType, value: number | string | undefined) {
  return (c: CorruptionContext) => rebuild(c, { kvs: (k) => (value === undefined ? dropKv(k, key) : setKv(k, key, type, value)) });
}

/** Known to abort llama.cpp (FACTS.md): check must reject it. */
const ABORTS = { expect: 'rejected', llamaRisk: 'abort' } as const;

/** Tensor-data and semantic mutations. */
export const CONTENT_CORRUPTIONS: CorruptionVariant[] = [
  // ---- tensor data
  { id: 'cut-last-100-bytes', part: 'tensor-data', description: 'last 100 bytes of tensor data cut off', expect: 'rejected', code: 'GGUF_TRUNCATED_DATA', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, c.file.fileSize - 100) },
  { id: 'cut-data-in-half', part: 'tensor-data', description: 'file cut in the middle of the data section', expect: 'rejected', code: 'GGUF_TRUNCATED_DATA', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, Math.floor((c.file.dataOffset + c.file.fileSize) / 2)) },
  { id: 'nan-attn-q', part: 'tensor-data', description: 'NaN at a seeded element of blk.0.attn_q.weight', expect: 'rejected', code: 'GGUF_NON_FINITE', llamaRisk: 'nan',
    apply: plant('blk.0.attn_q.weight', 'nan') },
  { id: 'nan-position-0', part: 'tensor-data', description: 'NaN in position_embd.weight row 0 (every input hits it)', expect: 'rejected', code: 'GGUF_NON_FINITE', llamaRisk: 'nan',
    apply: plant('position_embd.weight', 'nan', (_n, c) => c.rng.int(Number(c.file.metadata.get(`${arch(c.file)}.embedding_length`)))) },
  { id: 'nan-cls-embedding', part: 'tensor-data', description: 'NaN in the [CLS] row of token_embd.weight', expect: 'rejected', code: 'GGUF_NON_FINITE', llamaRisk: 'nan',
    apply: plant('token_embd.weight', 'nan', (_n, c) => {
      const e = Number(c.file.metadata.get(`${arch(c.file)}.embedding_length`));
      return CLS_ID * e + c.rng.int(e);
    }) },
  { id: 'inf-ffn-down', part: 'tensor-data', description: '+Inf at a seeded element of blk.1.ffn_down.weight', expect: 'rejected', code: 'GGUF_NON_FINITE', llamaRisk: 'nan',
    apply: plant('blk.1.ffn_down.weight', 'inf') },
  { id: 'nan-norm-weight', part: 'tensor-data', description: 'NaN in blk.1.layer_output_norm.weight (F32 vector)', expect: 'rejected', code: 'GGUF_NON_FINITE', llamaRisk: 'nan',
    apply: plant('blk.1.layer_output_norm.weight', 'nan') },
  { id: 'zeroed-ffn-up', part: 'tensor-data', description: 'blk.0.ffn_up.weight overwritten with zeros (finite, wrong)', expect: 'accepted', llamaRisk: 'none',
    apply: (c) => { const t = findTensor(c.file, 'blk.0.ffn_up.weight'); return patch(c, [[dataStart(c.file, t), Buffer.alloc(t.byteSize)]]); } },
  { id: 'sign-flip-attn-v', part: 'tensor-data', description: 'sign of the first values (or Q8_0 scales) of blk.0.attn_v.weight flipped', expect: 'accepted', llamaRisk: 'none',
    apply: (c) => {
      const t = findTensor(c.file, 'blk.0.attn_v.weight');
      const base = dataStart(c.file, t);
      const edits: Array<[number, Buffer]> = [];
      const step = t.type === GgmlType.F32 ? 4 : t.type === GgmlType.F16 ? 2 : 34;
      const top = t.type === GgmlType.F32 ? 3 : 1;
      for (let o = 0; o < Math.min(t.byteSize, step * 64); o += step) edits.push([base + o + top, Buffer.from([0x80])]);
      return patch(c, edits);
    } },
  { id: 'trailing-garbage', part: 'tensor-data', description: '4 KiB of seeded random bytes appended after the data', expect: 'accepted', llamaRisk: 'none',
    apply: (c) => appendBytes(c, randomBytesFromRng(c.rng, 4096)) },
  // ---- semantics (llama.cpp aborts on these: FACTS.md)
  { id: 'duplicate-token', part: 'semantics', description: 'a seeded vocabulary string replaced by a copy of another', ...ABORTS, code: 'GGUF_DUPLICATE_TOKEN',
    class: 'engine-specific', harm: { engine: 'llama.cpp', effect: 'aborts: its vocabulary loader asserts that every token string is unique', correctFrom: 'file' },
    apply: (c) => rebuild(c, { kvs: (k) => k.map((x) => {
      if (x.key !== 'tokenizer.ggml.tokens') return x;
      const tokens = [...(x.value as string[])];
      const i = 10 + c.rng.int(tokens.length - 10);
      tokens[i] = tokens[i - 1 - c.rng.int(5)]!;
      return { ...x, value: tokens };
    }) }) },
  { id: 'ffn-length-missing', part: 'semantics', description: 'feed_forward_length key removed', ...ABORTS, code: 'GGUF_MISSING_KEY', apply: hp('feed_forward_length', undefined) },
  { id: 'ffn-length-zero', part: 'semantics', description: 'feed_forward_length = 0', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('feed_forward_length', 0) },
  { id: 'head-count-missing', part: 'semantics', description: 'attention.head_count key removed', ...ABORTS, code: 'GGUF_MISSING_KEY', apply: hp('attention.head_count', undefined) },
  { id: 'head-count-zero', part: 'semantics', description: 'attention.head_count = 0', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('attention.head_count', 0) },
  { id: 'embedding-length-missing', part: 'semantics', description: 'embedding_length key removed', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_MISSING_KEY', apply: hp('embedding_length', undefined) },
  { id: 'embedding-length-zero', part: 'semantics', description: 'embedding_length = 0', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('embedding_length', 0) },
  { id: 'context-length-missing', part: 'semantics', description: 'context_length key removed', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_MISSING_KEY', apply: hp('context_length', undefined) },
  { id: 'context-length-zero', part: 'semantics', description: 'context_length = 0', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('context_length', 0) },
  { id: 'block-count-zero', part: 'semantics', description: 'block_count = 0', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('block_count', 0) },
  { id: 'block-count-1000', part: 'semantics', description: 'block_count = 1000 (above LLAMA_MAX_LAYERS 512)', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('block_count', 1000) },
  { id: 'pooling-type-99', part: 'semantics', description: 'pooling_type = 99 (aborts at context creation)', ...ABORTS, code: 'GGUF_BAD_HPARAM', apply: hp('pooling_type', 99) },
  { id: 'token-types-f16', part: 'semantics', description: 'token_types.weight stored as F16 (aborts at the first embedding)', ...ABORTS, code: 'GGUF_WRONG_TENSOR_TYPE',
    class: 'engine-specific', harm: { engine: 'llama.cpp', effect: 'aborts at the first embedding: its BERT graph adds token_types as F32', correctFrom: 'file' },
    apply: (c) => rebuild(c, { tensors: (t) => t.map((x) => (x.name === 'token_types.weight' ? retyped(c.file, x.name, GgmlType.F16) : x)) }) },
  // ---- semantics llama.cpp refuses with a JS error, or that give wrong / odd results
  { id: 'architecture-unknown', part: 'semantics', description: 'general.architecture = "gauntlet-unknown"', expect: 'rejected', code: 'GGUF_BAD_ARCHITECTURE', llamaRisk: 'js-error',
    apply: kv('general.architecture', GgufValueType.STRING, 'gauntlet-unknown') },
  { id: 'tokenizer-model-missing', part: 'semantics', description: 'tokenizer.ggml.model key removed', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_MISSING_KEY',
    apply: kv('tokenizer.ggml.model', GgufValueType.STRING, undefined) },
  { id: 'tokenizer-model-gpt2', part: 'semantics', description: 'tokenizer.ggml.model = "gpt2" on a WordPiece vocabulary', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_BAD_VOCAB',
    apply: kv('tokenizer.ggml.model', GgufValueType.STRING, 'gpt2') },
  { id: 'vocab-empty', part: 'semantics', description: 'vocabulary (and token types) emptied', expect: 'rejected', code: 'GGUF_BAD_VOCAB', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { kvs: (k) => k.map((x) => (x.key === 'tokenizer.ggml.tokens' || x.key === 'tokenizer.ggml.token_type' ? { ...x, value: [] } : x)) }) },
  { id: 'token-type-short', part: 'semantics', description: 'tokenizer.ggml.token_type one entry shorter than the vocabulary', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_BAD_VOCAB',
    apply: (c) => rebuild(c, { kvs: (k) => k.map((x) => (x.key === 'tokenizer.ggml.token_type' ? { ...x, value: (x.value as number[]).slice(1) } : x)) }) },
  { id: 'bos-out-of-range', part: 'semantics', description: 'tokenizer.ggml.bos_token_id = vocabulary size + 10', expect: 'rejected', llamaRisk: 'none', code: 'GGUF_BAD_TOKEN_ID',
    apply: (c) => kv('tokenizer.ggml.bos_token_id', U32, (c.file.metadata.get('tokenizer.ggml.tokens') as string[]).length + 10)(c) },
  { id: 'head-count-3', part: 'semantics', description: 'attention.head_count = 3 (does not divide embedding_length)', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_BAD_HPARAM', apply: hp('attention.head_count', 3) },
  { id: 'eps-missing', part: 'semantics', description: 'attention.layer_norm_epsilon key removed', expect: 'rejected', code: 'GGUF_MISSING_KEY', llamaRisk: 'js-error',
    apply: (c) => kv(`${arch(c.file)}.attention.layer_norm_epsilon`, GgufValueType.FLOAT32, undefined)(c) },
  { id: 'eps-nan', part: 'semantics', description: 'attention.layer_norm_epsilon = NaN', expect: 'rejected', code: 'GGUF_BAD_HPARAM', llamaRisk: 'abort',
    apply: (c) => kv(`${arch(c.file)}.attention.layer_norm_epsilon`, GgufValueType.FLOAT32, NaN)(c) },
  { id: 'token-type-count-zero', part: 'semantics', description: 'tokenizer.ggml.token_type_count = 0', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_BAD_HPARAM',
    apply: kv('tokenizer.ggml.token_type_count', U32, 0) },
  { id: 'context-length-doubled', part: 'semantics', description: 'context_length doubled (position_embd.weight shape no longer matches)', expect: 'rejected', code: 'GGUF_WRONG_SHAPE', llamaRisk: 'js-error',
    apply: (c) => hp('context_length', 2 * Number(c.file.metadata.get(`${arch(c.file)}.context_length`)))(c) },
  { id: 'block-count-plus-one', part: 'semantics', description: 'block_count one more than the layers stored', expect: 'rejected', code: 'GGUF_MISSING_TENSOR', llamaRisk: 'js-error',
    apply: (c) => hp('block_count', Number(c.file.metadata.get(`${arch(c.file)}.block_count`)) + 1)(c) },
  { id: 'missing-tensor', part: 'semantics', description: 'blk.1.ffn_down.weight removed', expect: 'rejected', code: 'GGUF_MISSING_TENSOR', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { tensors: (t) => t.filter((x) => x.name !== 'blk.1.ffn_down.weight') }) },
  { id: 'extra-tensor', part: 'semantics', description: 'an unused tensor "blk.99.ffn_up.weight" added', expect: 'rejected', code: 'GGUF_UNEXPECTED_TENSOR', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { tensors: (t) => [...t, { ...t.find((x) => x.name === 'blk.0.ffn_up.weight')!, name: 'blk.99.ffn_up.weight' }] }) },
  { id: 'unknown-extra-key', part: 'semantics', description: 'an extra unknown key "gauntlet.note" (harmless)', expect: 'accepted', llamaRisk: 'none',
    apply: kv('gauntlet.note', GgufValueType.STRING, 'unknown keys are ignored') },
  { id: 'pooling-cls', part: 'semantics', description: 'pooling_type = 2 (CLS; valid, different vectors)', expect: 'accepted', llamaRisk: 'none', apply: hp('pooling_type', 2) },
  { id: 'no-special-ids', part: 'semantics', description: 'bos/separator token ids removed (llama.cpp falls back to 101/102)', expect: 'accepted', llamaRisk: 'none',
    apply: (c) => rebuild(c, { kvs: (k) => dropKv(dropKv(k, 'tokenizer.ggml.bos_token_id'), 'tokenizer.ggml.seperator_token_id') }) },
];
