/**
 * `gauntlet golden record`: the hard-text corpus of the `corpus` scenario (the same categories and generators, drawn
 * from a fixed seed) embedded through one adapter, every vector kept with its text. With the oracle the corpus is
 * fitted to the model's tokenizer exactly as the scenario does; when the oracle cannot run the model, token counts are
 * bounded by each text's UTF-8 byte count plus two specials (no tokenizer yields more tokens than bytes, plus its
 * [CLS]/[SEP] or BOS/EOS), and the near-limit and padding categories, which need exact counts, are left out (noted in
 * the file).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { buildHardCorpus, corpusTexts } from '../corpus/build-corpus.ts';
import type { ResolvedAdapter } from '../adapters/types.ts';
import type { Oracle } from '../gguf/oracle.ts';
import { startHost } from '../host/host-handle.ts';
import { environmentInfo } from '../runner/environment.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { GOLDEN_FORMAT, GOLDEN_VERSION, type GoldenFile } from './golden-file.ts';

/** The corpus scenario's sizes (scenarios/corpus.ts quick / full). */
export const GOLDEN_SIZES = {
  quick: { perCategory: 4, nearLimit: 1, paddingBatches: 2, repeat: 4 },
  full: { perCategory: 12, nearLimit: 2, paddingBatches: 4, repeat: 6 },
} as const;

export interface RecordOptions {
  adapter: ResolvedAdapter;
  modelPath: string;
  seed: number;
  size: 'quick' | 'full';
  /** The oracle's tokenizer, when it can run the model; otherwise undefined (see the module comment). */
  loadOracle?: (path: string) => Promise<Oracle>;
  onProgress?: (done: number, total: number) => void;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function recordGolden(o: RecordOptions): Promise<GoldenFile> {
  let oracle: Oracle | undefined;
  let noOracle: string | undefined;
  try {
    oracle = o.loadOracle ? await o.loadOracle(o.modelPath) : undefined;
    if (!oracle) noOracle = 'no oracle given';
  } catch (e) {
    noOracle = toError(e).message;
  }
  const host = await startHost(o.adapter);
  try {
    const contextSize = Math.min(oracle?.contextSize ?? Infinity, o.adapter.config.contextSize ?? Infinity, host.info?.contextSize ?? Infinity);
    if (!Number.isFinite(contextSize)) {
      throw new GauntletError('GAUNTLET_USAGE', `golden record: neither the oracle (${noOracle}) nor adapter ${o.adapter.name} says the model's context size; give the adapter a contextSize in the config`);
    }
    const sizes = GOLDEN_SIZES[o.size];
    const exact = oracle !== undefined;
    const encode = oracle ? (t: string) => oracle!.encode(t) : (t: string) => new Array(Buffer.byteLength(t) + 2).fill(0);
    const corpus = buildHardCorpus({
      seed: o.seed, ...sizes, ...(exact ? {} : { nearLimit: 0, paddingBatches: 0 }),
      encode, contextSize, maxBatch: o.adapter.maxBatch,
    });
    const notes = [...corpus.notes];
    if (!exact) notes.push(`the oracle cannot run this model (${noOracle}): token counts are upper bounds (UTF-8 bytes + 2), near-limit and padding texts left out`);
    const total = corpusTexts(corpus).length;
    const requests: GoldenFile['requests'] = [];
    let done = 0;
    let dims = 0;
    for (const req of corpus.requests) {
      const texts = req.texts.map((t) => t.text);
      let vectors: Float32Array[];
      try {
        vectors = req.kind === 'single' ? [await host.embed(texts[0]!)] : await host.embedBatch(texts);
      } catch (e) {
        throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `golden record: ${o.adapter.name} failed on ${JSON.stringify(texts[0]!.slice(0, 40))} (${req.texts[0]!.category}): ${toError(e).message}; a golden file needs every text`, { cause: e });
      }
      if (vectors.length !== texts.length) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `golden record: ${o.adapter.name} answered ${vectors.length} vectors for a batch of ${texts.length}`);
      requests.push({
        kind: req.kind,
        texts: req.texts.map((t, k) => {
          const v = vectors[k]!;
          if (dims === 0) dims = v.length;
          if (v.length !== dims || !v.every(Number.isFinite)) {
            throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `golden record: ${o.adapter.name} gave a ${v.length}-dim vector${v.every(Number.isFinite) ? '' : ' with NaN/Inf'} for ${JSON.stringify(t.text.slice(0, 40))} after ${dims}-dim ones`);
          }
          return { category: t.category, text: t.text, tokens: t.tokens, vector: Array.from(v) };
        }),
      });
      done += texts.length;
      o.onProgress?.(done, total);
    }
    const { adapter } = o;
    return {
      format: GOLDEN_FORMAT,
      version: GOLDEN_VERSION,
      recordedAt: new Date().toISOString(),
      gauntlet: environmentInfo().gauntlet,
      engine: { adapter: adapter.name, kind: adapter.config.kind, ...(adapter.config.description ? { description: adapter.config.description } : {}) },
      model: { path: o.modelPath, sha256: await sha256(o.modelPath), bytes: statSync(o.modelPath).size },
      dims,
      corpus: { seed: o.seed, size: o.size, contextSize, tokenizer: exact ? 'oracle (the model\'s own tokenizer, exact counts)' : 'none (upper bounds)', notes },
      requests,
    };
  } finally {
    await host.close();
  }
}
