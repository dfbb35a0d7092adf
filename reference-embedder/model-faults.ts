/**
 * Two model-level fault switches of the reference embedder (faults.ts: pool-wrong-token, skip-final-norm; the third,
 * pad-batch, rewrites token ids in corpus-faults.ts): node-llama-cpp still computes every vector, but the way a buggy engine would get the model
 * subtly wrong. Each is built from the model's own metadata and tensors:
 *
 * - pool-wrong-token loads the model with its pooling overridden through node-llama-cpp's metadataOverrides
 *   (llama.cpp's kv overrides): mean -> cls (the first token), cls -> last, last with add_eos_token -> the same
 *   model without it (the state of the token before <|endoftext|>), anything else -> cls.
 * - skip-final-norm undoes the last normalisation's effect on the pooled vector: v / w for a final RMSNorm
 *   (output_norm, a decoder), (v - b) / w for an encoder's last LayerNorm (blk.N.layer_output_norm); pooling is
 *   linear, so for mean, CLS and last pooling this is exactly the vector the graph without it pools (for RMSNorm up
 *   to each token's scale, which a single-token pooling and a cosine do not see).
 */
import { readGguf, readTensorF32 } from '../harness/gguf/reader.ts';
import type { GgufValue } from '../harness/gguf/types.ts';
import { EngineError } from './engine-types.ts';

export interface ModelFaults {
  poolWrongToken?: boolean;
  skipFinalNorm?: boolean;
}

export interface ModelFaultPlan {
  /** node-llama-cpp's loadModel metadataOverrides (nested by the key's dots). */
  overrides?: Record<string, unknown>;
  /** Applied to each pooled vector. */
  post?: (v: Float32Array) => Float32Array;
  /** What was planted, for the embedder's log. */
  notes: string[];
}

const POOLING_NAMES: Record<number, string> = { 0: 'none', 1: 'mean', 2: 'cls', 3: 'last' };

function nested(key: string, value: unknown): Record<string, unknown> {
  return key.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

function num(meta: Map<string, GgufValue>, key: string): number | undefined {
  const v = meta.get(key);
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
}

export async function planModelFaults(modelPath: string, faults: ModelFaults): Promise<ModelFaultPlan> {
  const plan: ModelFaultPlan = { notes: [] };
  if (!faults.poolWrongToken && !faults.skipFinalNorm) return plan;
  const file = await readGguf(modelPath);
  const meta = file.metadata;
  const arch = String(meta.get('general.architecture'));
  if (faults.poolWrongToken) {
    const key = `${arch}.pooling_type`;
    const pooling = num(meta, key) ?? 0;
    if (pooling === 3 && meta.get('tokenizer.ggml.add_eos_token') === true) {
      plan.overrides = nested('tokenizer.ggml.add_eos_token', false);
      plan.notes.push('fault pool-wrong-token: add_eos_token overridden to false (the token before <|endoftext|> is pooled)');
    } else {
      const wrong = pooling === 1 ? 2 : pooling === 2 ? 3 : 2;
      plan.overrides = nested(key, wrong);
      plan.notes.push(`fault pool-wrong-token: ${key} overridden from ${POOLING_NAMES[pooling] ?? pooling} to ${POOLING_NAMES[wrong]}`);
    }
  }
  if (faults.skipFinalNorm) {
    const names = new Set(file.tensors.map((t) => t.name));
    const layers = num(meta, `${arch}.block_count`) ?? 0;
    const last = `blk.${layers - 1}.layer_output_norm`;
    if (names.has('output_norm.weight') && !names.has('output_norm.bias')) {
      const w = await readTensorF32(file, 'output_norm.weight');
      plan.post = (v) => v.map((x, i) => x / w[i]!);
      plan.notes.push('fault skip-final-norm: output_norm (RMSNorm) undone on every pooled vector');
    } else if (names.has(`${last}.weight`) && names.has(`${last}.bias`)) {
      const w = await readTensorF32(file, `${last}.weight`);
      const b = await readTensorF32(file, `${last}.bias`);
      plan.post = (v) => v.map((x, i) => (x - b[i]!) / w[i]!);
      plan.notes.push(`fault skip-final-norm: ${last} weight and bias undone on every pooled vector`);
    } else {
      throw new EngineError('model-invalid', `fault skip-final-norm: ${modelPath} has neither output_norm.weight nor ${last}.weight/.bias to leave out`);
    }
  }
  return plan;
}
