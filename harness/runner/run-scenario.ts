/**
 * Runs one scenario against one adapter: hard timeout, everything caught, every process it started ended and
 * checked. Always resolves with a ScenarioResult; never throws.
 */
import type { ResolvedAdapter } from '../adapters/types.ts';
import { notApplicableNote, type ScenarioResult } from '../report/schema.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { isCrash } from './host-tracking.ts';
import { describeEnd } from './process-tracker.ts';
import { createScenarioContext, type RunEnv, type ScenarioState } from './scenario-context.ts';
import type { AnyScenario } from './types.ts';

/** How long hosts get to close at the end of a scenario, and leftovers to go by themselves before SIGKILL. */
const CLOSE_DEADLINE_MS = 4000;
const SWEEP_GRACE_MS = 2500;

export function scenarioTimeout(def: AnyScenario, quick: boolean): number {
  return typeof def.timeoutMs === 'number' ? def.timeoutMs : quick ? def.timeoutMs.quick : def.timeoutMs.full;
}

function skipped(def: AnyScenario, adapter: ResolvedAdapter, reason: string): ScenarioResult {
  return {
    scenario: def.id, title: def.title, adapter: adapter.name, status: 'skipped', durationMs: 0,
    metrics: {}, timeline: [], errors: [], notes: [notApplicableNote(reason)],
  };
}

/** Whether the scenario applies; a string is the reason it does not. */
export function applicability(def: AnyScenario, adapter: ResolvedAdapter): true | string {
  if (!def.appliesTo) return true;
  try {
    const r = def.appliesTo(adapter);
    if (r === true) return true;
    return typeof r === 'string' && r ? r : `scenario ${def.id} does not apply to ${adapter.config.kind} adapters`;
  } catch (e) {
    return `appliesTo threw: ${toError(e).message}`;
  }
}

export async function runScenario(def: AnyScenario, adapter: ResolvedAdapter, env: RunEnv): Promise<ScenarioResult> {
  const applies = applicability(def, adapter);
  if (applies !== true) return skipped(def, adapter, applies);

  const timeoutMs = scenarioTimeout(def, env.quick);
  const started = performance.now();
  const { ctx, state } = createScenarioContext(def, adapter, env, timeoutMs);

  let outcome: { kind: 'ok' } | { kind: 'threw'; error: Error } | { kind: 'timeout' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const work = (async () => def.run(ctx))().then(
    () => ({ kind: 'ok' as const }),
    (e: unknown) => ({ kind: 'threw' as const, error: toError(e) }),
  );
  outcome = await Promise.race([work, timeout]);
  clearTimeout(timer);
  if (outcome.kind === 'timeout') {
    state.controller.abort(new GauntletError('GAUNTLET_TIMEOUT', `scenario ${def.id} passed its ${timeoutMs} ms limit`));
    state.timeline.add('error', `timed out after ${timeoutMs} ms`);
  }

  await cleanUp(state, env);

  const died = state.hosts.filter((h) => h.exit && !h.expectedExit && isCrash(h.exit));
  for (const h of died) {
    const exit = h.exit!;
    state.errors.push({
      code: 'GAUNTLET_HOST_DIED',
      message: `host pid ${h.handle.pid} died (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`,
      signal: exit.signal, exitCode: exit.code, stderrTail: exit.stderrTail.slice(-4000),
    });
  }
  if (!('host.crashes' in state.metrics)) state.metrics['host.crashes'] = died.length;

  let status: ScenarioResult['status'];
  if (outcome.kind === 'timeout') {
    status = 'timed-out';
    state.errors.push({ code: 'GAUNTLET_TIMEOUT', message: `scenario did not finish within ${timeoutMs} ms` });
  } else if (outcome.kind === 'threw') {
    const err = outcome.error;
    const hostDied = died.length > 0 || (err instanceof GauntletError && err.code === 'GAUNTLET_HOST_DIED');
    status = hostDied ? 'host-died' : 'harness-error';
    const d = err instanceof GauntletError ? err.details : {};
    state.errors.push({
      code: err instanceof GauntletError ? err.code : 'GAUNTLET_SCENARIO_ERROR',
      message: err.message,
      ...(typeof d.signal === 'string' || d.signal === null ? { signal: d.signal as string | null } : {}),
      ...(typeof d.stderrTail === 'string' ? { stderrTail: (d.stderrTail as string).slice(-4000) } : {}),
    });
  } else {
    status = died.length > 0 ? 'host-died' : 'completed';
  }

  return {
    scenario: def.id, title: def.title, adapter: adapter.name, status,
    durationMs: Math.round(performance.now() - started),
    metrics: state.metrics,
    ...(Object.keys(state.latency).length ? { latency: state.latency } : {}),
    ...(Object.keys(state.series).length ? { series: state.series } : {}),
    timeline: state.timeline.events.slice().sort((a, b) => a.t - b.t),
    errors: state.errors,
    notes: state.notes,
  };
}

/** Stops samplers, closes every host, disposes proxies, then proves no process of this scenario is left. */
async function cleanUp(state: ScenarioState, env: RunEnv): Promise<void> {
  state.ended = true;
  for (const stop of [...state.samplers]) stop();
  env.tracker.trackDescendants(state.owner);
  // SIGSTOPped processes cannot shut down: let them run again so that close() can work.
  for (const pid of env.tracker.pids(state.owner)) {
    if (env.tracker.isAlive(pid)) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
  }
  const closing = state.hosts.map(async (h) => {
    if (!h.handle.alive) return;
    h.expectedExit = true; // closed by the runner, not crashed
    await h.handle.close({ deadlineMs: CLOSE_DEADLINE_MS / 2, killAfterMs: CLOSE_DEADLINE_MS / 4 });
  });
  await Promise.race([Promise.allSettled(closing), new Promise((r) => setTimeout(r, CLOSE_DEADLINE_MS + 1000))]);
  await state.faults.dispose().catch(() => undefined);
  const grace = env.sweepGraceMs ?? SWEEP_GRACE_MS;
  const left = await env.tracker.sweep(state.owner, grace);
  for (const l of left) {
    state.errors.push({
      code: 'GAUNTLET_LEFTOVER_PROCESS',
      message: `${l.role} pid ${l.pid} was still alive ${grace} ms after the scenario ended; ${describeEnd(l)} (${l.cmdline || 'cmdline unknown'})`,
    });
    state.timeline.add('error', `leftover ${l.role} pid ${l.pid} ${l.killed ? `ended by ${l.endedBy}` : 'still alive'}`);
  }
}
