/**
 * gguf export-onnx: the written folder read back with the same protobuf schema (graph structure, shapes, weight
 * orientation, tokenizer files), and, when the transformers.js engine is installed in the cache, the graph run on
 * onnxruntime-node and the tokenizer run by transformers.js against the oracle over the whole verify corpus.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTransformersJs, locateTransformersJs, transformersJsMissingReason } from '../../harness/engines/install-transformers.ts';
import { corpusFor } from '../../harness/gguf/corpus.ts';
import { decodeModel, onnx } from '../../harness/gguf/export-onnx-graph.ts';
import { exportOnnx, sha256File } from '../../harness/gguf/export-onnx.ts';
import { generateModel } from '../../harness/gguf/generator.ts';
import { modelKvs, modelTensors } from '../../harness/gguf/generator.ts';
import { archShape } from '../../harness/gguf/model-spec.ts';
import { cosine } from '../../harness/gguf/oracle-math.ts';
import { loadOracle, type Oracle } from '../../harness/gguf/oracle.ts';
import { readGguf, readTensorF32 } from '../../harness/gguf/reader.ts';
import { buildVocab } from '../../harness/gguf/vocab.ts';
import { writeGguf } from '../../harness/gguf/writer.ts';
import { GgufValueType } from '../../harness/gguf/types.ts';

const run = promisify(execFile);
const tj = locateTransformersJs();
const skipReason = tj ? '' : ` (skipped: ${transformersJsMissingReason()})`;

let tmp: string;
let gguf: string;
let noTypes: string;
let notBert: string;
let outDir: string;
let outNoTypes: string;

type Model = InstanceType<typeof onnx.ModelProto>;
const readModel = async (dir: string): Promise<Model> => decodeModel(await readFile(path.join(dir, 'onnx', 'model.onnx')));
const init = (m: Model, name: string) => m.graph!.initializer!.find((t) => t.name === name);
const f32 = (t: { rawData?: Uint8Array | null }) => {
  const b = t.rawData!;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const opCounts = (m: Model) => {
  const c: Record<string, number> = {};
  for (const n of m.graph!.node!) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-export-onnx-'));
  gguf = path.join(tmp, 'tiny.gguf');
  await generateModel({ preset: 'tiny', seed: 7, out: gguf });
  // the same model without token-type embeddings (the graph then takes no token_type_ids)
  const spec = archShape('bert', { embedding: 64, layers: 1, heads: 4, ffn: 128, context: 64, vocab: 200 }, 'f32');
  noTypes = path.join(tmp, 'no-types.gguf');
  await writeGguf(noTypes, modelKvs(spec, 3, buildVocab(200)), modelTensors(spec, 3).filter((t) => t.name !== 'token_types.weight'));
  notBert = path.join(tmp, 'not-bert.gguf');
  await writeGguf(notBert, modelKvs(spec, 3, buildVocab(200)).map((kv) => (kv.key === 'general.architecture' ? { ...kv, type: GgufValueType.STRING, value: 'llama' } : kv)), modelTensors(spec, 3));
  outDir = path.join(tmp, 'onnx-tiny');
  outNoTypes = path.join(tmp, 'onnx-no-types');
  await exportOnnx(gguf, outDir);
  await exportOnnx(noTypes, outNoTypes);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('gguf export-onnx: the folder read back (onnx-proto)', () => {
  it('model.onnx: IR 8, opset 17, inputs, output, one node set per layer', async () => {
    const m = await readModel(outDir);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    const out = m.graph!.output!;
    expect(out.map((o) => o.name)).toEqual(['last_hidden_state']);
    const dims = out[0]!.type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch_size', 'sequence_length', 64]);
    expect(out[0]!.type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
    const L = 2;
    expect(m.graph!.node!.length).toBe(11 + 38 * L);
    const ops = opCounts(m);
    expect(ops.LayerNormalization).toBe(1 + 2 * L);
    expect(ops.Softmax).toBe(L);
    expect(ops.MatMul).toBe(8 * L);
    expect(ops.Tanh).toBe(L);
    expect(ops.Gather).toBe(2); // token and token-type tables
    // every node input is a graph input, an initializer or an earlier node's output
    const known = new Set([...m.graph!.input!.map((i) => i.name!), ...m.graph!.initializer!.map((t) => t.name!)]);
    for (const n of m.graph!.node!) {
      for (const i of n.input!) expect(known.has(i), `${n.name} input ${i}`).toBe(true);
      for (const o of n.output!) known.add(o);
    }
    expect(known.has('last_hidden_state')).toBe(true);
  });

  it('initializers: counts and shapes, matrices transposed to [in, out], tables row for row', async () => {
    const m = await readModel(outDir);
    expect(m.graph!.initializer!.length).toBe(5 + 16 * 2 + 5 + 6);
    const shape = (name: string) => init(m, name)?.dims?.map(Number);
    expect(shape('embeddings.word_embeddings.weight')).toEqual([200, 64]);
    expect(shape('embeddings.position_embeddings.weight')).toEqual([128, 64]);
    expect(shape('embeddings.token_type_embeddings.weight')).toEqual([2, 64]);
    expect(shape('encoder.layer.1.attention.self.query.weight')).toEqual([64, 64]);
    expect(shape('encoder.layer.1.intermediate.dense.weight')).toEqual([64, 128]);
    expect(shape('encoder.layer.1.output.dense.weight')).toEqual([128, 64]);
    expect(shape('encoder.layer.0.output.LayerNorm.bias')).toEqual([64]);
    const file = await readGguf(gguf);
    const up = await readTensorF32(file, 'blk.1.ffn_up.weight'); // ggml [64, 128]: 128 rows of 64
    const upOnnx = f32(init(m, 'encoder.layer.1.intermediate.dense.weight')!);
    for (const [i, o] of [[0, 0], [3, 100], [63, 127], [17, 5]] as const) expect(upOnnx[i * 128 + o]).toBe(up[o * 64 + i]);
    const tok = await readTensorF32(file, 'token_embd.weight');
    expect(Array.from(f32(init(m, 'embeddings.word_embeddings.weight')!).subarray(139 * 64, 140 * 64))).toEqual(Array.from(tok.subarray(139 * 64, 140 * 64)));
    const eps = m.graph!.node!.find((n) => n.opType === 'LayerNormalization')!.attribute!.find((a) => a.name === 'epsilon')!;
    expect(eps.f).toBeCloseTo(1e-12, 18);
  });

  it('without token-type embeddings there is no token_type_ids input', async () => {
    const m = await readModel(outNoTypes);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(init(m, 'embeddings.token_type_embeddings.weight')).toBeUndefined();
    expect(m.graph!.node!.length).toBe(11 - 2 + 38);
  });

  it('tokenizer.json, tokenizer_config.json, special_tokens_map.json and config.json carry the GGUF vocabulary and shape', async () => {
    const tok = JSON.parse(await readFile(path.join(outDir, 'tokenizer.json'), 'utf8'));
    const vocab = buildVocab(200);
    const v = tok.model.vocab as Record<string, number>;
    expect(Object.keys(v)).toHaveLength(200);
    expect(v.hello).toBe(vocab.indexOf('\u2581hello'));
    expect(v['##ing']).toBe(vocab.indexOf('ing'));
    expect(v['##a']).toBe(vocab.indexOf('a'));
    expect(v.a).toBe(vocab.indexOf('\u2581a'));
    expect(v['[CLS]']).toBe(2);
    expect(tok.model).toMatchObject({ type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##' });
    expect(tok.model.max_input_chars_per_word).toBeGreaterThan(10_000);
    expect(tok.normalizer).toMatchObject({ type: 'BertNormalizer', lowercase: true, strip_accents: true });
    expect(tok.added_tokens).toEqual([]);
    expect(tok.post_processor.special_tokens['[CLS]'].ids).toEqual([2]);
    expect(tok.post_processor.special_tokens['[SEP]'].ids).toEqual([3]);
    const tc = JSON.parse(await readFile(path.join(outDir, 'tokenizer_config.json'), 'utf8'));
    expect(tc).toMatchObject({ tokenizer_class: 'BertTokenizer', model_max_length: 128, cls_token: '[CLS]', unk_token: '[UNK]' });
    const stm = JSON.parse(await readFile(path.join(outDir, 'special_tokens_map.json'), 'utf8'));
    expect(stm).toEqual({ cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]' });
    const cfg = JSON.parse(await readFile(path.join(outDir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ model_type: 'bert', hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, vocab_size: 200, type_vocab_size: 2 });
    expect(cfg.gauntlet.sourceSha256).toBe(await sha256File(gguf));
  });

  it('the CLI writes the folder, refuses a non-BERT model (GAUNTLET_MODEL_INVALID) and a missing OUTDIR (exit 2)', async () => {
    const bin = path.resolve('bin/gauntlet.mjs');
    const dir = path.join(tmp, 'cli-out');
    const r = await run(process.execPath, [bin, 'gguf', 'export-onnx', gguf, dir, '--json']);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({ dir, opset: 17, nodes: 87, initializers: 48, hasTokenTypes: true, vocabCollisions: 0 });
    const usage = await run(process.execPath, [bin, 'gguf', 'export-onnx', gguf]).catch((e: { code: number; stderr: string }) => e);
    expect((usage as { code: number }).code).toBe(2);
    expect((usage as { stderr: string }).stderr).toContain('OUTDIR is required');
    await expect(exportOnnx(notBert, path.join(tmp, 'x'))).rejects.toMatchObject({ code: 'GAUNTLET_MODEL_INVALID', message: expect.stringContaining('general.architecture') });
  });
});

interface Ort {
  InferenceSession: { create(file: string, opts?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: number[] }>>;
  inputNames: string[];
  release(): Promise<void>;
}

async function loadOrt(): Promise<Ort> {
  const req = createRequire(path.join(tj!.dir, 'package.json'));
  const mod = (await import(pathToFileURL(req.resolve('onnxruntime-node')).href)) as Ort & { default?: Ort };
  return mod.InferenceSession ? mod : mod.default!;
}

/** Mean of the rows of `h` ([B, S, E]) in batch row `b` where the mask is 1. */
function meanPool(h: Float32Array, S: number, E: number, b: number, mask: number[]): Float64Array {
  const out = new Float64Array(E);
  let n = 0;
  for (let t = 0; t < S; t++) {
    if (!mask[t]) continue;
    n++;
    for (let i = 0; i < E; i++) out[i] += h[(b * S + t) * E + i]!;
  }
  return out.map((x) => x / n);
}

describe.runIf(tj)(`gguf export-onnx on ONNX Runtime and transformers.js, against the oracle${skipReason}`, () => {
  let ort: Ort;
  let oracle: Oracle;
  let corpus: string[];

  beforeAll(async () => {
    ort = await loadOrt();
    oracle = await loadOracle(gguf);
    corpus = corpusFor(oracle.encode, oracle.contextSize);
  });

  const feeds = (session: OrtSession, batch: number[][]) => {
    const S = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(batch.length * S);
    const mask = new BigInt64Array(batch.length * S);
    batch.forEach((row, b) => row.forEach((id, t) => { ids[b * S + t] = BigInt(id); mask[b * S + t] = 1n; }));
    const f: Record<string, unknown> = { input_ids: new ort.Tensor('int64', ids, [batch.length, S]), attention_mask: new ort.Tensor('int64', mask, [batch.length, S]) };
    if (session.inputNames.includes('token_type_ids')) f.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch.length * S), [batch.length, S]);
    return { f, S };
  };

  it('onnxruntime-node: every corpus text, mean-pooled, has cosine >= 0.9999 with the oracle', async () => {
    const session = await ort.InferenceSession.create(path.join(outDir, 'onnx', 'model.onnx'));
    let min = 1;
    let compared = 0;
    for (const text of corpus) {
      const ids = oracle.encode(text);
      if (ids.length === 0) continue;
      const { f, S } = feeds(session, [ids]);
      const out = await session.run(f);
      const h = out.last_hidden_state!;
      expect(h.dims).toEqual([1, S, 64]);
      const c = cosine(meanPool(h.data, S, 64, 0, ids.map(() => 1)), oracle.embed(text));
      expect(c, JSON.stringify(text)).toBeGreaterThanOrEqual(0.9999);
      min = Math.min(min, c);
      compared++;
    }
    expect(compared).toBeGreaterThan(60);
    await session.release();
    console.log(`export-onnx: onnxruntime-node vs oracle over ${compared} corpus texts: min cosine ${min.toFixed(9)} (1 - min = ${(1 - min).toExponential(2)})`);
  });

  it('onnxruntime-node: a padded batch (attention mask) gives each text its own vector; a model without token types runs', async () => {
    const session = await ort.InferenceSession.create(path.join(outDir, 'onnx', 'model.onnx'));
    const texts = ['hello', 'the quick brown fox jumps over the lazy dog', 'a,b;c'];
    const batch = texts.map((t) => oracle.encode(t));
    const { f, S } = feeds(session, batch);
    const h = (await session.run(f)).last_hidden_state!.data;
    batch.forEach((ids, b) => {
      const mask = Array.from({ length: S }, (_, t) => (t < ids.length ? 1 : 0));
      expect(cosine(meanPool(h, S, 64, b, mask), oracle.embed(texts[b]!))).toBeGreaterThanOrEqual(0.9999);
    });
    await session.release();
    const other = await loadOracle(noTypes);
    const s2 = await ort.InferenceSession.create(path.join(outNoTypes, 'onnx', 'model.onnx'));
    const ids = other.encode('hello world');
    const r = await s2.run(feeds(s2, [ids]).f);
    expect(cosine(meanPool(r.last_hidden_state!.data, ids.length, 64, 0, ids.map(() => 1)), other.embed('hello world'))).toBeGreaterThanOrEqual(0.9999);
    await s2.release();
  });

  it("transformers.js's tokenizer on tokenizer.json gives the GGUF tokenizer's ids for every corpus text", async () => {
    const t = await importTransformersJs();
    t.env.allowRemoteModels = false;
    t.env.localModelPath = tmp;
    const tokenizer = await t.AutoTokenizer.from_pretrained(path.basename(outDir), { local_files_only: true });
    const mismatches: string[] = [];
    for (const text of corpus) {
      const want = oracle.tokenize(text);
      const got = tokenizer.encode(text, { add_special_tokens: false });
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${JSON.stringify(text)}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      if (want.length > 0) expect(tokenizer.encode(text)).toEqual(oracle.encode(text));
    }
    expect(mismatches).toEqual([]);
  });
});
