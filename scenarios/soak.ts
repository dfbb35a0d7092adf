/**
 * soak: many requests on one host, sampled every few requests (host heapUsed after a forced GC, embedder RssAnon),
 * and the leak slope of each in bytes per request, by least squares over the samples (harness/metrics leakSlope).
 * The first samples are skipped as warm-up (allocator pools and JIT settle there, not leak).
 */
import { leakSlope } from '../harness/metrics/index.ts';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { allFinite, embedRequired, recordMax, sampleTexts } from './support/measure.ts';

export default defineScenario({
  id: 'soak',
  title: 'Soak: leak slope of host heap and embedder anonymous memory over many requests',
  claims: ['host-heap-leak-slope-under-100kb-per-request', 'embedder-leak-slope-under-100kb-per-request', 'host-heap-growth-under-10mb-per-100-embeds', 'host-rss-under-100mb', 'embedder-working-set-under-50mb', 'host-never-crashes'],
  // Its figures are bytes per request and memory of single processes, counted per request, never per second: a
  // neighbouring run takes CPU, not this host's heap or this embedder's pages, so it may overlap (runner lanes).
  overlap: true,
  quick: { requests: 300, sampleEvery: 15, warmup: 30 },
  full: { requests: 5000, sampleEvery: 50, warmup: 200 },
  timeoutMs: { quick: 120_000, full: 900_000 },
  async run(ctx) {
    const { requests, sampleEvery, warmup } = ctx.sizes;
    const host = await ctx.startHost();
    const texts = sampleTexts(ctx, 97);
    const pid = await host.embedderPid({ signal: ctx.signal });
    for (let i = 0; i < warmup; i++) await embedRequired(host, texts[i % texts.length]!, { signal: ctx.signal });

    const heap: Array<{ x: number; y: number }> = [];
    const anon: Array<{ x: number; y: number }> = [];
    const rss: number[] = [];
    let errors = 0;
    let bad = 0;
    let heap100: number | undefined;
    const sample = async (n: number) => {
      const m = await ctx.sampleHost(host, { gc: true });
      heap.push({ x: n, y: m.heapUsed });
      rss.push(m.rss);
      if (n === 100) heap100 = m.heapUsed;
      const e = pid !== undefined ? ctx.sampleEmbedder(pid) : undefined;
      if (e) anon.push({ x: n, y: e.rssAnon });
    };
    await sample(0);
    for (let n = 1; n <= requests; n++) {
      try {
        const v = await host.embed(texts[n % texts.length]!, { signal: ctx.signal });
        if (!allFinite(v)) bad++;
      } catch (e) {
        if (ctx.signal.aborted || !host.alive) throw e;
        errors++;
      }
      if (n % sampleEvery === 0 || n === 100 || n === requests) await sample(n);
    }

    const hostFit = leakSlope(heap);
    const embFit = leakSlope(anon);
    ctx.metric('soak.hostHeapSlope', hostFit ? hostFit.slope : null);
    ctx.metric('soak.embedderRssAnonSlope', embFit ? embFit.slope : null);
    ctx.metric('soak.hostHeapSlope.r2', hostFit ? hostFit.r2 : null);
    ctx.metric('soak.embedderRssAnonSlope.r2', embFit ? embFit.r2 : null);
    ctx.metric('host.heapUsed.growth.max', heap100 !== undefined ? heap100 - heap[0]!.y : null);
    recordMax(ctx, 'host.rss', rss);
    recordMax(ctx, 'embedder.rssAnon', anon.map((p) => p.y));
    ctx.metric('soak.requests', requests);
    ctx.metric('soak.errors', errors);
    ctx.metric('soak.badVectors', bad);
    ctx.metric('soak.samples', heap.length);
    const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
    // No requests-per-second figure: soak overlaps other runs (runner lanes), so a rate would measure its neighbours.
    ctx.note(`${requests} requests after ${warmup} warm-up, ${heap.length} samples: host heap slope ${hostFit ? `${kb(hostFit.slope)}/request (r2 ${hostFit.r2.toFixed(2)})` : 'n/a'}, ` +
      `embedder RssAnon slope ${embFit ? `${kb(embFit.slope)}/request (r2 ${embFit.r2.toFixed(2)})` : pid === undefined ? 'n/a (no embedder process)' : 'n/a'}; ${errors} errors.`);
    if (errors) ctx.error('SOAK_ERRORS', `${errors} of ${requests} requests failed`);
    await host.close();
  },
});
