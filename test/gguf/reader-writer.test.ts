import { DTYPE_INFO } from '../../harness/gguf/dtype.ts';
import { seededTensorData } from '../../harness/gguf/tensor-data.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateModel, parseSize } from '../../harness/gguf/generator.ts';
import { floatToHalf, halfToFloat } from '../../harness/gguf/ggml-types.ts';
import { estimateBytes, specForSize } from '../../harness/gguf/model-spec.ts';
import { readGguf, readTensorF32 } from '../../harness/gguf/reader.ts';
import { GgmlType, GgufValueType } from '../../harness/gguf/types.ts';
import { buildVocab } from '../../harness/gguf/vocab.ts';
import { writeGguf, type GgufKv } from '../../harness/gguf/writer.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gguf-rw-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

describe('generator determinism', () => {
  it('same seed and options give byte-identical files; another seed differs', async () => {
    const a = await generateModel({ preset: 'tiny', seed: 7, out: path.join(dir, 'a.gguf') });
    const b = await generateModel({ preset: 'tiny', seed: 7, out: path.join(dir, 'b.gguf') });
    const c = await generateModel({ preset: 'tiny', seed: 8, out: path.join(dir, 'c.gguf') });
    expect(a.sha256).toBe(b.sha256);
    expect(await sha(a.path)).toBe(a.sha256);
    expect(await sha(b.path)).toBe(a.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.bytes).toBe((await stat(a.path)).size);
    expect(a.bytes).toBeLessThan(2_000_000);
    expect(a.spec).toMatchObject({ embedding: 64, layers: 2, heads: 4, ffn: 128, context: 128, dtype: 'f32' });
  });

  it('the tiny model has the BERT keys, a duplicate-free vocabulary and F32 token types', async () => {
    const r = await generateModel({ preset: 'tiny', seed: 3, dtype: 'q8_0', out: path.join(dir, 'q.gguf') });
    const f = await readGguf(r.path);
    expect(f.version).toBe(3);
    expect(f.metadata.get('general.architecture')).toBe('bert');
    expect(f.metadata.get('bert.pooling_type')).toBe(1);
    const tokens = f.metadata.get('tokenizer.ggml.tokens') as string[];
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens[f.metadata.get('tokenizer.ggml.bos_token_id') as number]).toBe('[CLS]');
    expect(tokens[f.metadata.get('tokenizer.ggml.seperator_token_id') as number]).toBe('[SEP]');
    expect(tokens).toContain('\u2581the');
    expect(f.tensors.find((t) => t.name === 'token_types.weight')!.type).toBe(GgmlType.F32);
    expect(f.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')).toMatchObject({ type: GgmlType.Q8_0, dims: [64, 128] });
    expect(f.tensors.find((t) => t.name === 'blk.0.attn_output_norm.weight')!.type).toBe(GgmlType.F32);
  });

  it('f16 and q8_0 models hold the same weights as f32, within their precision', async () => {
    const files = await Promise.all((['f32', 'f16', 'q8_0'] as const).map(async (dtype) =>
      readGguf((await generateModel({ preset: 'tiny', seed: 11, dtype, out: path.join(dir, `w-${dtype}.gguf`) })).path)));
    const [w32, w16, w8] = await Promise.all(files.map((f) => readTensorF32(f, 'blk.1.attn_k.weight')));
    expect(w32!.length).toBe(64 * 64);
    let max16 = 0;
    let max8 = 0;
    let sumSq = 0;
    for (let i = 0; i < w32!.length; i++) {
      max16 = Math.max(max16, Math.abs(w32![i]! - w16![i]!));
      max8 = Math.max(max8, Math.abs(w32![i]! - w8![i]!));
      sumSq += w32![i]! ** 2;
    }
    expect(max16).toBeLessThan(1e-4);
    expect(max8).toBeLessThan(1e-3);
    const std = Math.sqrt(sumSq / w32!.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    const norm = await readTensorF32(files[0]!, 'blk.0.layer_output_norm.weight');
    expect(Math.abs(norm.reduce((a, b) => a + b, 0) / norm.length - 1)).toBeLessThan(0.01);
  });

  it.each([['q4_0', 64, 0.0025], ['q4_k', 256, 0.0025], ['q5_k', 256, 0.0012], ['q6_k', 256, 0.0006]] as const)(
    '%s models hold the seeded weights within the type\'s precision, rows widened to whole blocks (E %i)', async (dtype, E, rms) => {
      const q = await generateModel({ preset: 'tiny', seed: 11, dtype, out: path.join(dir, `wq-${dtype}.gguf`) });
      expect(q.spec).toMatchObject({ embedding: E, ffn: 2 * E, heads: 4, dtype });
      const fq = await readGguf(q.path);
      expect(fq.metadata.get('general.file_type')).toBe({ q4_0: 2, q4_k: 14, q5_k: 16, q6_k: 18 }[dtype]);
      expect(fq.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')).toMatchObject({ type: DTYPE_INFO[dtype].ggml, dims: [2 * E, E] });
      expect(fq.tensors.find((t) => t.name === 'blk.0.ffn_down.bias')!.type).toBe(GgmlType.F32);
      // the values the generator drew for this tensor, before quantisation
      const ref = new Float32Array(E * E);
      let k = 0;
      for (const chunk of seededTensorData(11, 'blk.1.attn_k.weight', E * E, GgmlType.F32, 0, 0.02)) {
        ref.set(new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length / 4), k);
        k += chunk.length / 4;
      }
      const w = await readTensorF32(fq, 'blk.1.attn_k.weight');
      let s = 0;
      for (let i = 0; i < w.length; i++) s += (w[i]! - ref[i]!) ** 2;
      expect(Math.sqrt(s / w.length)).toBeLessThan(rms);
      expect(Math.sqrt(s / w.length)).toBeGreaterThan(0);
    });
});

describe('writer/reader round trip', () => {
  it('keeps every value type, arrays, 64-bit integers, dims and data', async () => {
    const kvs: GgufKv[] = [
      { key: 'general.architecture', type: GgufValueType.STRING, value: 'test' },
      { key: 'u8', type: GgufValueType.UINT8, value: 255 },
      { key: 'i8', type: GgufValueType.INT8, value: -128 },
      { key: 'u16', type: GgufValueType.UINT16, value: 65535 },
      { key: 'i16', type: GgufValueType.INT16, value: -32768 },
      { key: 'u32', type: GgufValueType.UINT32, value: 4294967295 },
      { key: 'i32', type: GgufValueType.INT32, value: -5 },
      { key: 'f32', type: GgufValueType.FLOAT32, value: 0.5 },
      { key: 'bool', type: GgufValueType.BOOL, value: true },
      { key: 'str', type: GgufValueType.STRING, value: 'héllo \u2581 😀' },
      { key: 'u64', type: GgufValueType.UINT64, value: 2n ** 63n + 5n },
      { key: 'i64', type: GgufValueType.INT64, value: -(2n ** 62n) },
      { key: 'f64', type: GgufValueType.FLOAT64, value: Math.PI },
      { key: 'arr', type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ['a', '', 'ccc'] },
      { key: 'arr_i32', type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: [1, -2, 3] },
    ];
    const data = new Float32Array([1, -2, 3.5, 0, 1e-3, -7, 8, 9, 10, 11, 12, 13]);
    const out = path.join(dir, 'rt.gguf');
    const res = await writeGguf(out, kvs, [
      { name: 'm', dims: [4, 3], type: GgmlType.F32, data: () => [new Uint8Array(data.buffer).subarray(0, 20), new Uint8Array(data.buffer).subarray(20)] },
      { name: 'v', dims: [5], type: GgmlType.F32, data: () => [new Uint8Array(new Float32Array([5, 4, 3, 2, 1]).buffer)] },
    ], { alignment: 64 });
    const f = await readGguf(out);
    expect(f.fileSize).toBe(res.bytes);
    expect(f.alignment).toBe(32); // no general.alignment key: readers assume 32 ...
    for (const kv of kvs) {
      expect(f.metadata.get(kv.key)).toEqual(kv.value);
      expect(f.kvInfo.get(kv.key)!.type).toBe(kv.type);
    }
    expect(f.tensors.map((t) => [t.name, t.dims, t.byteSize])).toEqual([['m', [4, 3], 48], ['v', [5], 20]]);
  });

  it('round-trips tensor data with general.alignment', async () => {
    const out = path.join(dir, 'rt2.gguf');
    const vals = Float32Array.from({ length: 96 }, (_, i) => i / 7 - 3);
    await writeGguf(out, [{ key: 'general.alignment', type: GgufValueType.UINT32, value: 64 }], [
      { name: 'a', dims: [3], type: GgmlType.F32, data: () => [new Uint8Array(new Float32Array([1, 2, 3]).buffer)] },
      { name: 'b', dims: [32, 3], type: GgmlType.F32, data: () => [new Uint8Array(vals.buffer)] },
    ]);
    const f = await readGguf(out);
    expect(f.alignment).toBe(64);
    expect(f.dataOffset % 64).toBe(0);
    expect(f.tensors[1]!.offset).toBe(64);
    expect(Array.from(await readTensorF32(f, 'b'))).toEqual(Array.from(vals));
    expect(Array.from(await readTensorF32(f, 'a'))).toEqual([1, 2, 3]);
  });

  it('refuses a source that gives the wrong number of bytes', async () => {
    await expect(writeGguf(path.join(dir, 'bad.gguf'), [], [
      { name: 'x', dims: [4], type: GgmlType.F32, data: () => [new Uint8Array(12)] },
    ])).rejects.toThrow(/gave 12 bytes, expected 16/);
  });
});

describe('helpers', () => {
  it('half-float conversion round-trips and handles specials', () => {
    for (const v of [0, 1, -1, 0.5, 65504, 6.1e-5, 5.96e-8, -2.5]) expect(halfToFloat(floatToHalf(v))).toBeCloseTo(v, 3);
    expect(halfToFloat(floatToHalf(1e6))).toBe(Infinity);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(floatToHalf(1)).toBe(0x3c00);
  });

  it('parseSize understands decimal and binary units and rejects junk', () => {
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('4.3 GB')).toBe(4.3e9);
    expect(parseSize('512MiB')).toBe(512 * 1024 * 1024);
    expect(parseSize('1000')).toBe(1000);
    expect(() => parseSize('big')).toThrow(/cannot parse "big"/);
    expect(() => parseSize('1XB')).toThrow(/cannot parse/);
  });

  it('size-based specs land near the target and within llama.cpp limits', () => {
    for (const [size, dtype] of [[1e9, 'f32'], [4.3e9, 'f32'], [4.3e9, 'q8_0'], [50e6, 'f16']] as const) {
      const s = specForSize(size, dtype);
      expect(Math.abs(estimateBytes(s) - size) / size).toBeLessThan(0.03);
      expect(s.layers).toBeGreaterThanOrEqual(1);
      expect(s.layers).toBeLessThanOrEqual(48);
      expect(s.embedding % s.heads).toBe(0);
    }
  });

  it('vocabularies of any size are duplicate-free', () => {
    const v = buildVocab(40_000);
    expect(v.length).toBe(40_000);
    expect(new Set(v).size).toBe(40_000);
  });
});
