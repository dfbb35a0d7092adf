/**
 * hang: the embedder is stopped (SIGSTOP) with a request in flight. The request's deadline must fire with a typed
 * timeout; the supervisor must notice the hang (its ping after a missed deadline, or its periodic health ping),
 * kill the stopped process and serve again from a fresh one. Measured: time to the deadline error, time to the
 * next good embedding, and whether a run of requests after the recovery all succeed with the same vector.
 *
 * "In flight" is certain rather than lucky: the embedder is stopped first, then the request is sent.
 * Quick runs use a short deadline passed per call; full runs use the adapter's own request deadline.
 * Before each stop, a steady run of requests must all be answered: an embedder that hangs on its own (the
 * reference's hang-after switch) fails there, and again after the recovery.
 *
 * http adapters that start their server (`command`) are supervised like process adapters (a missed deadline makes
 * the adapter GET /health; no answer: SIGKILL and restart). An external http server (baseUrl only): the deadline is
 * measured; nothing supervises it, so after the deadline the harness resumes it (SIGCONT) and recovery is not
 * credited (hang.recoveredRatio stays null). Not applicable to in-process: stopping the model's thread stops the
 * host itself.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { LifecycleEvent } from '../harness/adapters/types.ts';
import type { HostHandle } from '../harness/host/types.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { pidAlive, waitForPidGone } from '../harness/faults/proc.ts';
import { identical, nextGoodEmbedding, outcome, recordLatency } from './support/measure.ts';
import { supervised as isSupervised } from './support/supervised.ts';

type Sizes = { trials: number; deadlineMs: number; steps: number; stepTimeoutMs: number; recoveryWindowMs: number };

/** `n` embeds one after another; stops at the first failure or wrong vector. Returns how many were good. */
async function steadyRun(ctx: ScenarioContext<Sizes>, host: HostHandle, text: string, expected: Float32Array, n: number, label: string): Promise<number> {
  for (let i = 0; i < n; i++) {
    const r = await outcome(host.embed(text, { timeoutMs: ctx.sizes.stepTimeoutMs, signal: ctx.signal }));
    if (ctx.signal.aborted) throw new Error('scenario aborted');
    if (!r.ok) {
      ctx.error(r.code === 'GAUNTLET_TIMEOUT' ? 'UNEXPECTED_HANG' : 'REQUEST_FAILED', `${label}: request ${i + 1} of ${n} failed while nothing was stopped: ${r.code}: ${r.message}`);
      return i;
    }
    if (!identical(r.value as Float32Array, expected)) {
      ctx.error('VECTOR_MISMATCH', `${label}: request ${i + 1} of ${n} returned a different vector`);
      return i;
    }
  }
  return n;
}

export default defineScenario({
  id: 'hang',
  title: 'Embedder stopped (SIGSTOP) mid-request: deadline, detection, recovery',
  claims: ['hang-deadline-30s', 'hang-recovers', 'host-never-crashes'],
  appliesTo: (a) => (a.config.kind === 'in-process'
    ? 'the in-process adapter runs the model on the host\'s own thread: there is no embedder process to stop apart from the host'
    : true),
  // Its one timed claim is hang.detectMs <= 31 s (a ~3 s detection here): a neighbouring run adds milliseconds, not
  // seconds, so it may run beside another overlap run (runner lanes); the rest are counts and ratios.
  overlap: true,
  quick: { trials: 1, deadlineMs: 1000, steps: 12, stepTimeoutMs: 3000, recoveryWindowMs: 10_000 },
  full: { trials: 3, deadlineMs: 0, steps: 30, stepTimeoutMs: 5000, recoveryWindowMs: 20_000 },
  timeoutMs: { quick: 60_000, full: 300_000 },
  async run(ctx) {
    const supervised = isSupervised(ctx.adapter);
    const deadline = ctx.sizes.deadlineMs > 0 ? ctx.sizes.deadlineMs : ctx.adapter.requestTimeoutMs;
    const text = 'hang detection vector check';
    const host = await ctx.startHost();
    const events: LifecycleEvent[] = [];
    host.on('lifecycle', (e) => events.push(e));
    const first = await host.embed(text, { signal: ctx.signal });

    const detect: number[] = [];
    const recovery: number[] = [];
    const overshoot: number[] = [];
    let recovered = 0, untyped = 0, answeredWhileStopped = 0, noticed = 0, leftStopped = 0;
    for (let trial = 1; trial <= ctx.sizes.trials; trial++) {
      const label = `trial ${trial}`;
      await steadyRun(ctx, host, text, first, ctx.sizes.steps, `${label} before the stop`);
      const pid = await host.embedderPid({ signal: ctx.signal });
      if (pid === undefined) { ctx.error('NO_EMBEDDER', `${label}: the host reports no embedder pid`); continue; }
      const paused = await ctx.faults.pause(pid);
      if (!paused.tookEffect) { ctx.error('FAULT_NO_EFFECT', `${label}: SIGSTOP did not stop pid ${pid}`); continue; }
      const sentAt = performance.now();
      const mark = events.length;
      const r = await outcome(host.embed(`${text} in flight ${trial}`, { timeoutMs: deadline, signal: ctx.signal }));
      if (r.ok) {
        answeredWhileStopped++;
        ctx.error('ANSWERED_WHILE_STOPPED', `${label}: a request was answered while embedder pid ${pid} was stopped`);
      } else {
        detect.push(r.ms);
        overshoot.push(r.ms - deadline);
        if (r.code !== 'GAUNTLET_TIMEOUT') {
          untyped++;
          ctx.error('UNTYPED_ERROR', `${label}: the request to the stopped embedder failed with ${r.code} instead of GAUNTLET_TIMEOUT: ${r.message}`);
        }
      }
      if (!supervised) await ctx.faults.resume(pid);
      const next = await nextGoodEmbedding(host, text, ctx.sizes.recoveryWindowMs, ctx.signal);
      if (!host.alive) throw new Error(`${label}: the host died`);
      const seen = events.slice(mark);
      if (supervised && seen.some((e) => e.type === 'hang-detected' || (e.type === 'crash' && e.pid === pid))) noticed++;
      if (!next) {
        ctx.error('NO_RECOVERY', `${label}: no good embedding within ${ctx.sizes.recoveryWindowMs} ms after the deadline (events: ${seen.map((e) => e.type).join(', ') || 'none'})`);
      } else {
        recovery.push(performance.now() - sentAt);
        const good = identical(next.vector, first) && (await steadyRun(ctx, host, text, first, ctx.sizes.steps, `${label} after the recovery`)) === ctx.sizes.steps;
        if (!identical(next.vector, first)) ctx.error('VECTOR_MISMATCH', `${label}: the first embedding after the recovery differs from the one before`);
        if (good) recovered++;
      }
      // Cleanup: a supervised embedder was SIGKILLed by the supervisor; anything still stopped is resumed and killed.
      if (supervised && !(await waitForPidGone(pid, 2000))) {
        leftStopped++;
        ctx.error('HANG_NOT_CLEANED', `${label}: the stopped embedder pid ${pid} was still alive 2 s after the recovery; resumed and killed`);
        await ctx.faults.resume(pid);
        if (pidAlive(pid)) await ctx.faults.kill(pid, 'SIGKILL');
      }
    }
    recordLatency(ctx, 'hang.detectMs', 'hangDetect', detect);
    recordLatency(ctx, 'hang.recoveryMs', 'hangRecovery', recovery, ctx.sizes.trials - recovery.length);
    ctx.metric('hang.deadlineMs', deadline);
    ctx.metric('hang.deadlineOvershootMs.max', overshoot.length ? Math.max(...overshoot) : null);
    ctx.metric('hang.recoveredRatio', supervised ? recovered / ctx.sizes.trials : null);
    ctx.metric('hang.recoveredAfterSigcont', supervised ? null : recovered / ctx.sizes.trials);
    ctx.metric('hang.noticedBySupervisor', supervised ? noticed : null);
    ctx.metric('hang.untypedErrors', untyped);
    ctx.metric('hang.answeredWhileStopped', answeredWhileStopped);
    ctx.metric('hang.leftStopped', leftStopped);
    ctx.note(`request deadline ${deadline} ms (${ctx.sizes.deadlineMs > 0 ? 'set per call by the scenario' : 'the adapter\'s requestTimeoutMs'}); hang.recoveryMs runs from sending the request to the stopped embedder to the next good embedding.`);
    if (!supervised) ctx.note('external http server: nothing supervises it, so the harness resumed it (SIGCONT) after the deadline; hang.recoveredRatio is not credited (null), see hang.recoveredAfterSigcont.');
  },
});
