import { GauntletError } from '../util/errors.ts';
import { ARCHS, archShape, POOLINGS, PRESETS, shapeForDtype, specForSize, type Arch, type Dtype, type Pooling, type Preset } from './model-spec.ts';
import { layoutKvs, layoutTensors, type LayoutVocab } from './model-layout.ts';
import { DTYPE_INFO, DTYPES } from './dtype.ts';
import { GgmlType, GgufValueType, type ModelSpec } from './types.ts';
import { buildVocab } from './vocab.ts';
import { buildBpeVocab } from './vocab-bpe.ts';
import { writeGguf, type GgufKv, type GgufTensorSpec } from './writer.ts';

export { parseSize } from './model-spec.ts';

export interface GenerateOptions {
  preset?: Preset;
  sizeBytes?: number;
  dtype?: Dtype;
  /** general.architecture (default bert). */
  arch?: Arch;
  /** Pooling the model declares (default: the architecture's, see DEFAULT_POOLING). */
  pooling?: Pooling;
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

export { LAYER_NORM_EPS, WEIGHT_STD } from './model-layout.ts';
export const POOLING_MEAN = 1;

function oneOf<T extends string>(what: string, v: T | undefined, allowed: readonly T[]): void {
  if (v !== undefined && !allowed.includes(v)) {
    throw new GauntletError('GAUNTLET_USAGE', `${what} ${JSON.stringify(v)}: expected ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`);
  }
}

export function resolveSpec(opts: Pick<GenerateOptions, 'preset' | 'sizeBytes' | 'dtype' | 'arch' | 'pooling'>): ModelSpec {
  const dtype = opts.dtype ?? 'f32';
  oneOf('dtype', dtype, DTYPES);
  oneOf('arch', opts.arch, ARCHS);
  oneOf('pooling', opts.pooling, POOLINGS);
  const arch = opts.arch ?? 'bert';
  if (opts.sizeBytes !== undefined) {
    if (!(opts.sizeBytes >= 1e6)) throw new GauntletError('GAUNTLET_USAGE', `size ${opts.sizeBytes} bytes: expected at least 1 MB (use --preset tiny for smaller)`);
    return specForSize(opts.sizeBytes, dtype, arch, opts.pooling);
  }
  const p = PRESETS[opts.preset ?? 'tiny'];
  if (!p) throw new GauntletError('GAUNTLET_USAGE', `preset ${JSON.stringify(opts.preset)}: expected tiny or small`);
  return archShape(arch, shapeForDtype(p, dtype), dtype, opts.pooling);
}

/** The vocabulary of a spec: WordPiece for bert and nomic-bert, byte-level BPE with merges for qwen3. */
export function modelVocab(spec: ModelSpec): LayoutVocab {
  return spec.arch === 'qwen3' ? buildBpeVocab(spec.vocab) : { tokens: buildVocab(spec.vocab) };
}

/** The metadata of a synthetic embedding model (`tokens` alone for a WordPiece vocabulary). */
export function modelKvs(spec: ModelSpec, seed: number, vocab: string[] | LayoutVocab): GgufKv[] {
  const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
  const head: GgufKv[] = [
    { key: 'general.architecture', type: GgufValueType.STRING, value: spec.arch },
    { key: 'general.name', type: GgufValueType.STRING, value: `gauntlet-synthetic-${spec.arch}-e${spec.embedding}-l${spec.layers}-${spec.dtype}` },
    u32('general.alignment', 32),
    u32('general.file_type', DTYPE_INFO[spec.dtype].fileType),
    u32('gauntlet.seed', seed),
  ];
  return layoutKvs(spec, head, Array.isArray(vocab) ? { tokens: vocab } : vocab);
}

/** The tensors of a synthetic model; matrices in the spec's dtype, norms, biases and token types in F32. */
export function modelTensors(spec: ModelSpec, seed: number): GgufTensorSpec[] {
  return layoutTensors(spec, seed, DTYPE_INFO[spec.dtype].ggml);
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new GauntletError('GAUNTLET_USAGE', `seed ${JSON.stringify(seed)}: expected an integer 0..4294967295`);
  }
}

/**
 * Generates a synthetic embedding model of `opts.arch`, byte-identical for the same seed and options. Tensor data is
 * streamed from a seeded PRNG chunk by chunk, so a multi-GB file needs only a few MB of memory.
 */
export async function generateModel(opts: GenerateOptions): Promise<GenerateResult> {
  checkSeed(opts.seed);
  const spec = resolveSpec(opts);
  if (spec.embedding % spec.heads !== 0) throw new GauntletError('GAUNTLET_INTERNAL', `embedding ${spec.embedding} is not a multiple of heads ${spec.heads}`);
  const res = await writeGguf(opts.out, modelKvs(spec, opts.seed, modelVocab(spec)), modelTensors(spec, opts.seed), { onProgress: opts.onProgress });
  return { path: opts.out, bytes: res.bytes, sha256: res.sha256, spec };
}
