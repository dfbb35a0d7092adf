/**
 * How close an engine must come to the reference (the oracle, or golden vectors) for `embeddings-match-reference`
 * and `gauntlet gguf verify`, by the ggml type of the model's weight matrices. The oracle multiplies in Float64 with
 * the weights exactly as the file holds them; llama.cpp, in a quantised matmul, also quantises the activations
 * (to Q8_0 against Q8_0 / Q4_0 weights, to Q8_K against K-quants), so its vectors drift a little further from the
 * oracle's the coarser the type. The figures these bounds come from are in docs/claims.md.
 */
import { ggmlTypeName } from './ggml-types.ts';
import { readGguf } from './reader.ts';
import { GgmlType, type GgufFile } from './types.ts';

/** Min cosine to the reference, per weight type (docs/claims.md "embeddings-match-reference: bounds per dtype"). */
export const REFERENCE_COSINE: Partial<Record<GgmlType, number>> = {
  [GgmlType.F32]: 0.9999,
  [GgmlType.F16]: 0.9999,
  [GgmlType.BF16]: 0.9999,
  [GgmlType.Q8_0]: 0.9995,
  [GgmlType.Q4_0]: 0.9995,
  [GgmlType.Q6_K]: 0.999,
  [GgmlType.Q5_K]: 0.999,
  [GgmlType.Q4_K]: 0.999,
};

/**
 * The figures the bounds come from: min cosine to the oracle over the 67 texts of `gauntlet gguf verify` (the
 * corpus plus a context-filling text), 2026-12-08, node-llama-cpp 3.22.1 in-process and llama.cpp's llama-server
 * (v0.5.0, de3ff815ea7d, `verify --adapter llama-server --config examples/engines.config.ts`) on this 2-core x86-64
 * machine, the generated models of seed 1 (tiny: E 64 L 2 F 128, widened to E 256 F 512 for the K-quants; small:
 * E 256 L 4 F 1024, a 511-token text). The figures are deterministic (bit-identical across loads and thread counts),
 * so one run per cell is the figure; the two engines agree with each other to ~1e-10 on every row.
 *
 * The drift is llama.cpp's arithmetic: in a quantised matmul it quantises the activations too (to Q8_0 blocks of 32
 * against Q8_0 / Q4_0 weights, to Q8_K blocks of 256, one scale each, against K-quants), and the oracle does not.
 * Mean pooling (bert, nomic-bert) averages that noise over the tokens; qwen3's last-token pooling does not, so its
 * deficits are ~1000x bert's. transformers.js on the F32 ONNX export of the same dequantised weights matches the
 * oracle to 4e-10 (bert q4_k) and 5e-15 (nomic-bert q4_k): the forward pass is exact, the weights are the file's.
 * The rule: each bound leaves at least 5x the worst deficit (1 - cosine) measured for its type, and is never tighter
 * than F32's 0.9999.
 */
export const MEASURED: ReadonlyArray<{ dtype: string; model: string; engine: string; minCosine: number }> = [
  { dtype: 'f32', model: 'bert tiny', engine: 'node-llama-cpp', minCosine: 0.99999999996 },
  { dtype: 'f16', model: 'bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999999990 },
  { dtype: 'q8_0', model: 'bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999997092 },
  { dtype: 'q4_0', model: 'bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999997068 },
  { dtype: 'q4_k', model: 'bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999880052 },
  { dtype: 'q5_k', model: 'bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999900885 },
  { dtype: 'q6_k', model: 'bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999897165 },
  { dtype: 'q8_0', model: 'bert small', engine: 'node-llama-cpp', minCosine: 0.99999838679 },
  { dtype: 'q4_0', model: 'bert small', engine: 'node-llama-cpp', minCosine: 0.99999854242 },
  { dtype: 'q4_k', model: 'bert small', engine: 'node-llama-cpp', minCosine: 0.99999682513 },
  { dtype: 'q5_k', model: 'bert small', engine: 'node-llama-cpp', minCosine: 0.99999673071 },
  { dtype: 'q6_k', model: 'bert small', engine: 'node-llama-cpp', minCosine: 0.99999726153 },
  { dtype: 'f16', model: 'nomic-bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999999989 },
  { dtype: 'q8_0', model: 'nomic-bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999997489 },
  { dtype: 'q4_0', model: 'nomic-bert tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999997466 },
  { dtype: 'q4_k', model: 'nomic-bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999946242 },
  { dtype: 'q5_k', model: 'nomic-bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999938626 },
  { dtype: 'q6_k', model: 'nomic-bert tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999941647 },
  { dtype: 'f16', model: 'qwen3 tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99999945030 },
  { dtype: 'q8_0', model: 'qwen3 tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99993570012 },
  { dtype: 'q4_0', model: 'qwen3 tiny', engine: 'node-llama-cpp / llama-server', minCosine: 0.99995763010 },
  { dtype: 'q4_k', model: 'qwen3 tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99986317393 },
  { dtype: 'q5_k', model: 'qwen3 tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99987071203 },
  { dtype: 'q6_k', model: 'qwen3 tiny (E 256)', engine: 'node-llama-cpp / llama-server', minCosine: 0.99988838085 },
  { dtype: 'q8_0', model: 'qwen3 small', engine: 'node-llama-cpp', minCosine: 0.99991214108 },
  { dtype: 'q4_0', model: 'qwen3 small', engine: 'node-llama-cpp', minCosine: 0.99991741224 },
  { dtype: 'q4_k', model: 'qwen3 small', engine: 'node-llama-cpp', minCosine: 0.99986651466 },
  { dtype: 'q6_k', model: 'qwen3 small', engine: 'node-llama-cpp', minCosine: 0.99984686776 },
  // gauntlet run --quick (17 scenarios, the hard-text corpus included) through the reference adapter
  { dtype: 'q8_0', model: 'bert tiny, gauntlet run --quick', engine: 'reference adapter', minCosine: 0.99999996529 },
  { dtype: 'q4_k', model: 'qwen3 tiny (E 256), gauntlet run --quick', engine: 'reference adapter', minCosine: 0.99982436723 },
];

/** Any other matrix type (one gauntlet measured no engine on): the loosest bound of the table. */
export const UNMEASURED_TYPE_COSINE = Math.min(...Object.values(REFERENCE_COSINE));

export interface ReferenceBound {
  bound: number;
  /** The matrix type that set it (the coarsest in the file), e.g. "Q4_K". */
  type: string;
  /** Every matrix type in the file, e.g. ["Q4_K", "Q6_K"] for a Q4_K_M mix. */
  types: string[];
  /** True when the type is not in the table (the bound is UNMEASURED_TYPE_COSINE). */
  unmeasured: boolean;
}

/** The distinct types of the file's 2-D weight matrices of the layers (blk.N.*.weight) and the token embedding. */
export function matrixTypes(file: GgufFile): GgmlType[] {
  const types = new Set<GgmlType>();
  for (const t of file.tensors) {
    if (t.dims.length >= 2 && (/^blk\.\d+\..*\.weight$/.test(t.name) || t.name === 'token_embd.weight')) types.add(t.type);
  }
  return [...types];
}

/** The bound for a set of matrix types: the loosest of theirs. */
export function boundForTypes(types: readonly GgmlType[]): ReferenceBound {
  const list = types.length ? types : [GgmlType.F32];
  let best: ReferenceBound | undefined;
  for (const t of list) {
    const known = REFERENCE_COSINE[t];
    const bound = known ?? UNMEASURED_TYPE_COSINE;
    if (!best || bound < best.bound) best = { bound, type: ggmlTypeName(t), types: [], unmeasured: known === undefined };
  }
  return { ...best!, types: list.map(ggmlTypeName) };
}

/** The bound for a model file; undefined when the file cannot be read (the run goes on and says what happened). */
export async function modelReferenceBound(modelPath: string): Promise<ReferenceBound | undefined> {
  try {
    return boundForTypes(matrixTypes(await readGguf(modelPath)));
  } catch {
    return undefined;
  }
}
