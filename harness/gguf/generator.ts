import { GauntletError } from '../util/errors.ts';
import { PRESETS, specForSize, type Dtype, type Preset } from './model-spec.ts';
import { seededTensorData } from './tensor-data.ts';
import { GgmlType, GgufValueType, type ModelSpec } from './types.ts';
import { buildVocab, CLS_ID, MASK_ID, PAD_ID, SEP_ID, tokenTypes, UNK_ID } from './vocab.ts';
import { writeGguf, type GgufKv, type GgufTensorSpec } from './writer.ts';

export { parseSize } from './model-spec.ts';

export interface GenerateOptions {
  preset?: Preset;
  sizeBytes?: number;
  dtype?: Dtype;
  seed: number;
  out: string;
  onProgress?: (written: number, total: number) => void;
}

export interface GenerateResult {
  path: string;
  bytes: number;
  sha256: string;
  spec: ModelSpec;
}

export const WEIGHT_STD = 0.02;
export const LAYER_NORM_EPS = 1e-12;
export const POOLING_MEAN = 1;
const FILE_TYPE: Record<Dtype, number> = { f32: 0, f16: 1, q8_0: 7 };
const GGML_OF: Record<Dtype, GgmlType> = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0 };

export function resolveSpec(opts: Pick<GenerateOptions, 'preset' | 'sizeBytes' | 'dtype'>): ModelSpec {
  const dtype = opts.dtype ?? 'f32';
  if (!['f32', 'f16', 'q8_0'].includes(dtype)) throw new GauntletError('GAUNTLET_USAGE', `dtype ${JSON.stringify(dtype)}: expected f32, f16 or q8_0`);
  if (opts.sizeBytes !== undefined) {
    if (!(opts.sizeBytes >= 1e6)) throw new GauntletError('GAUNTLET_USAGE', `size ${opts.sizeBytes} bytes: expected at least 1 MB (use --preset tiny for smaller)`);
    return specForSize(opts.sizeBytes, dtype);
  }
  const p = PRESETS[opts.preset ?? 'tiny'];
  if (!p) throw new GauntletError('GAUNTLET_USAGE', `preset ${JSON.stringify(opts.preset)}: expected tiny or small`);
  return { ...p, dtype };
}

/** The metadata of a synthetic BERT embedding model. */
export function modelKvs(spec: ModelSpec, seed: number, tokens: string[]): GgufKv[] {
  const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
  return [
    { key: 'general.architecture', type: GgufValueType.STRING, value: 'bert' },
    { key: 'general.name', type: GgufValueType.STRING, value: `gauntlet-synthetic-bert-e${spec.embedding}-l${spec.layers}-${spec.dtype}` },
    u32('general.alignment', 32),
    u32('general.file_type', FILE_TYPE[spec.dtype]),
    u32('gauntlet.seed', seed),
    u32('bert.context_length', spec.context),
    u32('bert.embedding_length', spec.embedding),
    u32('bert.feed_forward_length', spec.ffn),
    u32('bert.block_count', spec.layers),
    u32('bert.attention.head_count', spec.heads),
    { key: 'bert.attention.layer_norm_epsilon', type: GgufValueType.FLOAT32, value: LAYER_NORM_EPS },
    { key: 'bert.attention.causal', type: GgufValueType.BOOL, value: false },
    u32('bert.pooling_type', POOLING_MEAN),
    { key: 'tokenizer.ggml.model', type: GgufValueType.STRING, value: 'bert' },
    { key: 'tokenizer.ggml.tokens', type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: tokens },
    { key: 'tokenizer.ggml.token_type', type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: tokenTypes(tokens) },
    u32('tokenizer.ggml.token_type_count', 2),
    u32('tokenizer.ggml.bos_token_id', CLS_ID),
    u32('tokenizer.ggml.seperator_token_id', SEP_ID),
    u32('tokenizer.ggml.unknown_token_id', UNK_ID),
    u32('tokenizer.ggml.padding_token_id', PAD_ID),
    u32('tokenizer.ggml.mask_token_id', MASK_ID),
  ];
}

/** The tensors of a synthetic BERT model; matrices in the spec's dtype, norms, biases and token types in F32. */
export function modelTensors(spec: ModelSpec, seed: number): GgufTensorSpec[] {
  const E = spec.embedding;
  const F = spec.ffn;
  const mat = GGML_OF[spec.dtype];
  const out: GgufTensorSpec[] = [];
  const add = (name: string, dims: number[], type: GgmlType, mean: number, std: number) => {
    const count = dims.reduce((a, b) => a * b, 1);
    out.push({ name, dims, type, data: () => seededTensorData(seed, name, count, type, mean, std) });
  };
  const norm = (prefix: string) => {
    add(`${prefix}.weight`, [E], GgmlType.F32, 1, WEIGHT_STD);
    add(`${prefix}.bias`, [E], GgmlType.F32, 0, WEIGHT_STD);
  };
  add('token_embd.weight', [E, spec.vocab], mat, 0, WEIGHT_STD);
  add('token_types.weight', [E, 2], GgmlType.F32, 0, WEIGHT_STD);
  add('position_embd.weight', [E, spec.context], mat, 0, WEIGHT_STD);
  norm('token_embd_norm');
  for (let l = 0; l < spec.layers; l++) {
    const b = `blk.${l}`;
    for (const p of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) {
      add(`${b}.${p}.weight`, [E, E], mat, 0, WEIGHT_STD);
      add(`${b}.${p}.bias`, [E], GgmlType.F32, 0, WEIGHT_STD);
    }
    norm(`${b}.attn_output_norm`);
    add(`${b}.ffn_up.weight`, [E, F], mat, 0, WEIGHT_STD);
    add(`${b}.ffn_up.bias`, [F], GgmlType.F32, 0, WEIGHT_STD);
    add(`${b}.ffn_down.weight`, [F, E], mat, 0, WEIGHT_STD);
    add(`${b}.ffn_down.bias`, [E], GgmlType.F32, 0, WEIGHT_STD);
    norm(`${b}.layer_output_norm`);
  }
  return out;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new GauntletError('GAUNTLET_USAGE', `seed ${JSON.stringify(seed)}: expected an integer 0..4294967295`);
  }
}

/**
 * Generates a synthetic BERT embedding model, byte-identical for the same seed and options. Tensor data is
 * streamed from a seeded PRNG chunk by chunk, so a multi-GB file needs only a few MB of memory.
 */
export async function generateModel(opts: GenerateOptions): Promise<GenerateResult> {
  checkSeed(opts.seed);
  const spec = resolveSpec(opts);
  if (spec.embedding % spec.heads !== 0) throw new GauntletError('GAUNTLET_INTERNAL', `embedding ${spec.embedding} is not a multiple of heads ${spec.heads}`);
  const tokens = buildVocab(spec.vocab);
  const res = await writeGguf(opts.out, modelKvs(spec, opts.seed, tokens), modelTensors(spec, opts.seed), { onProgress: opts.onProgress });
  return { path: opts.out, bytes: res.bytes, sha256: res.sha256, spec };
}
