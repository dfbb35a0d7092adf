/** The generator's architectures: the keys and tensors llama.cpp's loader asks for, with its shapes. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateModel, resolveSpec } from '../../harness/gguf/generator.ts';
import { readGguf } from '../../harness/gguf/reader.ts';
import { buildBpeVocab, byteEncode, BYTE_CHARS } from '../../harness/gguf/vocab-bpe.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-gen-arch-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const shapes = (f: Awaited<ReturnType<typeof readGguf>>) => Object.fromEntries(f.tensors.map((t) => [t.name, t.dims]));

describe('generateModel --arch', () => {
  it('nomic-bert: fused qkv, SwiGLU, no biases but the norms, no position table, rope base 1000', async () => {
    const out = path.join(tmp, 'nomic.gguf');
    await generateModel({ arch: 'nomic-bert', seed: 3, out });
    const f = await readGguf(out);
    expect(f.metadata.get('general.architecture')).toBe('nomic-bert');
    expect(f.metadata.get('nomic-bert.rope.freq_base')).toBe(1000);
    expect(f.metadata.get('nomic-bert.pooling_type')).toBe(1);
    expect(f.metadata.get('tokenizer.ggml.model')).toBe('bert');
    const s = shapes(f);
    expect(s['blk.0.attn_qkv.weight']).toEqual([64, 192]);
    expect(s['blk.1.ffn_gate.weight']).toEqual([64, 128]);
    expect(s['blk.1.ffn_down.weight']).toEqual([128, 64]);
    expect(s['position_embd.weight']).toBeUndefined();
    expect(Object.keys(s).filter((n) => n.endsWith('.bias')).every((n) => /norm\.bias$/.test(n))).toBe(true);
    expect(s['blk.0.attn_q.weight']).toBeUndefined();
  });

  it('qwen3: GQA with a head wider than E / heads, q/k norms, RMS norms, BPE vocabulary with merges, last pooling', async () => {
    const out = path.join(tmp, 'qwen3.gguf');
    await generateModel({ arch: 'qwen3', seed: 3, out });
    const f = await readGguf(out);
    const m = f.metadata;
    expect(m.get('general.architecture')).toBe('qwen3');
    expect([m.get('qwen3.attention.head_count'), m.get('qwen3.attention.head_count_kv'), m.get('qwen3.attention.key_length')]).toEqual([4, 2, 32]);
    expect(m.get('qwen3.pooling_type')).toBe(3);
    expect(m.get('qwen3.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-6, 12);
    expect(m.get('tokenizer.ggml.model')).toBe('gpt2');
    expect(m.get('tokenizer.ggml.pre')).toBe('qwen2');
    expect(m.get('tokenizer.ggml.add_eos_token')).toBe(true);
    const tokens = m.get('tokenizer.ggml.tokens') as string[];
    expect(tokens[m.get('tokenizer.ggml.eos_token_id') as number]).toBe('<|endoftext|>');
    expect(new Set(tokens).size).toBe(tokens.length);
    const s = shapes(f);
    expect(s['blk.0.attn_q.weight']).toEqual([64, 128]);
    expect(s['blk.0.attn_k.weight']).toEqual([64, 64]);
    expect(s['blk.0.attn_output.weight']).toEqual([128, 64]);
    expect(s['blk.0.attn_q_norm.weight']).toEqual([32]);
    expect(s['output_norm.weight']).toEqual([64]);
    expect(s['output.weight']).toBeUndefined();
    expect(Object.keys(s).some((n) => n.endsWith('.bias'))).toBe(false);
  });

  it('bert with CLS pooling declares pooling_type 2', async () => {
    const out = path.join(tmp, 'cls.gguf');
    await generateModel({ pooling: 'cls', seed: 3, out });
    expect((await readGguf(out)).metadata.get('bert.pooling_type')).toBe(2);
  });

  it('rejects an unknown arch or pooling by name', () => {
    expect(() => resolveSpec({ arch: 'llama' as never })).toThrow(/arch "llama": expected bert, nomic-bert or qwen3/);
    expect(() => resolveSpec({ pooling: 'max' as never })).toThrow(/pooling "max": expected mean, cls or last/);
  });
});

describe('buildBpeVocab', () => {
  it('every merge joins two tokens into a token, all 256 bytes are tokens, no duplicates', () => {
    const v = buildBpeVocab(600);
    expect(v.tokens.length).toBe(600);
    const set = new Set(v.tokens);
    expect(set.size).toBe(600);
    for (const c of BYTE_CHARS) expect(set.has(c)).toBe(true);
    for (const m of v.merges) {
      const [l, r] = m.split(' ');
      expect(set.has(l!) && set.has(r!) && set.has(l! + r!)).toBe(true);
    }
    expect(byteEncode(' hé\n')).toBe('ĠhÃ©Ċ');
  });
});
