/**
 * concurrent-embeds (seed 003: a segfault when several files were indexed at once): bursts of 1, 2, 4, 8, 16 and
 * 32 embed requests sent at once, each for a different text. Every answer is compared bit-for-bit with the serial
 * vector of its own text, so a vector delivered to the wrong request counts as a mismatch, as does one changed by
 * a race. Serial vectors are checked against the oracle. Crashes are counted from the embedder's lifecycle events,
 * "not ready" refusals from the error codes. One concurrent pair of 10-text batches checks batch == serial too.
 */
import { setMaxListeners } from 'node:events';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { LifecycleEvent } from '../harness/adapters/types.ts';
import { GauntletError } from '../harness/util/errors.ts';
import { distinctTexts, identicalPairs } from './support/concurrent-embeds-texts.ts';
import { allFinite, cosine, embedRequired, identical, oracleVectors, outcome, recordLatency } from './support/measure.ts';

/** An answer that says the model is not (or no longer) loaded. */
function isNotReady(e: unknown): boolean {
  if (!(e instanceof GauntletError)) return false;
  const code = e.details.embedderCode ?? e.details.code;
  return code === 'not-initialized' || /not[ -]ready|not[ -]initiali[sz]ed|not started/i.test(e.message);
}

export default defineScenario({
  id: 'concurrent-embeds',
  title: 'Concurrent embeds: 1..32 at once, no crash, every result to its own request, equal to serial',
  claims: ['concurrent-embeds-no-crash', 'concurrent-embeds-all-complete', 'concurrent-equals-serial', 'model-stays-ready', 'concurrent-burst-under-10s', 'thesis-concurrent-calls-segfault', 'embeddings-match-reference'],
  quick: { levels: [1, 2, 4, 8, 16, 32], rounds: 1, callTimeoutMs: 10_000 },
  full: { levels: [1, 2, 4, 8, 16, 32], rounds: 5, callTimeoutMs: 30_000 },
  timeoutMs: { quick: 90_000, full: 300_000 },
  async run(ctx) {
    const levels = ctx.sizes.levels as number[];
    setMaxListeners(Math.max(...levels) * 2 + 20, ctx.signal); // one abort listener per request in flight
    const host = await ctx.startHost();
    const crashes: LifecycleEvent[] = [];
    host.on('lifecycle', (e) => { if (e.type === 'crash' || e.type === 'give-up') crashes.push(e); });

    const texts = distinctTexts(ctx.rng, Math.max(...levels) + 8);
    const serial: Float32Array[] = [];
    for (const t of texts) serial.push(await embedRequired(host, t, { signal: ctx.signal }));
    const dup = identicalPairs(serial);
    if (dup.length) ctx.note(`${dup.length} pair(s) of distinct texts gave identical vectors (e.g. #${dup[0]![0]} and #${dup[0]![1]}): a swap between them would go unseen`);
    const reference = await oracleVectors(ctx, texts);
    let minCos = 1;
    let badSerial = 0;
    serial.forEach((v, i) => {
      if (v.length === 0 || !allFinite(v)) badSerial++;
      if (reference) minCos = Math.min(minCos, cosine(v, reference[i]!));
    });
    if (reference && minCos < 0.9999) ctx.error('VECTOR_MISMATCH', `serial vectors differ from the reference forward pass (min cosine ${minCos.toFixed(6)})`);
    const crashesBefore = crashes.length;

    let sent = 0, completed = 0, mismatches = 0, notReady = 0, maxInFlight = 0, untyped = 0;
    const walls: number[] = [];
    const failures = new Map<string, number>();
    const opts = { timeoutMs: ctx.sizes.callTimeoutMs, signal: ctx.signal };
    for (let round = 0; round < ctx.sizes.rounds; round++) {
      for (const level of levels) {
        // A different window of texts each time, so that neighbours in one burst differ from the last burst's.
        const idx = Array.from({ length: level }, (_, k) => (round * 7 + level + k) % texts.length);
        const t0 = performance.now();
        const results = await Promise.allSettled(idx.map((i) => host.embed(texts[i]!, opts)));
        walls.push(performance.now() - t0);
        sent += level;
        maxInFlight = Math.max(maxInFlight, level);
        let wrong = 0;
        results.forEach((r, k) => {
          if (r.status === 'fulfilled') {
            completed++;
            if (!identical(r.value, serial[idx[k]!]!)) wrong++;
            return;
          }
          const e = r.reason as Error;
          const code = e instanceof GauntletError ? e.code : 'UNTYPED';
          failures.set(code, (failures.get(code) ?? 0) + 1);
          if (!(e instanceof GauntletError) || code === 'GAUNTLET_INTERNAL') untyped++;
          if (isNotReady(e)) notReady++;
        });
        mismatches += wrong;
        if (wrong) ctx.error('VECTOR_MISMATCH', `burst of ${level} (round ${round + 1}): ${wrong} answer(s) differ from the serial vector of their own text`);
        if (!host.alive) throw new Error(`the host died during a burst of ${level}`);
      }
    }

    // Two 10-text batches at once: each vector must equal the serial one of its text.
    const b1 = Array.from({ length: 10 }, (_, k) => k);
    const b2 = Array.from({ length: 10 }, (_, k) => 10 + k);
    const batches = await Promise.all([b1, b2].map((ix) => outcome(host.embedBatch(ix.map((i) => texts[i]!), opts))));
    let batchWrong = 0;
    batches.forEach((r, j) => {
      const ix = j === 0 ? b1 : b2;
      sent += 10;
      if (!r.ok) { failures.set(r.code, (failures.get(r.code) ?? 0) + 10); return; }
      const vs = r.value as Float32Array[];
      completed += vs.length;
      ix.forEach((i, k) => { if (!vs[k] || !identical(vs[k]!, serial[i]!)) batchWrong++; });
    });
    mismatches += batchWrong;
    if (batchWrong) ctx.error('VECTOR_MISMATCH', `concurrent batches: ${batchWrong} vector(s) differ from the serial vector of their text`);

    const burstCrashes = crashes.slice(crashesBefore).filter((e) => e.type === 'crash');
    const gaveUp = crashes.some((e) => e.type === 'give-up');
    if (burstCrashes.length) {
      const first = burstCrashes[0]!;
      ctx.error('EMBEDDER_CRASHED', `the embedder died ${burstCrashes.length} time(s) under concurrent requests (first: ${String(first.reason ?? '')} ${String(first.signal ?? first.exitCode ?? '')})${gaveUp ? '; the supervisor gave up' : ''}`, {
        signal: typeof first.signal === 'string' ? first.signal : null,
        stderrTail: typeof first.stderrTail === 'string' ? first.stderrTail.slice(-2000) : undefined,
      });
    }
    if (failures.size) ctx.error('REQUEST_FAILED', `${sent - completed} of ${sent} concurrent requests failed: ${[...failures].map(([c, n]) => `${c} x${n}`).join(', ')}`);
    if (untyped) ctx.error('UNTYPED_ERROR', `${untyped} concurrent request(s) failed without a stable error code`);

    ctx.metric('concurrent.embedderCrashes', burstCrashes.length);
    ctx.metric('concurrent.completedRatio', sent ? completed / sent : null);
    ctx.metric('concurrent.mismatches', mismatches);
    ctx.metric('concurrent.notReadyErrors', notReady);
    ctx.metric('concurrent.maxInFlight', maxInFlight);
    ctx.metric('concurrent.requests', sent);
    ctx.metric('concurrent.badSerialVectors', badSerial);
    recordLatency(ctx, 'concurrent.wallMs', 'concurrentWall', walls);
    ctx.metric('correctness.minCosine', reference ? minCos : null);
    ctx.metric('correctness.minCosine.min', reference ? minCos : null);
    ctx.note(`bursts of ${levels.join(', ')} requests, ${ctx.sizes.rounds} round(s); concurrent.maxInFlight is the largest burst sent at once by the orchestrator (the adapter may queue them: lanes=${ctx.adapter.lanes}).`);
  },
});
