/**
 * parent-exit: the host is SIGKILLed (no cleanup code runs) while its embedder is idle, and while it is busy with
 * queued batches. The embedder must notice and exit by itself within `limitMs` (1 s): it is watched in /proc
 * (a zombie counts as gone). One still alive at the limit is an orphan; the scenario then waits a little longer to
 * report how long it took, and SIGKILLs anything still there. The host's own orphan reaper is held off
 * (orphanGraceMs) until the observation is over, so it cannot hide an orphan.
 *
 * The embedder is its whole process tree: every process it started (a worker in a session of its own, a
 * double-forked helper; found by /proc descent and the run tag just before the kill) must be gone within the same
 * limit, and each one still alive counts as an orphan.
 *
 * Applies to process adapters and to http adapters with a server the harness started (its pid is watched).
 * Not applicable to in-process: the model lives inside the host, so there is no second process to orphan.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { pidAlive, procParent } from '../harness/faults/proc.ts';
import { sleep } from '../harness/util/deadline.ts';
import { recordLatency } from './support/measure.ts';

type Mode = 'idle' | 'busy';

/** Polls /proc until the pid is gone or `withinMs` passed; resolves with the ms it took, or null. */
async function goneWithin(pid: number, from: number, withinMs: number): Promise<number | null> {
  while (performance.now() - from < withinMs) {
    if (!pidAlive(pid)) return performance.now() - from;
    await sleep(5);
  }
  return pidAlive(pid) ? null : performance.now() - from;
}

export default defineScenario({
  id: 'parent-exit',
  title: 'Host killed (SIGKILL) while the embedder is idle or busy: the embedder exits, no orphans',
  claims: ['parent-exit-no-orphans'],
  appliesTo: (a) => (a.config.kind === 'in-process'
    ? 'the in-process adapter runs the model inside the host: when the host dies there is no separate embedder left to orphan'
    : true),
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { modes: ['idle', 'busy'], trials: 1, limitMs: 1000, observeMs: 2500 },
  full: { modes: ['idle', 'busy'], trials: 3, limitMs: 1000, observeMs: 5000 },
  timeoutMs: { quick: 60_000, full: 180_000 },
  async run(ctx) {
    const { limitMs, observeMs } = ctx.sizes;
    const long = Array.from({ length: 10 }, (_, i) => `busy embedder text ${i} ${'alpha beta gamma delta '.repeat(4)}`);
    const exits: number[] = [];
    const busyInFlight: number[] = [];
    let orphans = 0, observed = 0, hostsKilled = 0;
    for (let trial = 1; trial <= ctx.sizes.trials; trial++) {
      for (const mode of ctx.sizes.modes as Mode[]) {
        const label = `${mode} #${trial}`;
        const host = await ctx.startHost({ orphanGraceMs: observeMs + 2000 });
        await host.embed('parent exit warm-up', { signal: ctx.signal });
        const pid = await host.embedderPid({ signal: ctx.signal });
        if (pid === undefined) {
          ctx.note(`${label}: the adapter reports no embedder pid (an external server?): nothing to watch`);
          await host.close();
          continue;
        }
        if (procParent(pid) !== host.pid) ctx.note(`${label}: embedder pid ${pid} is not a direct child of host pid ${host.pid} (parent ${procParent(pid)})`);
        if (mode === 'busy') {
          // Queue more work than the embedder can finish before the kill lands.
          for (let i = 0; i < 30; i++) host.embedBatch(long, { timeoutMs: 10_000 }).catch(() => undefined);
          await sleep(40, ctx.signal);
          const stats = await host.embedderStats({ timeoutMs: 2000, signal: ctx.signal }).catch(() => undefined);
          if (stats) busyInFlight.push(stats.inFlight);
          if (stats && stats.inFlight === 0) ctx.note(`${label}: the embedder reported no request in flight just before the kill`);
        }
        // The embedder's tree as it stands just before the kill: its descendants, and what carries this scenario's
        // run tag without being a host (a worker that left the tree by setsid and a double fork).
        const tree = ctx.embedderTree(pid).filter((p) => p !== host.pid);
        const killedAt = performance.now();
        const watching = goneWithin(pid, killedAt, observeMs);
        const watchingTree = tree.map((p) => goneWithin(p, killedAt, observeMs));
        const rec = await ctx.faults.kill(host.pid, 'SIGKILL', { waitMs: 3000 });
        if (rec.tookEffect) hostsKilled++;
        else ctx.error('FAULT_NO_EFFECT', `${label}: SIGKILL of host pid ${host.pid} did not take effect`);
        const took = await watching;
        const treeTook = await Promise.all(watchingTree);
        observed++;
        if (took !== null) exits.push(took);
        if (took === null || took > limitMs) {
          orphans++;
          ctx.error('ORPHAN', `${label}: embedder pid ${pid} was still alive ${limitMs} ms after its host was SIGKILLed${took === null ? ` (and after ${observeMs} ms; SIGKILLed by the scenario)` : ` (it exited after ${Math.round(took)} ms)`}`);
          if (took === null) await ctx.faults.kill(pid, 'SIGKILL', { waitMs: 2000 });
        }
        for (const [i, p] of tree.entries()) {
          const t = treeTook[i]!;
          if (t !== null && t <= limitMs) continue;
          orphans++;
          ctx.error('ORPHAN', `${label}: pid ${p}, started by embedder pid ${pid}, was still alive ${limitMs} ms after the host was SIGKILLed${t === null ? ` (and after ${observeMs} ms; SIGKILLed by the scenario)` : ` (it exited after ${Math.round(t)} ms)`}: what an embedder starts is its own to end`);
          if (t === null) await ctx.faults.kill(p, 'SIGKILL', { waitMs: 2000 });
        }
        if (tree.length > 0) ctx.note(`${label}: embedder pid ${pid} had ${tree.length} process(es) of its own at the kill (${tree.join(', ')}), each watched like the embedder`);
      }
    }
    ctx.metric('parentExit.orphans', orphans);
    ctx.metric('parentExit.trials', observed);
    ctx.metric('parentExit.hostsKilled', hostsKilled);
    ctx.metric('parentExit.busyInFlight.min', busyInFlight.length ? Math.min(...busyInFlight) : null);
    recordLatency(ctx, 'parentExit.embedderExitMs', 'embedderExit', exits, observed - exits.length);
    ctx.note(`the embedder must be gone (or a zombie) within ${limitMs} ms of the host's SIGKILL; parentExit.embedderExitMs is measured from the kill, polling /proc every 5 ms.`);
  },
});
