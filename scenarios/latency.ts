/** latency: single-text and 10-text batch round trips, checked against the reference forward pass. */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { allFinite, cosine, embedRequired, oracleVectors, recordLatency, recordMax, sampleTexts } from './support/measure.ts';
import { recordFrameBytesPerDim, recordIpcBuffers } from './support/ipc-stats.ts';
import { recordSentFrameBytes } from './support/throughput-frames.ts';

export default defineScenario({
  id: 'latency',
  title: 'Embedding latency, single and batch of 10',
  claims: [
    'embed-latency-p50-under-25ms', 'ipc-latency-p50-under-10ms', 'embed-latency-mean-under-50ms-over-100', 'batch10-latency-under-100ms',
    'embeddings-match-reference', 'host-rss-under-100mb', 'embedder-working-set-under-50mb', 'host-ipc-buffers-under-1mb',
    'embedding-frame-4-bytes-per-dim', 'embedder-frames-small',
  ],
  // single >= 100 even in --quick: embed-latency-mean-under-50ms-over-100 averages over 100 requests.
  quick: { warmup: 5, single: 100, batches: 10 },
  full: { warmup: 20, single: 500, batches: 100 },
  timeoutMs: { quick: 60_000, full: 300_000 },
  async run(ctx) {
    const host = await ctx.startHost();
    const texts = sampleTexts(ctx, 32);
    const reference = await oracleVectors(ctx, texts);
    for (let i = 0; i < ctx.sizes.warmup; i++) await embedRequired(host, texts[i % texts.length]!, { signal: ctx.signal });

    let minCos = 1;
    let bad = 0;
    const check = (v: Float32Array, i: number) => {
      if (!allFinite(v)) bad++;
      if (reference) minCos = Math.min(minCos, cosine(v, reference[i]!));
    };
    const single: number[] = [];
    let singleErrors = 0;
    for (let n = 0; n < ctx.sizes.single; n++) {
      const i = n % texts.length;
      const t0 = performance.now();
      try {
        const v = await host.embed(texts[i]!, { signal: ctx.signal });
        single.push(performance.now() - t0);
        check(v, i);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        singleErrors++;
      }
    }
    recordLatency(ctx, 'embed.latency', 'single', single, singleErrors);

    const batch: number[] = [];
    let batchErrors = 0;
    let lastBatch: Float32Array[] | undefined;
    for (let n = 0; n < ctx.sizes.batches; n++) {
      const start = (n * 10) % texts.length;
      const idx = Array.from({ length: 10 }, (_, k) => (start + k) % texts.length);
      const t0 = performance.now();
      try {
        const vs = await host.embedBatch(idx.map((i) => texts[i]!), { signal: ctx.signal });
        batch.push(performance.now() - t0);
        lastBatch = vs;
        if (vs.length !== 10) bad++;
        vs.forEach((v, k) => check(v, idx[k]!));
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        batchErrors++;
      }
    }
    recordLatency(ctx, 'embed.batch10.latency', 'batch10', batch, batchErrors);

    ctx.metric('correctness.minCosine', reference ? minCos : null);
    ctx.metric('correctness.minCosine.min', reference ? minCos : null);
    ctx.metric('latency.badVectors', bad);
    // Read before the memory sample: the last frames received are a single answer then a batch-of-10 answer.
    const ipc = await host.ipcStats({ signal: ctx.signal });
    recordIpcBuffers(ctx, ipc);
    recordFrameBytesPerDim(ctx, ipc);
    recordSentFrameBytes(ctx, ipc, lastBatch);
    const mem = await ctx.sampleHost(host, { gc: true });
    recordMax(ctx, 'host.rss', [mem.rss]);
    const pid = await host.embedderPid({ signal: ctx.signal });
    const em = pid !== undefined ? ctx.sampleEmbedder(pid) : undefined;
    recordMax(ctx, 'embedder.rssAnon', em ? [em.rssAnon] : []);
    ctx.note('Latency is measured at the orchestrator: it includes the orchestrator-to-host IPC hop (typically well under 1 ms).');
  },
});
