/**
 * The reference forward pass of the BERT-family encoders, as llama.cpp's bert graph (src/models/bert.cpp) computes
 * them: token (+ position for bert) + token-type-0 embeddings, embedding LayerNorm; per layer self-attention
 * scaled by 1/sqrt(head_dim) (rotary q/k for nomic-bert), output projection, residual, LayerNorm, FFN (bert: GELU
 * with llama.cpp's FP16 table; nomic-bert: SwiGLU), residual, LayerNorm. Weights are read back from the file
 * (dequantised) with readTensorF32; activations are Float64.
 */
import { readTensorF32 } from './reader.ts';
import type { GgufFile } from './types.ts';
import { GauntletError } from '../util/errors.ts';
import { addInPlace, columns, geluLlama, layerNorm, linear, ropeNeox, selfAttention, swiglu } from './oracle-math.ts';
import type { OracleHparams } from './oracle.ts';

interface EncoderLayer {
  q?: Float32Array; qb?: Float32Array;
  k?: Float32Array; kb?: Float32Array;
  v?: Float32Array; vb?: Float32Array;
  qkv?: Float32Array; qkvb?: Float32Array;
  o: Float32Array; ob?: Float32Array;
  attnNormW: Float32Array; attnNormB: Float32Array;
  up: Float32Array; upB?: Float32Array;
  gate?: Float32Array;
  down: Float32Array; downB?: Float32Array;
  outNormW: Float32Array; outNormB: Float32Array;
}

export interface EncoderWeights {
  tokEmbd: Float32Array;
  posEmbd?: Float32Array;
  typeRow0?: Float32Array;
  normW: Float32Array;
  normB: Float32Array;
  layers: EncoderLayer[];
}

export type TensorGetter = {
  req(name: string): Promise<Float32Array>;
  opt(name: string): Promise<Float32Array | undefined>;
};

export function tensorGetter(file: GgufFile): TensorGetter {
  const names = new Set(file.tensors.map((t) => t.name));
  return {
    req: (name) => {
      if (!names.has(name)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `tensor ${name}: missing from ${file.path}`);
      return readTensorF32(file, name);
    },
    opt: async (name) => (names.has(name) ? readTensorF32(file, name) : undefined),
  };
}

export async function loadEncoderWeights(file: GgufFile, hp: OracleHparams): Promise<EncoderWeights> {
  const { req, opt } = tensorGetter(file);
  const nomic = hp.arch === 'nomic-bert';
  const layers: EncoderLayer[] = [];
  for (let i = 0; i < hp.layers; i++) {
    const p = `blk.${i}.`;
    const qkv = await opt(`${p}attn_qkv.weight`);
    layers.push({
      ...(qkv
        ? { qkv, qkvb: await opt(`${p}attn_qkv.bias`) }
        : {
            q: await req(`${p}attn_q.weight`), qb: await opt(`${p}attn_q.bias`),
            k: await req(`${p}attn_k.weight`), kb: await opt(`${p}attn_k.bias`),
            v: await req(`${p}attn_v.weight`), vb: await opt(`${p}attn_v.bias`),
          }),
      o: await req(`${p}attn_output.weight`), ob: await opt(`${p}attn_output.bias`),
      attnNormW: await req(`${p}attn_output_norm.weight`), attnNormB: await req(`${p}attn_output_norm.bias`),
      up: await req(`${p}ffn_up.weight`), upB: await opt(`${p}ffn_up.bias`),
      gate: nomic ? await req(`${p}ffn_gate.weight`) : undefined,
      down: await req(`${p}ffn_down.weight`), downB: await opt(`${p}ffn_down.bias`),
      outNormW: await req(`${p}layer_output_norm.weight`), outNormB: await req(`${p}layer_output_norm.bias`),
    });
  }
  const types = await opt('token_types.weight');
  return {
    tokEmbd: await req('token_embd.weight'),
    posEmbd: nomic ? undefined : await req('position_embd.weight'),
    typeRow0: types?.subarray(0, hp.embedding),
    normW: await req('token_embd_norm.weight'),
    normB: await req('token_embd_norm.bias'),
    layers,
  };
}

export function checkIds(ids: number[], vocab: number): void {
  for (const id of ids) {
    if (!(id >= 0 && id < vocab)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `token id ${id} is outside the vocabulary (0..${vocab - 1})`);
  }
}

/** Final hidden states, [ids.length, E]. */
export function forwardEncoder(w: EncoderWeights, hp: OracleHparams, ids: number[]): Float64Array {
  const E = hp.embedding;
  const T = ids.length;
  const hd = E / hp.heads;
  checkIds(ids, w.tokEmbd.length / E);
  const x = new Float64Array(T * E);
  for (let t = 0; t < T; t++) {
    const id = ids[t]!;
    for (let i = 0; i < E; i++) {
      let s = w.tokEmbd[id * E + i]!;
      if (w.typeRow0) s += w.typeRow0[i]!;
      if (w.posEmbd) s += w.posEmbd[t * E + i]!;
      x[t * E + i] = s;
    }
  }
  layerNorm(x, T, E, w.normW, w.normB, hp.eps);
  let h: Float64Array = x;
  for (const L of w.layers) {
    let q: Float64Array, k: Float64Array, v: Float64Array;
    if (L.qkv) {
      const qkv = linear(h, T, E, L.qkv, 3 * E, L.qkvb);
      q = columns(qkv, T, 3 * E, 0, E);
      k = columns(qkv, T, 3 * E, E, E);
      v = columns(qkv, T, 3 * E, 2 * E, E);
    } else {
      q = linear(h, T, E, L.q!, E, L.qb);
      k = linear(h, T, E, L.k!, E, L.kb);
      v = linear(h, T, E, L.v!, E, L.vb);
    }
    if (hp.arch === 'nomic-bert') {
      ropeNeox(q, T, hp.heads, hd, hp.ropeBase);
      ropeNeox(k, T, hp.heads, hd, hp.ropeBase);
    }
    const attn = linear(selfAttention(q, k, v, T, hp.heads, hd, { causal: hp.causal }), T, E, L.o, E, L.ob);
    addInPlace(attn, h);
    layerNorm(attn, T, E, L.attnNormW, L.attnNormB, hp.eps);
    let act: Float64Array;
    if (L.gate) {
      act = swiglu(linear(attn, T, E, L.gate, hp.ffn), linear(attn, T, E, L.up, hp.ffn, L.upB));
    } else {
      act = linear(attn, T, E, L.up, hp.ffn, L.upB);
      for (let i = 0; i < act.length; i++) act[i] = geluLlama(act[i]!);
    }
    const down = linear(act, T, hp.ffn, L.down, E, L.downB);
    addInPlace(down, attn);
    layerNorm(down, T, E, L.outNormW, L.outNormB, hp.eps);
    h = down;
  }
  return h;
}
