import { GgufFormatError } from './errors.ts';
import { GgufValueType, type GgufFile, type GgufValue } from './types.ts';

/** llama.cpp's LLAMA_MAX_LAYERS. */
export const MAX_LAYERS = 512;
export const MAX_CONTEXT = 1 << 24;
/** Missing keys are reported at the header's kv_count field. */
const KV_COUNT_OFFSET = 16;
/** LLAMA_POOLING_TYPE_NONE..RANK. */
export const POOLING_TYPES = [0, 1, 2, 3, 4];
export const KNOWN_TOKENIZERS = ['bert', 'llama', 'gpt2', 't5', 'rwkv', 'ugm', 'no_vocab', 'none', 'plamo2'];
/** Architectures the checker knows the hyper-parameter keys of; only "bert" gets the full tensor check. */
export const KNOWN_ARCHITECTURES = ['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 'jina-bert-v3', 'modern-bert', 'neo-bert', 't5encoder', 'llama', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'gemma-embedding', 'mistral3'];
const SPECIAL_IDS = ['bos', 'eos', 'eot', 'eom', 'unknown', 'seperator', 'padding', 'cls', 'mask'];

export interface Hparams {
  arch: string;
  context: number;
  embedding: number;
  ffn: number;
  layers: number;
  heads: number;
  headsKv: number;
  vocab: number;
  tokenTypeCount: number;
  pooling: number | undefined;
}

type Fail = (code: GgufFormatError['code'], key: string, message: string, offset?: number) => never;

function failer(f: GgufFile): Fail {
  return (code, key, message, offset) => {
    throw new GgufFormatError(code, offset ?? f.kvInfo.get(key)?.valueOffset ?? f.kvInfo.get(key)?.offset ?? 0, key, message);
  };
}

function typeName(t: GgufValueType | undefined): string {
  return t === undefined ? 'missing' : GgufValueType[t];
}

function need(f: GgufFile, fail: Fail, key: string, type: GgufValueType, what: string): GgufValue {
  const info = f.kvInfo.get(key);
  if (!info) fail('GGUF_MISSING_KEY', key, `required key ${key} (${what}) is missing; llama.cpp aborts or refuses such a file`, KV_COUNT_OFFSET);
  if (info.type !== type) fail('GGUF_WRONG_KEY_TYPE', key, `${key} has type ${typeName(info.type)}, expected ${GgufValueType[type]}`, info.offset);
  return f.metadata.get(key)!;
}

/** A u32 hyper-parameter (or a per-layer u32/i32 array of them) that must lie in [min, max]; returns its largest value. */
function hparam(f: GgufFile, fail: Fail, key: string, what: string, min: number, max: number, allowArray: boolean): number {
  const info = f.kvInfo.get(key);
  if (!info) fail('GGUF_MISSING_KEY', key, `required key ${key} (${what}) is missing; llama.cpp aborts (SIGABRT) or refuses such a file`, KV_COUNT_OFFSET);
  let values: number[];
  if (info.type === GgufValueType.UINT32) values = [f.metadata.get(key) as number];
  else if (allowArray && info.type === GgufValueType.ARRAY && (info.itemType === GgufValueType.UINT32 || info.itemType === GgufValueType.INT32)) {
    values = f.metadata.get(key) as number[];
    if (values.length === 0) fail('GGUF_BAD_HPARAM', key, `${key} is an empty per-layer array`);
  } else fail('GGUF_WRONG_KEY_TYPE', key, `${key} has type ${typeName(info.type)}, expected UINT32`, info.offset);
  for (const v of values) {
    if (v < min || v > max) {
      fail('GGUF_BAD_HPARAM', key, `${key} (${what}) is ${v}, expected ${min}..${max}${v === 0 ? '; llama.cpp aborts (SIGABRT) on 0' : ''}`);
    }
  }
  return Math.max(...values);
}

/** Validates the metadata a loader relies on; throws GgufFormatError with the key as field. */
export function checkMetadata(f: GgufFile): Hparams {
  const fail = failer(f);
  const arch = need(f, fail, 'general.architecture', GgufValueType.STRING, 'model architecture') as string;
  if (!KNOWN_ARCHITECTURES.includes(arch)) {
    fail('GGUF_BAD_ARCHITECTURE', 'general.architecture', `architecture ${JSON.stringify(arch)} is not one this checker knows (${KNOWN_ARCHITECTURES.join(', ')})`);
  }
  const layers = hparam(f, fail, `${arch}.block_count`, 'number of layers', 1, MAX_LAYERS, false);
  const context = hparam(f, fail, `${arch}.context_length`, 'training context', 1, MAX_CONTEXT, false);
  const embedding = hparam(f, fail, `${arch}.embedding_length`, 'embedding width', 1, 1 << 20, false);
  const ffn = hparam(f, fail, `${arch}.feed_forward_length`, 'FFN width', 1, 1 << 22, true);
  const heads = hparam(f, fail, `${arch}.attention.head_count`, 'attention heads', 1, embedding, true);
  const headsKv = f.kvInfo.has(`${arch}.attention.head_count_kv`)
    ? hparam(f, fail, `${arch}.attention.head_count_kv`, 'key-value heads', 1, heads, true)
    : heads;
  if (embedding % heads !== 0) {
    fail('GGUF_BAD_HPARAM', `${arch}.attention.head_count`, `${arch}.embedding_length ${embedding} is not a multiple of head_count ${heads}`);
  }
  if (heads % headsKv !== 0) fail('GGUF_BAD_HPARAM', `${arch}.attention.head_count_kv`, `head_count ${heads} is not a multiple of head_count_kv ${headsKv}`);
  const epsKey = `${arch}.attention.layer_norm_epsilon`;
  if (arch === 'bert' || f.kvInfo.has(epsKey)) {
    const eps = need(f, fail, epsKey, GgufValueType.FLOAT32, 'layer-norm epsilon') as number;
    if (!Number.isFinite(eps) || eps < 0 || eps > 1) fail('GGUF_BAD_HPARAM', epsKey, `${epsKey} is ${eps}, expected a finite value in [0, 1]`);
  }
  const causalKey = `${arch}.attention.causal`;
  if (f.kvInfo.has(causalKey)) need(f, fail, causalKey, GgufValueType.BOOL, 'causal attention flag');
  let pooling: number | undefined;
  const poolKey = `${arch}.pooling_type`;
  if (f.kvInfo.has(poolKey)) {
    pooling = need(f, fail, poolKey, GgufValueType.UINT32, 'pooling type') as number;
    if (!POOLING_TYPES.includes(pooling)) {
      fail('GGUF_BAD_HPARAM', poolKey, `${poolKey} is ${pooling}, expected one of ${POOLING_TYPES.join(', ')} (0 none, 1 mean, 2 cls, 3 last, 4 rank); llama.cpp aborts on others`);
    }
  }
  const { vocab, tokenTypeCount } = checkVocab(f, fail, arch);
  return { arch, context, embedding, ffn, layers, heads, headsKv, vocab, tokenTypeCount, pooling };
}

function checkVocab(f: GgufFile, fail: Fail, arch: string): { vocab: number; tokenTypeCount: number } {
  const model = need(f, fail, 'tokenizer.ggml.model', GgufValueType.STRING, 'tokenizer model') as string;
  if (!KNOWN_TOKENIZERS.includes(model)) fail('GGUF_BAD_VOCAB', 'tokenizer.ggml.model', `tokenizer model ${JSON.stringify(model)} is unknown (expected one of ${KNOWN_TOKENIZERS.join(', ')})`);
  if (arch === 'bert' && model !== 'bert') fail('GGUF_BAD_VOCAB', 'tokenizer.ggml.model', `a bert model needs tokenizer.ggml.model "bert" (WordPiece), got ${JSON.stringify(model)}`);
  const tk = 'tokenizer.ggml.tokens';
  const info = f.kvInfo.get(tk);
  if (!info) fail('GGUF_MISSING_KEY', tk, `${tk} (the vocabulary) is missing`, KV_COUNT_OFFSET);
  if (info.type !== GgufValueType.ARRAY || info.itemType !== GgufValueType.STRING) {
    fail('GGUF_WRONG_KEY_TYPE', tk, `${tk} has type ${typeName(info.type)}${info.itemType !== undefined ? ` of ${typeName(info.itemType)}` : ''}, expected ARRAY of STRING`, info.offset);
  }
  const tokens = f.metadata.get(tk) as string[];
  if (tokens.length === 0) fail('GGUF_BAD_VOCAB', tk, `${tk} is empty`);
  if (tokens.length > 0x7fffffff) fail('GGUF_BAD_VOCAB', tk, `${tk} has ${tokens.length} entries, more than int32 token ids can address`);
  const seen = new Map<string, number>();
  let at = info.valueOffset + 12;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const first = seen.get(t);
    if (first !== undefined) {
      fail('GGUF_DUPLICATE_TOKEN', `${tk}[${i}]`, `token ${i} ${JSON.stringify(t)} duplicates token ${first}; llama.cpp aborts (SIGABRT) on duplicate vocabulary strings`, at);
    }
    seen.set(t, i);
    at += 8 + Buffer.byteLength(t);
  }
  const tt = 'tokenizer.ggml.token_type';
  if (f.kvInfo.has(tt)) {
    const ti = f.kvInfo.get(tt)!;
    if (ti.type !== GgufValueType.ARRAY || ti.itemType !== GgufValueType.INT32) fail('GGUF_WRONG_KEY_TYPE', tt, `${tt} must be an ARRAY of INT32`, ti.offset);
    const types = f.metadata.get(tt) as number[];
    if (types.length !== tokens.length) fail('GGUF_BAD_VOCAB', tt, `${tt} has ${types.length} entries but the vocabulary has ${tokens.length}`);
    const bad = types.findIndex((x) => x < 0 || x > 6);
    if (bad >= 0) fail('GGUF_BAD_VOCAB', `${tt}[${bad}]`, `${tt}[${bad}] is ${types[bad]}, expected 0..6`, ti.valueOffset + 12 + 4 * bad);
  }
  let tokenTypeCount = 0;
  const ttc = 'tokenizer.ggml.token_type_count';
  if (arch === 'bert' || f.kvInfo.has(ttc)) {
    tokenTypeCount = hparam(f, fail, ttc, 'number of token types', 1, 1 << 16, false);
  }
  for (const name of SPECIAL_IDS) {
    const key = `tokenizer.ggml.${name}_token_id`;
    const si = f.kvInfo.get(key);
    if (!si) continue;
    if (si.type !== GgufValueType.UINT32 && si.type !== GgufValueType.INT32) fail('GGUF_WRONG_KEY_TYPE', key, `${key} has type ${typeName(si.type)}, expected UINT32`, si.offset);
    const id = f.metadata.get(key) as number;
    if (id < 0 || id >= tokens.length) fail('GGUF_BAD_TOKEN_ID', key, `${key} is ${id}, outside the vocabulary of ${tokens.length} tokens`);
  }
  return { vocab: tokens.length, tokenTypeCount };
}
