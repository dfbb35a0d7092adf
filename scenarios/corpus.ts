/**
 * corpus: embedding correctness over a corpus of hard texts (issue 23), where engines really break: accents in NFC
 * and NFD, CJK, emoji and ZWJ sequences, combining and zero-width characters, right-to-left scripts, punctuation and
 * whitespace, very long words, texts one and two tokens under the context limit, mixed-length batches (padding) and a
 * repeated text. Deterministic from the run's seed (the same texts on every adapter), judged against the oracle,
 * reported as the lowest cosine per category with the worst text. A pass of its own, with no timing claim, so it
 * may overlap and never slows the timed scenarios.
 */
import { statSync } from 'node:fs';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { buildHardCorpus, corpusTexts, type HardCorpus } from '../harness/corpus/build-corpus.ts';
import { categoryMetric } from '../harness/corpus/categories.ts';
import { categoryParts, judgeVector, overallMin, type TextOutcome } from '../harness/corpus/judge-corpus.ts';
import type { Oracle } from '../harness/gguf/oracle.ts';
import { describeGolden, type GoldenSet } from '../harness/golden/golden-file.ts';
import { GOLDEN_SIZES } from '../harness/golden/record-golden.ts';
import type { CorpusRequest } from '../harness/corpus/build-corpus.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import type { HostHandle } from '../harness/host/types.ts';
import { GauntletError, toError } from '../harness/util/errors.ts';

interface Prepared { corpus: HardCorpus; reference: Float32Array[] }

/**
 * The corpus and its reference vectors, built once per model file, seed, sizes and context in this process: every
 * adapter of a run (and every selfcheck step) gets the same texts, and the oracle's forward passes are paid once.
 */
const prepared = new Map<string, Prepared>();

function prepare(oracle: Oracle, seed: number, sizes: CorpusSizes, contextSize: number, maxBatch: number): Prepared {
  let id = oracle.path;
  try {
    const st = statSync(oracle.path);
    id += `:${st.size}:${st.mtimeMs}`;
  } catch { /* the path alone */ }
  const key = JSON.stringify([id, seed, sizes, contextSize, maxBatch]);
  let p = prepared.get(key);
  if (!p) {
    const corpus = buildHardCorpus({ seed, ...sizes, encode: (t) => oracle.encode(t), contextSize, maxBatch });
    p = { corpus, reference: corpusTexts(corpus).map((t) => oracle.embed(t.text)) };
    prepared.set(key, p);
  }
  return p;
}

interface CorpusSizes { perCategory: number; nearLimit: number; paddingBatches: number; repeat: number; [k: string]: number }

const describeError = (e: unknown): string => {
  const err = toError(e);
  const text = err instanceof GauntletError ? `${err.code}: ${err.message}` : err.message;
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
};

export default defineScenario<CorpusSizes>({
  id: 'corpus',
  title: 'Correctness over a corpus of hard texts, by category',
  claims: ['embeddings-match-reference'],
  overlap: true,
  quick: { ...GOLDEN_SIZES.quick },
  full: { ...GOLDEN_SIZES.full },
  timeoutMs: { quick: 60_000, full: 180_000 },
  async run(ctx) {
    if (ctx.golden) return runGolden(ctx, ctx.golden);
    let oracle: Oracle;
    try {
      oracle = await ctx.oracle();
    } catch (e) {
      ctx.metric('correctness.minCosine', null);
      ctx.metric('correctness.minCosine.min', null);
      ctx.note(`oracle unavailable, the corpus was not judged: ${toError(e).message}`);
      return;
    }
    const host = await ctx.startHost();
    const contextSize = Math.min(oracle.contextSize, ctx.adapter.config.contextSize ?? Infinity, host.info?.contextSize ?? Infinity);
    const { corpus, reference } = prepare(oracle, ctx.seed, ctx.sizes, contextSize, ctx.adapter.maxBatch);
    ctx.note(`reference: the oracle (gauntlet's forward pass of ${ctx.model.path})`);
    await judgeCorpus(ctx, host, corpus, reference, contextSize, `drawn from seed ${ctx.seed}; near-limit texts fitted to a context of ${contextSize} tokens with the model's tokenizer`);
  },
});

/** The corpus of a golden file, judged against its vectors (a request bigger than this adapter's batch is split). */
async function runGolden(ctx: ScenarioContext<CorpusSizes>, g: GoldenSet): Promise<void> {
  const host = await ctx.startHost();
  const contextSize = Math.min(ctx.adapter.config.contextSize ?? Infinity, host.info?.contextSize ?? Infinity);
  const requests: CorpusRequest[] = [];
  const reference: Float32Array[] = [];
  let skipped = 0;
  let at = 0;
  for (const req of g.corpus.requests) {
    const keep = req.texts.map((t, k) => ({ t, v: g.vectors[at + k]! })).filter(({ t }) => {
      // a text the recording engine's context held but this adapter's cannot: not owed a vector here
      const fits = !(t.tokens >= contextSize);
      if (!fits) skipped++;
      return fits;
    });
    at += req.texts.length;
    const step = req.kind === 'single' ? 1 : Math.max(1, ctx.adapter.maxBatch);
    for (let i = 0; i < keep.length; i += step) {
      const part = keep.slice(i, i + step);
      requests.push({ kind: part.length === 1 && req.kind === 'single' ? 'single' : 'batch', texts: part.map((p) => p.t) });
      reference.push(...part.map((p) => p.v));
    }
  }
  ctx.note(`reference: ${describeGolden(g)}, model ${g.data.model.path}`);
  if (g.data.engine.adapter === ctx.adapter.name) ctx.note(`${ctx.adapter.name} recorded the golden file: it is judged against its own earlier vectors`);
  if (skipped) ctx.note(`golden: ${skipped} text(s) have as many tokens as this adapter's context of ${contextSize} or more, left out`);
  await judgeCorpus(ctx, host, { requests, contextSize: g.corpus.contextSize, notes: g.corpus.notes }, reference, contextSize, `from ${g.file} (seed ${g.data.corpus.seed}, ${g.data.corpus.size})`);
}

async function judgeCorpus(ctx: ScenarioContext<CorpusSizes>, host: HostHandle, corpus: HardCorpus, reference: Float32Array[], contextSize: number, origin: string): Promise<void> {
    const outcomes: TextOutcome[] = [];
    let at = 0;
    for (const req of corpus.requests) {
      const first = at;
      at += req.texts.length;
      try {
        const vectors = req.kind === 'single'
          ? [await host.embed(req.texts[0]!.text, { signal: ctx.signal })]
          : await host.embedBatch(req.texts.map((t) => t.text), { signal: ctx.signal });
        req.texts.forEach((item, k) => {
          const v = vectors[k];
          outcomes.push(v ? { item, cosine: judgeVector(v, reference[first + k]!) } : { item, cosine: null, error: `the batch answer has ${vectors.length} vectors for ${req.texts.length} texts` });
        });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        const error = describeError(e);
        for (const item of req.texts) outcomes.push({ item, cosine: null, error });
      }
    }
    const parts = categoryParts(outcomes);
    const min = overallMin(outcomes);
    ctx.metric('correctness.minCosine', min);
    ctx.metric('correctness.minCosine.min', min);
    for (const p of parts) ctx.metric(categoryMetric(p.key), p.value);
    ctx.metric('corpus.texts', outcomes.length);
    ctx.metric('corpus.textsWithoutVector', outcomes.filter((o) => o.cosine === null).length);
    ctx.breakdown('correctness.minCosine', 'category', parts);
    const batches = corpus.requests.filter((r) => r.kind === 'batch').length;
    ctx.note(`corpus: ${outcomes.length} texts in ${corpus.requests.length} requests (${batches} batches), ${parts.length} categories, ${origin}; adapter context ${contextSize}`);
    for (const n of corpus.notes) ctx.note(n);
}
