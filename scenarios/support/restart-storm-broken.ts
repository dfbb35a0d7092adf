/**
 * The second half of restart-storm: an embedder that can never start (the reference's abort-on-load switch, set
 * through GAUNTLET_FAULTS in the environment the embedder inherits). The supervisor must stop after its restart
 * limit with a clear terminal error, spawn nothing more afterwards, fail later requests at once with that error,
 * and back off between attempts.
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import type { RestartPolicy } from '../../harness/supervisor/types.ts';
import { sleep } from '../../harness/util/deadline.ts';
import { outcome } from './measure.ts';

const TERMINAL = new Set(['GAUNTLET_EMBEDDER_GAVE_UP', 'GAUNTLET_MODEL_INVALID']);

export interface BrokenOutcome {
  /** 1 / 0, or null when the planted fault had no effect (the embedder started anyway). */
  endedWithClearError: number | null;
  backoffGrows: number | null;
  spawns: number;
  spawnsAfterGiveUp: number;
  giveUpMs: number | null;
  delays: number[];
}

/** Whether each restart delay is at least the previous one and the last exceeds the first. */
export function delaysGrow(delays: number[]): boolean | null {
  if (delays.length < 2) return null;
  for (let i = 1; i < delays.length; i++) if (delays[i]! < delays[i - 1]!) return false;
  return delays[delays.length - 1]! > delays[0]!;
}

/** `patienceMs`: how long the supervisor gets to reach its terminal error before this counts as a restart loop. */
export async function brokenEmbedder(ctx: ScenarioContext, policy: RestartPolicy, watchMs: number, patienceMs: number): Promise<BrokenOutcome> {
  const host = await ctx.startHost({ deferStart: true, env: { GAUNTLET_FAULTS: 'abort-on-load' } });
  const events: Array<LifecycleEvent & { seenAt: number }> = [];
  host.on('lifecycle', (e) => events.push({ ...e, seenAt: performance.now() }));
  const t0 = performance.now();
  const start = await outcome(host.start({ timeoutMs: Math.max(1000, Math.min(patienceMs, ctx.remainingMs() - 8000)), signal: ctx.signal }));
  const spawnsOf = (from = 0) => events.filter((e) => e.type === 'spawn' && e.seenAt >= from).length;
  const delays = events.filter((e) => e.type === 'restart').map((e) => Number(e.delayMs));
  const out: BrokenOutcome = { endedWithClearError: null, backoffGrows: null, spawns: 0, spawnsAfterGiveUp: 0, giveUpMs: null, delays };
  if (start.ok) {
    ctx.note('restart-storm: the abort-on-load switch (GAUNTLET_FAULTS) had no effect on this embedder, so the permanently broken case was not measured.');
    await host.close();
    return out;
  }
  if (start.code === 'GAUNTLET_TIMEOUT') {
    out.spawns = spawnsOf();
    out.endedWithClearError = 0;
    out.backoffGrows = delaysGrow(delays) === null ? null : delaysGrow(delays) ? 1 : 0;
    ctx.error('RESTART_LOOP', `no terminal error within ${Math.round(performance.now() - t0)} ms: ${out.spawns} spawns of an embedder that aborts on every load, and still restarting`);
    await host.close();
    return out;
  }
  const gaveUpAt = performance.now();
  out.giveUpMs = gaveUpAt - t0;
  await sleep(watchMs, ctx.signal);
  out.spawns = spawnsOf();
  out.spawnsAfterGiveUp = spawnsOf(gaveUpAt + 1);
  const later = await outcome(host.embed('after the supervisor gave up', { timeoutMs: 3000, signal: ctx.signal }));
  const laterFast = !later.ok && later.ms < 1000 && TERMINAL.has(later.code);
  const clear = TERMINAL.has(start.code) && start.message.length > 40;
  const bounded = out.spawns <= policy.maxRestarts + 1 && out.spawnsAfterGiveUp === 0;
  if (!host.alive) throw new Error('the host died while its embedder failed to start');
  if (!clear) ctx.error('UNCLEAR_ERROR', `the broken embedder ended with ${start.code}: ${start.message.slice(0, 300)}`);
  if (!bounded) ctx.error('RESTART_LOOP', `${out.spawns} spawns (limit ${policy.maxRestarts + 1}), ${out.spawnsAfterGiveUp} of them in the ${watchMs} ms after the terminal error`);
  if (!laterFast) ctx.error('NOT_TERMINAL', `a request after the terminal error ${later.ok ? 'was answered' : `failed with ${later.code} after ${Math.round(later.ms)} ms`}; expected the terminal error at once`);
  out.endedWithClearError = clear && bounded && laterFast ? 1 : 0;
  const grows = delaysGrow(delays);
  out.backoffGrows = grows === null ? null : grows ? 1 : 0;
  ctx.note(`broken embedder: ${out.spawns} spawns, gave up after ${Math.round(out.giveUpMs)} ms with ${start.code}; restart delays ${delays.map((d) => Math.round(d)).join(', ')} ms; policy maxRestarts ${policy.maxRestarts} in ${policy.windowMs} ms.`);
  await host.close();
  return out;
}
