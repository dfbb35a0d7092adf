/**
 * `gauntlet gguf export-onnx FILE OUTDIR`: a generated bert or nomic-bert GGUF as a Hugging Face-style folder that ONNX
 * Runtime engines load from disk: onnx/model.onnx, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
 * config.json. Weights are
 * read back as the oracle reads them (dequantised to F32), so an F16 or Q8_0 GGUF exports the oracle's weights.
 * The folder is written under a temporary name beside OUTDIR and renamed into place, so a reader never sees half
 * of it; `ensureOnnxExport` caches one export per GGUF content hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import { buildBertModel, encodeModel, ONNX_OPSET, type OnnxLayerWeights, type OnnxModelWeights } from './export-onnx-graph.ts';
import { tokenizerFiles } from './export-onnx-tokenizer.ts';
import { hparamsFromMetadata, type OracleHparams } from './oracle.ts';
import { readGguf, readTensorF32 } from './reader.ts';
import { wpmVocabFromMetadata } from './tokenizer.ts';
import type { GgufFile } from './types.ts';

/** protobuf messages cannot exceed 2 GiB; larger models would need ONNX external data, which this does not write. */
const MAX_PROTO_BYTES = 2 ** 31 - 1;

export interface ExportOnnxResult {
  dir: string;
  modelPath: string;
  sourceSha256: string;
  bytes: number;
  nodes: number;
  initializers: number;
  opset: number;
  hasTokenTypes: boolean;
  /** Vocabulary entries that collapsed onto an earlier one in the Hugging Face form. */
  vocabCollisions: number;
  durationMs: number;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** ggml [in, out] (out rows of in values) -> row-major [in, out] for ONNX MatMul. */
function transposed(w: Float32Array, nIn: number, nOut: number): Float32Array {
  if (w.length !== nIn * nOut) throw new GauntletError('GAUNTLET_MODEL_INVALID', `matrix of ${w.length} values is not ${nIn} x ${nOut}`);
  const t = new Float32Array(w.length);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) t[i * nOut + o] = w[o * nIn + i]!;
  return t;
}

async function onnxWeights(file: GgufFile, hp: OracleHparams): Promise<OnnxModelWeights> {
  const names = new Set(file.tensors.map((t) => t.name));
  const req = (name: string): Promise<Float32Array> => {
    if (!names.has(name)) throw new GauntletError('GAUNTLET_MODEL_INVALID', `tensor ${name}: missing from ${file.path}`);
    return readTensorF32(file, name);
  };
  const opt = async (name: string) => (names.has(name) ? readTensorF32(file, name) : undefined);
  const E = hp.embedding;
  const F = hp.ffn;
  const mat = async (name: string, nIn: number, nOut: number) => transposed(await req(name), nIn, nOut);
  const layers: OnnxLayerWeights[] = [];
  for (let i = 0; i < hp.layers; i++) {
    const p = `blk.${i}.`;
    // a fused attn_qkv [E, 3E] holds q, k and v as its first, second and third E output rows
    const fused = names.has(`${p}attn_qkv.weight`) ? await req(`${p}attn_qkv.weight`) : undefined;
    const part = (j: number) => transposed(fused!.subarray(j * E * E, (j + 1) * E * E), E, E);
    const qkvB = await opt(`${p}attn_qkv.bias`);
    const partB = (j: number) => qkvB?.subarray(j * E, (j + 1) * E);
    layers.push({
      ...(fused
        ? { q: part(0), qb: partB(0), k: part(1), kb: partB(1), v: part(2), vb: partB(2) }
        : {
            q: await mat(`${p}attn_q.weight`, E, E), qb: await opt(`${p}attn_q.bias`),
            k: await mat(`${p}attn_k.weight`, E, E), kb: await opt(`${p}attn_k.bias`),
            v: await mat(`${p}attn_v.weight`, E, E), vb: await opt(`${p}attn_v.bias`),
          }),
      o: await mat(`${p}attn_output.weight`, E, E), ob: await opt(`${p}attn_output.bias`),
      attnNormW: await req(`${p}attn_output_norm.weight`), attnNormB: await req(`${p}attn_output_norm.bias`),
      up: await mat(`${p}ffn_up.weight`, E, F), upB: await opt(`${p}ffn_up.bias`),
      gate: names.has(`${p}ffn_gate.weight`) ? await mat(`${p}ffn_gate.weight`, E, F) : undefined,
      down: await mat(`${p}ffn_down.weight`, F, E), downB: await opt(`${p}ffn_down.bias`),
      outNormW: await req(`${p}layer_output_norm.weight`), outNormB: await req(`${p}layer_output_norm.bias`),
    });
  }
  return {
    tokEmbd: await req('token_embd.weight'),
    posEmbd: hp.arch === 'bert' ? await req('position_embd.weight') : undefined,
    typeEmbd: await opt('token_types.weight'),
    normW: await req('token_embd_norm.weight'),
    normB: await req('token_embd_norm.bias'),
    layers,
  };
}

function numberArray(v: unknown): number[] | undefined {
  return Array.isArray(v) ? v.map((x) => Number(x)) : undefined;
}

/** Writes the folder at `outDir` (replacing what is there). */
export async function exportOnnx(ggufPath: string, outDir: string): Promise<ExportOnnxResult> {
  const started = performance.now();
  const file = await readGguf(ggufPath);
  const hp = hparamsFromMetadata(file.metadata);
  if (hp.arch === 'qwen3') {
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `${ggufPath}: qwen3 is not expressed by the ONNX exporter: it writes bidirectional encoder graphs with a WordPiece tokenizer.json; a decoder needs a causal mask, grouped-query attention, RMSNorm and last-token pooling in the graph and a byte-level BPE tokenizer.json (merges, the qwen2 split pattern, <|endoftext|> appended) that transformers.js would have to reproduce token for token (exports bert and nomic-bert)`,
    );
  }
  if (hp.pooling !== 'mean') {
    // transformers.js's feature-extraction pools by mean or cls; node-llama-cpp's NONE reads the last token
    process.stderr.write(`gguf export-onnx: note: the GGUF's pooling is ${hp.pooling}; the ONNX folder says so in config.json (gauntlet.pooling)\n`);
  }
  const vocab = wpmVocabFromMetadata(file.metadata);
  const E = hp.embedding;
  const weightBytes = 4 * ((vocab.tokens.length + hp.context) * E + hp.layers * (4 * E * E + 3 * E * hp.ffn));
  if (weightBytes > MAX_PROTO_BYTES - (64 << 20)) {
    throw new GauntletError('GAUNTLET_USAGE', `${ggufPath}: ${(weightBytes / 2 ** 30).toFixed(2)} GiB of F32 weights; a single model.onnx holds under 2 GiB (external data is not written). Export a smaller model`);
  }
  const weights = await onnxWeights(file, hp);
  const vocabSize = weights.tokEmbd.length / hp.embedding;
  if (vocabSize !== vocab.tokens.length) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `token_embd.weight has ${vocabSize} rows but the vocabulary ${vocab.tokens.length} tokens`);
  }
  const sourceSha256 = await sha256File(ggufPath);
  const name = String(file.metadata.get('general.name') ?? path.basename(ggufPath));
  const model = buildBertModel({ hp, vocab: vocabSize, weights, name, docString: `exported by gauntlet from ${path.basename(ggufPath)} (sha256 ${sourceSha256})` });
  const bytes = encodeModel(model);
  const padRaw = file.metadata.get('tokenizer.ggml.padding_token_id');
  const tok = tokenizerFiles(vocab, numberArray(file.metadata.get('tokenizer.ggml.token_type')), hp.context, padRaw === undefined ? 0 : Number(padRaw));
  const types = weights.typeEmbd ? weights.typeEmbd.length / hp.embedding : 0;
  const config = {
    // transformers.js runs the graph as a BERT feature extractor; gauntlet.arch says what the graph really is
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: hp.embedding,
    num_hidden_layers: hp.layers,
    num_attention_heads: hp.heads,
    intermediate_size: hp.ffn,
    hidden_act: 'gelu_new',
    max_position_embeddings: hp.context,
    type_vocab_size: types,
    vocab_size: vocabSize,
    layer_norm_eps: hp.eps,
    pad_token_id: padRaw === undefined ? 0 : Number(padRaw),
    'transformers.js_config': { dtype: 'fp32' },
    gauntlet: { source: path.basename(ggufPath), sourceSha256, arch: hp.arch, pooling: hp.pooling, opset: ONNX_OPSET },
  };

  const target = path.resolve(outDir);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.join(tmp, 'onnx'), { recursive: true });
    await writeFile(path.join(tmp, 'onnx', 'model.onnx'), bytes);
    await writeFile(path.join(tmp, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson, null, 2) + '\n');
    await writeFile(path.join(tmp, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig, null, 2) + '\n');
    await writeFile(path.join(tmp, 'special_tokens_map.json'), JSON.stringify(tok.specialTokensMap, null, 2) + '\n');
    await writeFile(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    dir: target,
    modelPath: path.join(target, 'onnx', 'model.onnx'),
    sourceSha256,
    bytes: bytes.length,
    nodes: model.graph!.node!.length,
    initializers: model.graph!.initializer!.length,
    opset: ONNX_OPSET,
    hasTokenTypes: weights.typeEmbd !== undefined,
    vocabCollisions: tok.collisions,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * The export of `ggufPath` under `cacheDir`/onnx/<sha256 of the GGUF>, written on first use and reused after
 * (config.json records the source hash; a folder without it is written again).
 */
export async function ensureOnnxExport(ggufPath: string, cacheDir: string): Promise<string> {
  const sha = await sha256File(ggufPath);
  const dir = path.join(cacheDir, 'onnx', sha.slice(0, 16));
  const valid = async (): Promise<boolean> => {
    try {
      const cfg = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { gauntlet?: { sourceSha256?: string } };
      return cfg.gauntlet?.sourceSha256 === sha && (await stat(path.join(dir, 'onnx', 'model.onnx'))).size > 0;
    } catch {
      return false;
    }
  };
  if (await valid()) return dir;
  try {
    await exportOnnx(ggufPath, dir);
  } catch (e) {
    // another process exporting the same file at the same time may have renamed its folder into place first
    if (!(await valid())) throw e;
  }
  return dir;
}
