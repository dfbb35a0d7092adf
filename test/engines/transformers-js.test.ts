/**
 * The onnx engine (transformers.js on onnxruntime-node over the GGUF's ONNX export), in both isolations:
 * behind the reference embedder's protocol (`--engine onnx`, a real process) and inside the host (in-process,
 * engine 'onnx'), each against the oracle over the whole verify corpus. Needs transformers.js installed in the
 * cache (npx gauntlet engines build transformers-js); skipped with the reason otherwise. The config and argument
 * checks run without it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/load-config.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { resolveAdapter } from '../../harness/config/resolve-config.ts';
import { defaultCacheDir } from '../../harness/config/defaults.ts';
import { locateTransformersJs, transformersJsMissingReason } from '../../harness/engines/install-transformers.ts';
import { corpusFor } from '../../harness/gguf/corpus.ts';
import { sha256File } from '../../harness/gguf/export-onnx.ts';
import { cosine } from '../../harness/gguf/oracle-math.ts';
import { loadOracle, type Oracle } from '../../harness/gguf/oracle.ts';
import { startHost } from '../../harness/host/host-handle.ts';
import { parseEmbedderArgs } from '../../reference-embedder/args.ts';
import { adapterFor } from '../host/helpers.ts';
import { spawnEmbedder, tinyModel, type Embedder } from '../reference-embedder/helpers.ts';
import { existsSync, rmSync } from 'node:fs';

const tj = locateTransformersJs();
const skipped = tj ? '' : ` (skipped: ${transformersJsMissingReason()})`;
const PACKAGE_ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('onnx engine: configuration', () => {
  it('examples/engines.config.ts resolves: transformers-js runs the reference embedder with --engine onnx, the in-process one has engine onnx', async () => {
    const config = await loadConfig(path.join(PACKAGE_ROOT, 'examples', 'engines.config.ts'));
    expect(config.defaultAdapters).toEqual(['reference', 'llama-server', 'transformers-js', 'transformers-js-in-process']);
    const proc = resolveAdapter(config, 'transformers-js');
    expect(proc.config.kind).toBe('process');
    expect((proc.config as { command: string[] }).command).toEqual(expect.arrayContaining(['--engine', 'onnx']));
    const ip = resolveAdapter(config, 'transformers-js-in-process');
    expect(ip.config).toMatchObject({ kind: 'in-process', engine: 'onnx', comparison: true });
  });

  it('an unknown engine is refused: in the config with the value, in the embedder arguments', () => {
    expect(() => resolveConfig({ adapters: { x: { kind: 'in-process', engine: 'tensorflow' as 'onnx' } } })).toThrow(/adapters\.x\.engine.*"llama".*"onnx"/s);
    expect(() => parseEmbedderArgs(['--engine', 'tensorflow'], {})).toThrow('--engine: expected one of llama, onnx, got "tensorflow"');
    expect(parseEmbedderArgs([], {}).engine).toBe('llama');
  });
});

/** Which corpus texts each side compared, and the lowest cosine. */
function compare(oracle: Oracle, texts: string[], vectors: Float32Array[]): { min: number; compared: number } {
  let min = 1;
  let compared = 0;
  texts.forEach((t, i) => {
    const want = oracle.embed(t);
    const got = vectors[i]!;
    expect(got.length, JSON.stringify(t)).toBe(want.length); // zero-length for a text without tokens
    if (want.length === 0) return;
    const c = cosine(got, want);
    expect(c, JSON.stringify(t)).toBeGreaterThanOrEqual(0.9999);
    min = Math.min(min, c);
    compared++;
  });
  return { min, compared };
}

describe.runIf(tj)(`onnx engine vs the oracle over the verify corpus${skipped}`, () => {
  let dir: string;
  let model: string;
  let oracle: Oracle;
  let corpus: string[];

  beforeAll(async () => {
    ({ dir, model } = await tinyModel());
    oracle = await loadOracle(model);
    // '' is refused by the protocol side ('bad-request'), as for the llama engine
    corpus = corpusFor(oracle.encode, oracle.contextSize).filter((t) => t !== '');
  });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('process: reference embedder --engine onnx (stdio, msgpack) exports the GGUF into the cache and matches the oracle', async () => {
    let e: Embedder | undefined;
    try {
      e = spawnEmbedder(['--engine', 'onnx']);
      const init = await e.request({ type: 'initialize', modelPath: model, options: {} }, 60_000);
      expect(init, e.stderr()).toMatchObject({ type: 'initialized', dims: 64, vocabSize: 200 });
      const exportDir = path.join(defaultCacheDir(), 'onnx', (await sha256File(model)).slice(0, 16));
      expect(existsSync(path.join(exportDir, 'onnx', 'model.onnx'))).toBe(true);
      expect(e.stderr()).toContain('engine onnx');
      const vectors: Float32Array[] = [];
      // a lone surrogate cannot travel as UTF-8: the protocol side refuses it (bad-utf8), whatever the engine
      const wire = corpus.filter((t) => Buffer.from(t, 'utf8').toString('utf8') === t);
      expect(corpus.length - wire.length).toBe(1);
      for (const text of wire) {
        const r = await e.request({ type: 'embed', text });
        expect(r.type, `${JSON.stringify(text)}: ${JSON.stringify(r)}`).toBe('embedding');
        vectors.push((r as { vector: Float32Array }).vector);
      }
      const { min, compared } = compare(oracle, wire, vectors);
      expect(compared).toBeGreaterThan(60);
      console.log(`onnx engine (process): ${compared} corpus texts, min cosine ${min.toFixed(9)} (1 - min = ${(1 - min).toExponential(2)})`);
      const batch = await e.request({ type: 'embed-batch', texts: ['hello world', 'the quick brown fox'] });
      expect(batch.type).toBe('embeddings');
      const long = await e.request({ type: 'embed', text: 'the '.repeat(200) });
      expect(long).toMatchObject({ type: 'error', code: 'too-many-tokens' });
      expect(await e.request({ type: 'embed', text: '' })).toMatchObject({ type: 'error', code: 'bad-request' });
    } finally {
      e?.kill();
    }
  });

  it('in-process (engine onnx): matches the oracle inside the host; 16 concurrent calls equal serial ones', async () => {
    const a = await adapterFor('tj-in-process', { kind: 'in-process', engine: 'onnx' }, { model });
    const h = await startHost(a, { deferStart: true });
    try {
      const info = await h.start();
      expect(info).toMatchObject({ dims: 64, contextSize: 128 });
      expect(await h.embedderPid()).toBeUndefined();
      const vectors: Float32Array[] = [];
      for (const text of corpus) vectors.push(await h.embed(text));
      const { min, compared } = compare(oracle, corpus, vectors);
      expect(compared).toBeGreaterThan(60);
      console.log(`onnx engine (in-process): ${compared} corpus texts, min cosine ${min.toFixed(9)} (1 - min = ${(1 - min).toExponential(2)})`);
      const texts = corpus.slice(0, 16);
      const concurrent = await Promise.all(texts.map((t) => h.embed(t)));
      concurrent.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(vectors[i]!)));
      await expect(h.embed('the '.repeat(200))).rejects.toMatchObject({ code: 'GAUNTLET_EMBEDDER_ERROR', message: expect.stringContaining('tokens') });
    } finally {
      await h.close();
    }
  });
});
