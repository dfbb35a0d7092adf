/** The ONNX exporter on the other architectures: nomic-bert expressed (rotary, SwiGLU, fused qkv split), qwen3 refused by name. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../harness/gguf/export-onnx-graph.ts';
import { exportOnnx } from '../../harness/gguf/export-onnx.ts';
import { generateModel } from '../../harness/gguf/generator.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-export-arch-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('exportOnnx per architecture', () => {
  it('nomic-bert: no position table, rotary cos/sin tables, a Sigmoid per layer (SwiGLU), q/k/v from the fused qkv', async () => {
    const gguf = path.join(tmp, 'nomic.gguf');
    await generateModel({ arch: 'nomic-bert', seed: 5, out: gguf });
    const r = await exportOnnx(gguf, path.join(tmp, 'nomic-onnx'));
    const g = decodeModel(await readFile(r.modelPath)).graph!;
    const inits = g.initializer!.map((t) => t.name);
    expect(inits).not.toContain('embeddings.position_embeddings.weight');
    expect(inits).toEqual(expect.arrayContaining(['rotary.cos', 'rotary.sin', 'encoder.layer.1.attention.self.query.weight', 'encoder.layer.1.mlp.gate.weight']));
    expect(g.node!.filter((n) => n.opType === 'Sigmoid')).toHaveLength(2);
    const cfg = JSON.parse(await readFile(path.join(tmp, 'nomic-onnx', 'config.json'), 'utf8'));
    expect(cfg.gauntlet).toMatchObject({ arch: 'nomic-bert', pooling: 'mean' });
  });

  it('qwen3 is refused, saying what the exporter cannot express', async () => {
    const gguf = path.join(tmp, 'qwen3.gguf');
    await generateModel({ arch: 'qwen3', seed: 5, out: gguf });
    await expect(exportOnnx(gguf, path.join(tmp, 'qwen3-onnx'))).rejects.toThrow(/qwen3 is not expressed by the ONNX exporter: .*causal mask.*byte-level BPE tokenizer\.json/);
  });
});
