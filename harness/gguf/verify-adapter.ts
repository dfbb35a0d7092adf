/**
 * verifyAdapter(): the verify corpus embedded through a configured adapter (orchestrator -> host -> adapter ->
 * engine: llama-server, transformers.js, a user's server...) and compared with the oracle text by text. Token ids
 * are not compared (an adapter does not expose them); cosine, vector length and the largest difference are (the
 * difference between unit vectors: llama-server's /v1/embeddings answers L2-normalised vectors, the oracle and
 * node-llama-cpp raw ones).
 */
import { corpusFor } from './corpus.ts';
import { loadOracle } from './oracle.ts';
import { cosine } from './oracle-math.ts';
import { readGguf } from './reader.ts';
import { boundForTypes, matrixTypes } from './reference-bound.ts';
import type { ResolvedAdapter } from '../adapters/types.ts';
import { startHost } from '../host/host-handle.ts';
import { toError } from '../util/errors.ts';

export interface AdapterVerifyReport {
  model: string;
  adapter: string;
  arch: string;
  dtype: string;
  texts: number;
  /** Texts the adapter answered with a vector (the rest failed: see `errors`). */
  answered: number;
  minCosine: number;
  meanCosine: number;
  /** Largest |difference| between the L2-normalised vectors. */
  maxAbsDiff: number;
  lengthMismatches: number;
  bound: number;
  pass: boolean;
  worst?: { index: number; text: string; cosine: number };
  errors: Array<{ index: number; text: string; message: string }>;
  /** Texts that cannot travel the protocol (a lone surrogate is not Unicode: refused as bad-utf8 by design), not sent. */
  skipped: Array<{ index: number; text: string }>;
  durationMs: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export async function verifyAdapter(adapter: ResolvedAdapter, opts: { texts?: string[] } = {}): Promise<AdapterVerifyReport> {
  const t0 = performance.now();
  const file = await readGguf(adapter.model);
  const ref = boundForTypes(matrixTypes(file)); // the coarsest matrix type sets it, as in verifyModel and gauntlet run
  const bound = ref.bound;
  const oracle = await loadOracle(adapter.model);
  const texts = opts.texts ?? corpusFor((t) => oracle.encode(t), oracle.contextSize);
  const host = await startHost(adapter);
  const cosines: number[] = [];
  const errors: AdapterVerifyReport['errors'] = [];
  const skipped: AdapterVerifyReport['skipped'] = [];
  let maxAbsDiff = 0;
  let lengthMismatches = 0;
  let worst: AdapterVerifyReport['worst'];
  try {
    for (const [index, text] of texts.entries()) {
      if (LONE_SURROGATE.test(text)) {
        skipped.push({ index, text });
        continue;
      }
      const want = oracle.embed(text, { normalize: adapter.normalize });
      let got: Float32Array;
      try {
        got = want.length === 0 ? new Float32Array(0) : await host.embed(text);
      } catch (e) {
        errors.push({ index, text, message: toError(e).message });
        continue;
      }
      if (got.length !== want.length) {
        lengthMismatches++;
        cosines.push(NaN);
        continue;
      }
      const c = cosine(want, got);
      cosines.push(c);
      const nw = Math.hypot(...want) || 1;
      const ng = Math.hypot(...got) || 1;
      for (let i = 0; i < want.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(want[i]! / nw - got[i]! / ng));
      if (!worst || c < worst.cosine) worst = { index, text, cosine: c };
    }
  } finally {
    await host.close();
  }
  const valid = cosines.filter((c) => !Number.isNaN(c));
  const minCosine = valid.length === cosines.length && valid.length > 0 ? Math.min(...valid) : NaN;
  return {
    model: adapter.model,
    adapter: adapter.name,
    arch: String(file.metadata.get('general.architecture')),
    dtype: ref.types.map((t) => t.toLowerCase()).join('+'),
    texts: texts.length,
    answered: cosines.length - lengthMismatches,
    minCosine,
    meanCosine: valid.reduce((s, c) => s + c, 0) / Math.max(1, valid.length),
    maxAbsDiff,
    lengthMismatches,
    bound,
    pass: errors.length === 0 && lengthMismatches === 0 && minCosine >= bound,
    worst,
    errors,
    skipped,
    durationMs: Math.round(performance.now() - t0),
  };
}
