/**
 * cold-start: spawn -> first good embedding, model load time, memory after load; then (process adapters) the time
 * from a SIGKILL of the embedder to the next good embedding.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { cosine, identical, nextGoodEmbedding, oracleVectors, recordLatency, recordMax } from './support/measure.ts';
import { epochNow, recordPhases, recordSpareMemory, RestartWatch, type RestartPhaseRecord } from './support/restart-phases.ts';

export default defineScenario({
  id: 'cold-start',
  title: 'Cold start and restart after SIGKILL',
  claims: ['embedder-starts', 'cold-start-under-5s', 'model-load-under-5s', 'host-rss-under-100mb', 'host-heap-load-under-10mb', 'embedder-working-set-under-50mb', 'host-never-crashes'],
  quick: { trials: 2 },
  full: { trials: 5 },
  timeoutMs: { quick: 90_000, full: 240_000 },
  async run(ctx) {
    const text = 'local embedding cold start';
    const [reference] = (await oracleVectors(ctx, [text])) ?? [undefined];
    const ready: number[] = [];
    const load: number[] = [];
    const restart: number[] = [];
    const hostRss: number[] = [];
    const embedderAnon: number[] = [];
    const heapDelta: number[] = [];
    const externalDelta: number[] = [];
    const phases: RestartPhaseRecord[] = [];
    let mismatches = 0;
    let startFailures = 0;
    for (let trial = 0; trial < ctx.sizes.trials; trial++) {
      const host = await ctx.startHost({ deferStart: true });
      const watch = new RestartWatch(ctx, host);
      const before = await ctx.sampleHost(host, { gc: true });
      const t0 = performance.now();
      try {
        await host.start({ signal: ctx.signal });
      } catch (e) {
        // A start that fails (the supervisor gave up, the model was refused, the embedder aborted while loading)
        // is what this scenario measures, not a harness error: record it with its code and go on.
        if (ctx.signal.aborted) throw e;
        startFailures++;
        const err = e as { code?: string; message?: string };
        ctx.error(err.code ?? 'START_FAILED', `trial ${trial + 1}: the adapter did not start: ${err.message ?? String(e)}`);
        await host.close();
        continue;
      }
      const loaded = performance.now();
      const first = await host.embed(text, { signal: ctx.signal });
      ready.push(performance.now() - t0);
      load.push(loaded - t0);
      if (reference && cosine(first, reference) < 0.9999) {
        mismatches++;
        ctx.error('VECTOR_MISMATCH', `first embedding after start: cosine ${cosine(first, reference).toFixed(6)} to the reference`);
      }
      const after = await ctx.sampleHost(host, { gc: true });
      hostRss.push(after.rss);
      heapDelta.push(after.heapUsed - before.heapUsed);
      externalDelta.push(after.external - before.external);
      const pid = await host.embedderPid({ signal: ctx.signal });
      if (pid !== undefined) {
        const m = ctx.sampleEmbedder(pid);
        if (m) embedderAnon.push(m.rssAnon);
        if (ctx.adapter.config.kind === 'process') {
          // With standby, the kill waits for warm spares (what a standby promises).
          if (!(await watch.standbyWarm())) ctx.note(`trial ${trial + 1}: the standby spare(s) were not warm within 20 s`);
          if (trial === 0) recordSpareMemory(ctx, watch.spares);
          const killedEpoch = epochNow();
          const kill = await ctx.faults.kill(pid, 'SIGKILL');
          if (kill.tookEffect) {
            const t1 = performance.now();
            const next = await nextGoodEmbedding(host, text, 15_000, ctx.signal);
            if (next) {
              restart.push(performance.now() - t1);
              const rec = watch.record(killedEpoch, epochNow());
              if (rec) phases.push(rec);
              if (!identical(next.vector, first)) {
                mismatches++;
                ctx.error('VECTOR_MISMATCH', 'embedding after restart differs from the one before the kill');
              }
            } else {
              ctx.error('NO_RECOVERY', `no good embedding within 15 s of SIGKILL of embedder pid ${pid}`);
            }
          }
        }
      }
      await host.close();
    }
    recordLatency(ctx, 'coldStart.readyMs', 'coldStart', ready);
    recordLatency(ctx, 'coldStart.loadMs', 'coldStartLoad', load);
    if (ctx.adapter.config.kind === 'process') {
      recordLatency(ctx, 'restart.recoveryMs', 'restart', restart, ctx.sizes.trials - restart.length);
      recordPhases(ctx, phases);
    }
    recordMax(ctx, 'host.rss', hostRss);
    recordMax(ctx, 'host.heapUsed.loadDelta', heapDelta);
    recordMax(ctx, 'host.external.loadDelta', externalDelta);
    recordMax(ctx, 'embedder.rssAnon', embedderAnon);
    ctx.metric('coldStart.vectorMismatches', mismatches);
    ctx.metric('coldStart.startFailures', startFailures);
    ctx.note('coldStart.readyMs runs from the adapter start command (spawn + load) to the first embedding, as the orchestrator sees it.');
  },
});
