import type { Hparams } from './check-metadata.ts';
import { GgufFormatError } from './errors.ts';
import { ggmlTypeName } from './ggml-types.ts';
import { GgmlType, type GgufFile, type GgufTensorInfo } from './types.ts';

/** Types ggml's CPU backend can multiply with; Q8_1/Q8_K are dot-product intermediates, integers cannot matmul. */
const MATRIX_TYPES = new Set<number>([
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
  GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ2_XXS, GgmlType.IQ2_XS,
  GgmlType.IQ3_XXS, GgmlType.IQ1_S, GgmlType.IQ4_NL, GgmlType.IQ3_S, GgmlType.IQ2_S, GgmlType.IQ4_XS, GgmlType.IQ1_M,
]);

interface Expect {
  dims: number[];
  required: boolean;
  /** 'vector': F32 only; 'f32': F32 only (token_types: F16 aborts at the first embedding); 'matrix': MATRIX_TYPES. */
  kind: 'vector' | 'f32' | 'matrix';
}

/** Every tensor llama.cpp's BERT loader asks for, with the shape it asks for. */
export function bertTensorPlan(h: Hparams, file: GgufFile): Map<string, Expect> {
  const E = h.embedding;
  const Ekv = (E / h.heads) * h.headsKv;
  const F = h.ffn;
  const m = new Map<string, Expect>();
  const add = (name: string, dims: number[], kind: Expect['kind'], required = true) => m.set(name, { dims, kind, required });
  add('token_embd.weight', [E, h.vocab], 'matrix');
  add('token_types.weight', [E, h.tokenTypeCount], 'f32');
  add('position_embd.weight', [E, h.context], 'matrix');
  add('token_embd_norm.weight', [E], 'vector');
  add('token_embd_norm.bias', [E], 'vector');
  const has = new Set(file.tensors.map((t) => t.name));
  for (let l = 0; l < h.layers; l++) {
    const b = `blk.${l}`;
    const fused = has.has(`${b}.attn_qkv.weight`);
    add(`${b}.attn_qkv.weight`, [E, E + 2 * Ekv], 'matrix', false);
    add(`${b}.attn_qkv.bias`, [E + 2 * Ekv], 'vector', false);
    add(`${b}.attn_q.weight`, [E, E], 'matrix', !fused);
    add(`${b}.attn_k.weight`, [E, Ekv], 'matrix', !fused);
    add(`${b}.attn_v.weight`, [E, Ekv], 'matrix', !fused);
    add(`${b}.attn_q.bias`, [E], 'vector', false);
    add(`${b}.attn_k.bias`, [Ekv], 'vector', false);
    add(`${b}.attn_v.bias`, [Ekv], 'vector', false);
    add(`${b}.attn_output.weight`, [E, E], 'matrix');
    add(`${b}.attn_output.bias`, [E], 'vector', false);
    add(`${b}.attn_output_norm.weight`, [E], 'vector');
    add(`${b}.attn_output_norm.bias`, [E], 'vector');
    add(`${b}.ffn_up.weight`, [E, F], 'matrix');
    add(`${b}.ffn_up.bias`, [F], 'vector', false);
    add(`${b}.ffn_down.weight`, [F, E], 'matrix');
    add(`${b}.ffn_down.bias`, [E], 'vector', false);
    add(`${b}.layer_output_norm.weight`, [E], 'vector');
    add(`${b}.layer_output_norm.bias`, [E], 'vector');
  }
  return m;
}

function fail(code: GgufFormatError['code'], t: GgufTensorInfo | undefined, field: string, message: string): never {
  throw new GgufFormatError(code, t?.infoOffset ?? 8, field, message); // missing tensors: at tensor_count
}

/** Checks tensor presence, shapes and types against what llama.cpp's BERT loader expects. */
export function checkBertTensors(f: GgufFile, h: Hparams): void {
  const plan = bertTensorPlan(h, f);
  const byName = new Map(f.tensors.map((t) => [t.name, t]));
  for (const t of f.tensors) {
    const e = plan.get(t.name);
    if (!e) {
      if (t.name.startsWith('cls.')) continue; // classifier head of rank models
      fail('GGUF_UNEXPECTED_TENSOR', t, t.name, `tensor "${t.name}" is not part of a ${h.layers}-layer BERT model; llama.cpp refuses files with unused tensors`);
    }
    const same = e.dims.length === t.dims.length && e.dims.every((d, i) => d === t.dims[i]);
    if (!same) {
      fail('GGUF_WRONG_SHAPE', t, `${t.name}.dims`, `tensor "${t.name}" has shape [${t.dims.join(', ')}], expected [${e.dims.join(', ')}]`);
    }
    const ok = e.kind === 'matrix' ? MATRIX_TYPES.has(t.type) : t.type === GgmlType.F32;
    if (!ok) {
      const why = t.name === 'token_types.weight' ? '; llama.cpp aborts (SIGABRT) at the first embedding otherwise' : '';
      fail('GGUF_WRONG_TENSOR_TYPE', t, `${t.name}.type`,
        `tensor "${t.name}" has type ${ggmlTypeName(t.type)}, expected ${e.kind === 'matrix' ? 'a float or quantised matrix type' : 'F32'}${why}`);
    }
  }
  for (const [name, e] of plan) {
    if (e.required && !byName.has(name)) {
      fail('GGUF_MISSING_TENSOR', undefined, name, `required tensor "${name}" [${e.dims.join(', ')}] is missing`);
    }
  }
}
