/**
 * The reference forward pass of a Qwen3 decoder, as llama.cpp's qwen3 graph (src/models/qwen3.cpp) computes it:
 * token embeddings; per layer RMSNorm (attn_norm), q/k/v projections, per-head RMSNorm of q and k (attn_q_norm,
 * attn_k_norm), rotary positions (NeoX layout) on q and k, causal grouped-query attention scaled by
 * 1/sqrt(head_dim), output projection, residual; RMSNorm (ffn_norm), SwiGLU FFN, residual; then output_norm.
 * llama.cpp keeps a decoder's keys and values in an F16 KV cache; rounding k and v to FP16 here moved the tiny
 * model's min cosine to node-llama-cpp by 1e-9 (0.99999954 either way, measured), so the oracle leaves them exact.
 */
import { linear, rmsNorm, ropeNeox, selfAttention, swiglu, addInPlace } from './oracle-math.ts';
import type { OracleHparams } from './oracle.ts';
import type { GgufFile } from './types.ts';
import { checkIds, tensorGetter } from './oracle-encoder.ts';

interface DecoderLayer {
  attnNorm: Float32Array;
  q: Float32Array; k: Float32Array; v: Float32Array; o: Float32Array;
  qNorm: Float32Array; kNorm: Float32Array;
  ffnNorm: Float32Array;
  gate: Float32Array; up: Float32Array; down: Float32Array;
}

export interface DecoderWeights {
  tokEmbd: Float32Array;
  outNorm: Float32Array;
  layers: DecoderLayer[];
}

export async function loadDecoderWeights(file: GgufFile, hp: OracleHparams): Promise<DecoderWeights> {
  const { req } = tensorGetter(file);
  const layers: DecoderLayer[] = [];
  for (let i = 0; i < hp.layers; i++) {
    const p = `blk.${i}.`;
    layers.push({
      attnNorm: await req(`${p}attn_norm.weight`),
      q: await req(`${p}attn_q.weight`), k: await req(`${p}attn_k.weight`), v: await req(`${p}attn_v.weight`),
      o: await req(`${p}attn_output.weight`),
      qNorm: await req(`${p}attn_q_norm.weight`), kNorm: await req(`${p}attn_k_norm.weight`),
      ffnNorm: await req(`${p}ffn_norm.weight`),
      gate: await req(`${p}ffn_gate.weight`), up: await req(`${p}ffn_up.weight`), down: await req(`${p}ffn_down.weight`),
    });
  }
  return { tokEmbd: await req('token_embd.weight'), outNorm: await req('output_norm.weight'), layers };
}

/** Final hidden states after output_norm, [ids.length, E]. */
export function forwardDecoder(w: DecoderWeights, hp: OracleHparams, ids: number[]): Float64Array {
  const E = hp.embedding;
  const T = ids.length;
  const hd = hp.headDim;
  const nq = hp.heads * hd;
  const nkv = hp.headsKv * hd;
  checkIds(ids, w.tokEmbd.length / E);
  const x = new Float64Array(T * E);
  for (let t = 0; t < T; t++) for (let i = 0; i < E; i++) x[t * E + i] = w.tokEmbd[ids[t]! * E + i]!;
  for (const L of w.layers) {
    const h = x.slice();
    rmsNorm(h, T, E, L.attnNorm, hp.eps);
    const q = linear(h, T, E, L.q, nq);
    const k = linear(h, T, E, L.k, nkv);
    const v = linear(h, T, E, L.v, nkv);
    rmsNorm(q, T * hp.heads, hd, L.qNorm, hp.eps);
    rmsNorm(k, T * hp.headsKv, hd, L.kNorm, hp.eps);
    ropeNeox(q, T, hp.heads, hd, hp.ropeBase);
    ropeNeox(k, T, hp.headsKv, hd, hp.ropeBase);
    const attn = linear(selfAttention(q, k, v, T, hp.heads, hd, { headsKv: hp.headsKv, causal: hp.causal }), T, nq, L.o, E);
    addInPlace(x, attn);
    const f = x.slice();
    rmsNorm(f, T, E, L.ffnNorm, hp.eps);
    const down = linear(swiglu(linear(f, T, E, L.gate, hp.ffn), linear(f, T, E, L.up, hp.ffn)), T, hp.ffn, L.down, E);
    addInPlace(x, down);
  }
  rmsNorm(x, T, E, w.outNorm, hp.eps);
  return x;
}
