/**
 * forced-kill: the embedder is killed (SIGKILL, SIGTERM, SIGSEGV), idle and with a request in flight. The host must
 * survive, the in-flight request must fail with a typed error (or be answered), the next embedding must succeed
 * without user action and equal the vector from before the kill.
 *
 * "Mid-request" is made certain rather than lucky: the embedder is paused (SIGSTOP), a request is sent, the signal
 * is sent, then SIGCONT lets it take effect, so the request is always in flight when the process dies.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { restartPolicyOf, supervised } from './support/supervised.ts';
import { sleep } from '../harness/util/deadline.ts';
import { cosine, identical, nextGoodEmbedding, oracleVectors, outcome, recordLatency, type CallOutcome } from './support/measure.ts';
import { epochNow, recordPhases, recordSpareMemory, RestartWatch, type RestartPhaseRecord } from './support/restart-phases.ts';

type Mode = 'idle' | 'mid-request';

export default defineScenario({
  id: 'forced-kill',
  title: 'Embedder killed by a signal, idle and mid-request',
  claims: ['embedder-exits-on-sigterm', 'host-never-crashes', 'recovers-after-kill', 'restart-under-5s', 'restart-under-3s', 'restart-same-vectors', 'embeddings-match-reference'],
  appliesTo: (a) => (supervised(a) ? true
    : a.config.kind === 'http' ? 'an external http server (baseUrl, no command) is not the harness\'s to kill and restart'
      : `the ${a.config.kind} adapter has no separate embedder process under a supervisor to kill and restart`),
  quick: { signals: ['SIGKILL', 'SIGTERM', 'SIGSEGV'], modes: ['idle', 'mid-request'], trials: 1, extraKills: 2 },
  full: { signals: ['SIGKILL', 'SIGTERM', 'SIGSEGV'], modes: ['idle', 'mid-request'], trials: 3, extraKills: 2 },
  timeoutMs: { quick: 180_000, full: 600_000 },
  async run(ctx) {
    const text = 'forced kill vector check';
    const inflightText = 'request in flight when the embedder dies';
    const [reference] = (await oracleVectors(ctx, [text])) ?? [undefined];
    let before: Float32Array | undefined;
    let minCos = 1;

    const recovery: number[] = [];
    const phases: RestartPhaseRecord[] = [];
    let spareSampled = false;
    let kills = 0, recovered = 0, mismatches = 0, untyped = 0, inflightFailed = 0, inflightAnswered = 0, noEffect = 0, sigtermIgnored = 0;
    const extraKills = Math.max(0, Math.min(ctx.sizes.extraKills, restartPolicyOf(ctx.adapter).maxRestarts - 1 - ctx.sizes.modes.length));
    // One host per signal and trial: a few kills each, so that the supervisor's restart limit (meant for
    // restart storms) is not what this scenario measures.
    for (let trial = 0; trial < ctx.sizes.trials; trial++) {
      for (const signal of ctx.sizes.signals as NodeJS.Signals[]) {
        const host = await ctx.startHost();
        const watch = new RestartWatch(ctx, host);
        const gaveUp = new AbortController();
        host.on('lifecycle', (e) => { if (e.type === 'give-up') gaveUp.abort(new Error(`supervisor gave up: ${String(e.message ?? '')}`)); });
        const waitSignal = AbortSignal.any([ctx.signal, gaveUp.signal]);
        const first = await host.embed(text, { signal: ctx.signal });
        before ??= first;
        if (!identical(first, before)) {
          mismatches++;
          ctx.error('VECTOR_MISMATCH', `a fresh embedder (${signal} trial ${trial + 1}) gave a different vector than the first one`);
        }
        if (reference) minCos = Math.min(minCos, cosine(first, reference));
        // The planned signal in each mode, then `extraKills` idle SIGKILLs on the same host: more samples for the
        // interval of restart.recoveryMs at the cost of a restart each (~0.3 s), not of a host start. A restart after
        // a healthy embedder waits no backoff; the kills per host stay below the restart breaker's limit.
        const plan: Array<[NodeJS.Signals, Mode, string]> = [
          ...(ctx.sizes.modes as Mode[]).map((m): [NodeJS.Signals, Mode, string] => [signal, m, '']),
          ...Array.from({ length: extraKills }, (_, k): [NodeJS.Signals, Mode, string] => ['SIGKILL', 'idle', ` extra ${k + 1}`]),
        ];
        for (const [killSignal, mode, extra] of plan) {
          const label = `${killSignal} ${mode} #${trial + 1}${extra}`;
          // With standby, a kill is made once the spares are warm (a kill before that is a double fault).
          if (!(await watch.standbyWarm())) ctx.note(`${label}: the standby spare(s) were not warm within 20 s of the previous restart`);
          if (!spareSampled && watch.spares.length > 0) {
            spareSampled = true;
            recordSpareMemory(ctx, watch.spares);
          }
          const pid = await host.embedderPid({ signal: ctx.signal });
          if (pid === undefined) {
            ctx.error('NO_EMBEDDER', `${label}: the host reports no embedder pid`);
            continue;
          }
          let inflight: Promise<CallOutcome> | undefined;
          let killedAt: number;
          let killedEpoch: number;
          let tookEffect: boolean;
          if (mode === 'idle') {
            killedAt = performance.now();
            killedEpoch = epochNow();
            tookEffect = (await ctx.faults.kill(pid, killSignal, { waitMs: 5000 })).tookEffect;
          } else {
            await ctx.faults.pause(pid);
            inflight = outcome(host.embed(inflightText, { timeoutMs: 10_000, signal: ctx.signal }));
            await sleep(30, ctx.signal); // the request reaches the (stopped) embedder's socket / pipe
            killedAt = performance.now();
            killedEpoch = epochNow();
            const killing = ctx.faults.kill(pid, killSignal, { waitMs: 5000 }); // the signal is sent synchronously
            await ctx.faults.resume(pid); // a stopped process acts on SIGTERM/SIGSEGV only once continued
            tookEffect = (await killing).tookEffect;
          }
          kills++;
          if (!tookEffect) {
            noEffect++;
            if (killSignal === 'SIGTERM') sigtermIgnored++;
            ctx.note(`${label}: the embedder did not exit within 5 s of the signal`);
          }
          if (inflight) {
            const r = await inflight;
            if (r.ok) inflightAnswered++;
            else {
              inflightFailed++;
              if (!r.typed) {
                untyped++;
                ctx.error('UNTYPED_ERROR', `${label}: the in-flight request failed without a stable error code: ${r.message}`);
              }
            }
          }
          const next = await nextGoodEmbedding(host, text, 15_000, waitSignal);
          if (!host.alive) throw new Error(`${label}: the host died`); // the runner records how
          if (!next) {
            ctx.error('NO_RECOVERY', `${label}: no good embedding within 15 s${gaveUp.signal.aborted ? ` (${(gaveUp.signal.reason as Error).message})` : ''}`);
            continue;
          }
          recovered++;
          recovery.push(performance.now() - killedAt);
          const rec = watch.record(killedEpoch, epochNow());
          if (rec) phases.push(rec);
          if (!identical(next.vector, before)) {
            mismatches++;
            ctx.error('VECTOR_MISMATCH', `${label}: the embedding after the restart differs from the one before the kill`);
          }
          if (reference) minCos = Math.min(minCos, cosine(next.vector, reference));
          const newPid = await host.embedderPid({ signal: ctx.signal });
          if (tookEffect && newPid === pid) ctx.note(`${label}: embedder pid unchanged after the kill`);
        }
        await host.close();
      }
    }
    recordLatency(ctx, 'restart.recoveryMs', 'recovery', recovery, kills - recovered);
    recordPhases(ctx, phases);
    ctx.metric('forcedKill.kills', kills);
    ctx.metric('forcedKill.recoveredRatio', kills ? recovered / kills : null);
    ctx.metric('forcedKill.vectorMismatches', mismatches);
    ctx.metric('forcedKill.inFlightFailed', inflightFailed);
    ctx.metric('forcedKill.inFlightAnswered', inflightAnswered);
    ctx.metric('forcedKill.untypedErrors', untyped);
    ctx.metric('forcedKill.signalsWithoutEffect', noEffect);
    ctx.metric('forcedKill.sigtermIgnored', sigtermIgnored);
    ctx.metric('correctness.minCosine.min', reference ? minCos : null);
    ctx.metric('correctness.minCosine', reference ? minCos : null);
  },
});
