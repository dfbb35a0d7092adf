/**
 * restart-storm: the embedder is SIGKILLed again and again while a client keeps sending requests. Measured: the
 * share of requests answered correctly (availability), the share of time the embedder was ready, the time from
 * each kill to the next good answer, and whether answers after restarts equal the ones before. Kills per host stay
 * under the supervisor's restart limit, so longer storms use several hosts. What happens beyond that limit (a
 * permanently broken embedder, the breaker, the backoff) is restart-limit's, a scenario of its own: it is mostly
 * waiting and may overlap with other runs, while this one's timings keep the machine to themselves.
 *
 * Applies to process adapters and to http adapters that start their server (`command`: the http adapter supervises
 * it with the same restart policy); not to an external http server (not ours to kill) or in-process (nothing to
 * kill but the host).
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { LifecycleEvent } from '../harness/adapters/types.ts';
import { sleep } from '../harness/util/deadline.ts';
import { identical, outcome, recordLatency } from './support/measure.ts';
import { restartPolicyOf, supervised } from './support/supervised.ts';
import { recordPhases, recordSpareMemory, RestartWatch, standbyOf, type RestartPhaseRecord } from './support/restart-phases.ts';

const standbyNote = (ctx: Parameters<typeof standbyOf>[0]): string =>
  (standbyOf(ctx) > 0 ? ` (and once the ${standbyOf(ctx)} standby spare(s) were warm)` : '');

export default defineScenario({
  id: 'restart-storm',
  title: 'Restart storm: repeated SIGKILLs under load',
  claims: ['availability-over-99pct', 'restart-under-5s', 'restart-under-3s', 'restart-same-vectors', 'host-never-crashes'],
  appliesTo: (a) => (supervised(a) ? true
    : a.config.kind === 'http' ? 'an external http server (baseUrl, no command) is not the harness\'s to kill and restart'
      : 'the in-process adapter has no embedder process to kill apart from the host'),
  // minRequests: the storm's client keeps sending after the last kill until this many requests were counted
  // (within minRequestsWithinMs), so that availability is a share of enough requests to tell 99% apart.
  quick: { kills: 2, intervalMs: 200, recoverWithinMs: 15_000, minRequests: 300, minRequestsWithinMs: 10_000 },
  full: { kills: 20, intervalMs: 1000, recoverWithinMs: 15_000, minRequests: 1000, minRequestsWithinMs: 20_000 },
  timeoutMs: { quick: 90_000, full: 400_000 },
  async run(ctx) {
    const policy = restartPolicyOf(ctx.adapter);
    const killsPerHost = Math.max(1, policy.maxRestarts - 1);
    const text = 'restart storm vector check';
    let before: Float32Array | undefined;
    let total = 0, good = 0, mismatches = 0, kills = 0, recovered = 0, downMs = 0, stormMs = 0;
    const recovery: number[] = [];
    const phases: RestartPhaseRecord[] = [];
    let spareSampled = false;
    const failures = new Map<string, number>();

    for (let left = ctx.sizes.kills; left > 0; left -= killsPerHost) {
      const host = await ctx.startHost();
      const events: LifecycleEvent[] = [];
      host.on('lifecycle', (e) => events.push(e));
      const watch = new RestartWatch(ctx, host);
      const first = await host.embed(text, { signal: ctx.signal });
      before ??= first;
      if (!identical(first, before)) { mismatches++; ctx.error('VECTOR_MISMATCH', 'a fresh embedder gave a different vector than the first one'); }
      const stormStart = Date.now();
      // The client: requests back to back until told to stop.
      let stop = false;
      // Recovery counts only answers to requests sent after the kill (an answer already on its way does not).
      let lastGoodAt = 0;
      let lastGoodSentAt = 0;
      const client = (async () => {
        while (!stop && !ctx.signal.aborted) {
          const sentAt = performance.now();
          const r = await outcome(host.embed(text, { timeoutMs: 5000, signal: ctx.signal }));
          total++;
          if (r.ok && identical(r.value as Float32Array, before!)) { good++; lastGoodSentAt = sentAt; lastGoodAt = performance.now(); }
          else if (r.ok) mismatches++;
          else { failures.set(r.code, (failures.get(r.code) ?? 0) + 1); await sleep(5); }
        }
      })();
      for (let k = 0; k < Math.min(killsPerHost, left); k++) {
        await sleep(ctx.sizes.intervalMs, ctx.signal);
        // With standby, each kill waits for warm spares (a kill before that is a double fault, not the storm's case).
        if (!(await watch.standbyWarm())) ctx.note('the standby spare(s) were not warm within 20 s of the previous restart');
        if (!spareSampled && watch.spares.length > 0) {
          spareSampled = true;
          recordSpareMemory(ctx, watch.spares);
        }
        const pid = await host.embedderPid({ signal: ctx.signal });
        if (pid === undefined) { ctx.error('NO_EMBEDDER', 'the host reports no embedder pid'); break; }
        const killedAt = performance.now();
        const rec = await ctx.faults.kill(pid, 'SIGKILL');
        if (!rec.tookEffect) { ctx.error('FAULT_NO_EFFECT', `SIGKILL of pid ${pid} did not take effect`); continue; }
        kills++;
        const end = killedAt + ctx.sizes.recoverWithinMs;
        while (lastGoodSentAt < killedAt && performance.now() < end && !ctx.signal.aborted) await sleep(5);
        if (lastGoodSentAt >= killedAt) {
          recovered++;
          recovery.push(lastGoodAt - killedAt);
          const rec = watch.record(performance.timeOrigin + killedAt, performance.timeOrigin + lastGoodAt);
          if (rec) phases.push(rec);
        }
        else ctx.error('NO_RECOVERY', `no good answer within ${ctx.sizes.recoverWithinMs} ms of killing pid ${pid}`);
      }
      if (left <= killsPerHost) {
        const until = performance.now() + ctx.sizes.minRequestsWithinMs;
        while (total < ctx.sizes.minRequests && performance.now() < until && !ctx.signal.aborted && host.alive) await sleep(5);
      }
      stop = true;
      await client;
      if (!host.alive) throw new Error('the host died during the storm');
      stormMs += Date.now() - stormStart;
      // Downtime: each crash until the next ready, from the supervisor's own events.
      let downSince: number | undefined;
      for (const e of events) {
        if (e.type === 'crash' && downSince === undefined) downSince = e.at;
        if (e.type === 'ready' && downSince !== undefined) { downMs += e.at - downSince; downSince = undefined; }
      }
      if (events.some((e) => e.type === 'give-up')) ctx.error('GAVE_UP', `the supervisor gave up during a storm of ${killsPerHost} kills (policy: ${policy.maxRestarts} restarts in ${policy.windowMs} ms)`);
      await host.close();
    }
    if (failures.size) ctx.note(`requests that failed during the storm: ${[...failures].map(([c, n]) => `${c} x${n}`).join(', ')} (the request in flight at a kill fails unless retryOnceAfterRestart is set)`);
    if (mismatches) ctx.error('VECTOR_MISMATCH', `${mismatches} answer(s) during the storm differ from the vector before the first kill`);

    ctx.metric('restartStorm.availability', total ? good / total : null);
    ctx.metric('restartStorm.requests', total);
    ctx.metric('restartStorm.kills', kills);
    ctx.metric('restartStorm.recoveredRatio', kills ? recovered / kills : null);
    ctx.metric('restartStorm.readyTimeRatio', stormMs > 0 ? Math.max(0, 1 - downMs / stormMs) : null);
    ctx.metric('forcedKill.vectorMismatches', mismatches);
    recordLatency(ctx, 'restart.recoveryMs', 'recovery', recovery, kills - recovered);
    recordPhases(ctx, phases);

    ctx.note(`storm: ${kills} SIGKILLs, one every ${ctx.sizes.intervalMs} ms after recovery${standbyNote(ctx)}, at most ${killsPerHost} per host (restart limit ${policy.maxRestarts} in ${policy.windowMs} ms); availability counts requests answered with the right vector, over ${total} requests (the client goes on after the last kill until ${ctx.sizes.minRequests}).`);
  },
});
