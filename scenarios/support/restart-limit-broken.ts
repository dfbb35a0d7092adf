/**
 * The broken embedder of restart-limit: an embedder that can never start. First the reference's abort-on-load switch
 * (GAUNTLET_FAULTS in the environment the embedder inherits); an embedder that ignores the switch (any embedder we
 * did not write) is given models it cannot load instead: a structurally invalid file (the bad-magic corruption of
 * the run's model) and a path that does not exist; each must end clearly. The supervisor must stop after its
 * restart limit with a clear terminal error (or the embedder's own model-invalid), spawn nothing more afterwards,
 * fail later requests at once with that error, and back off between attempts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioStartHostOptions } from '../../harness/runner/types.ts';
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
  /** How the embedder was broken: 'abort-on-load', or 'invalid-file+missing-path' for one that ignores the switch. */
  via: string | null;
}

/** Whether each restart delay is at least the previous one and the last exceeds the first. */
export function delaysGrow(delays: number[]): boolean | null {
  if (delays.length < 2) return null;
  for (let i = 1; i < delays.length; i++) if (delays[i]! < delays[i - 1]!) return false;
  return delays[delays.length - 1]! > delays[0]!;
}

/** `patienceMs`: how long the supervisor gets to reach its terminal error before this counts as a restart loop. */
export async function brokenEmbedder(ctx: ScenarioContext, policy: RestartPolicy, watchMs: number, patienceMs: number): Promise<BrokenOutcome> {
  const viaSwitch = await brokenOnce(ctx, policy, watchMs, patienceMs, 'abort-on-load', { env: { GAUNTLET_FAULTS: 'abort-on-load' } });
  if (viaSwitch) return viaSwitch;
  ctx.note('restart-limit: the abort-on-load switch (GAUNTLET_FAULTS) had no effect on this embedder; it is given models it cannot load instead (a file with a bad magic, a missing path).');
  const invalid = path.join(ctx.tmpDir, `restart-limit-invalid-${ctx.adapter.name}.gguf`);
  writeFileSync(invalid, Buffer.concat([Buffer.from('GGML'), Buffer.alloc(60, 0x5a)])); // not GGUF: the magic is wrong
  const missing = path.join(ctx.tmpDir, `restart-limit-missing-${ctx.adapter.name}`, 'no-such-model.gguf');
  const outcomes: BrokenOutcome[] = [];
  for (const [label, model] of [['invalid-file', invalid], ['missing-path', missing]] as const) {
    const o = await brokenOnce(ctx, policy, watchMs, patienceMs, label, { adapter: { model } });
    if (o) outcomes.push(o);
    else ctx.error('BROKEN_MODEL_LOADED', `restart-limit: the embedder started with ${label === 'invalid-file' ? 'a file that is not GGUF' : 'a model path that does not exist'} (${model}) instead of refusing it`);
  }
  if (outcomes.length < 2) {
    return { endedWithClearError: 0, backoffGrows: null, spawns: 0, spawnsAfterGiveUp: 0, giveUpMs: null, delays: [], via: 'invalid-file+missing-path', ...(outcomes[0] ? { spawns: outcomes[0].spawns } : {}) };
  }
  const [a, b] = outcomes as [BrokenOutcome, BrokenOutcome];
  const both = (x: number | null, y: number | null) => (x === null || y === null ? (x ?? y) : Math.min(x, y));
  return {
    endedWithClearError: a.endedWithClearError === 1 && b.endedWithClearError === 1 ? 1 : 0,
    backoffGrows: both(a.backoffGrows, b.backoffGrows),
    spawns: Math.max(a.spawns, b.spawns),
    spawnsAfterGiveUp: a.spawnsAfterGiveUp + b.spawnsAfterGiveUp,
    giveUpMs: Math.max(a.giveUpMs ?? 0, b.giveUpMs ?? 0),
    delays: a.delays.length >= b.delays.length ? a.delays : b.delays,
    via: 'invalid-file+missing-path',
  };
}

/** One broken start; undefined when the embedder started anyway (the way of breaking it had no effect). */
async function brokenOnce(ctx: ScenarioContext, policy: RestartPolicy, watchMs: number, patienceMs: number, label: string, how: ScenarioStartHostOptions): Promise<BrokenOutcome | undefined> {
  const host = await ctx.startHost({ deferStart: true, ...how });
  const events: Array<LifecycleEvent & { seenAt: number }> = [];
  host.on('lifecycle', (e) => events.push({ ...e, seenAt: performance.now() }));
  const t0 = performance.now();
  const start = await outcome(host.start({ timeoutMs: Math.max(1000, Math.min(patienceMs, ctx.remainingMs() - 8000)), signal: ctx.signal }));
  const spawnsOf = (from = 0) => events.filter((e) => e.type === 'spawn' && e.seenAt >= from).length;
  const delays = events.filter((e) => e.type === 'restart').map((e) => Number(e.delayMs));
  const out: BrokenOutcome = { endedWithClearError: null, backoffGrows: null, spawns: 0, spawnsAfterGiveUp: 0, giveUpMs: null, delays, via: label };
  if (start.ok) {
    await host.close();
    return undefined;
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
  ctx.note(`broken embedder (${label}): ${out.spawns} spawns, gave up after ${Math.round(out.giveUpMs)} ms with ${start.code}; restart delays ${delays.map((d) => Math.round(d)).join(', ')} ms; policy maxRestarts ${policy.maxRestarts} in ${policy.windowMs} ms.`);
  await host.close();
  return out;
}
