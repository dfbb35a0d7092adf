/**
 * Runs one scenario against one adapter: hard timeout, everything caught, every process it started ended and
 * checked. Always resolves with a ScenarioResult; never throws.
 */
import type { ResolvedAdapter } from '../adapters/types.ts';
import { notApplicableNote, type ScenarioResult } from '../report/schema.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { describeProblem, type LedgerSummary } from '../host/request-ledger.ts';
import { countsAgainst, describeValidFailure } from '../host/request-validity.ts';
import { isCrash } from './host-tracking.ts';
import { describeEnd } from './process-tracker.ts';
import { createScenarioContext, type RunEnv, type ScenarioState } from './scenario-context.ts';
import type { AnyScenario } from './types.ts';
import { treeCpuMs } from './timing.ts';
import { compactSamples, figureIntervals } from '../stats/figure-intervals.ts';
import { deriveSeed } from '../gguf/prng.ts';

/** Lost / late / wrong-count requests listed one by one in a scenario's errors; the rest are summed up. */
const LISTED_PROBLEMS = 10;
/** Failed valid requests quoted in a scenario's errors (valid-requests-succeed); the rest are counted. */
const QUOTED_VALID_FAILURES = 3;

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
  const cpu0 = treeCpuMs();
  const { ctx, state } = createScenarioContext(def, adapter, env, timeoutMs);

  let outcome: { kind: 'ok' } | { kind: 'threw'; error: Error } | { kind: 'timeout' } | { kind: 'interrupted' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  let onInterrupt: (() => void) | undefined;
  const interrupted = new Promise<{ kind: 'interrupted' }>((resolve) => {
    onInterrupt = () => resolve({ kind: 'interrupted' });
    if (env.interrupt?.aborted) onInterrupt();
    else env.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  });
  const work = (async () => def.run(ctx))().then(
    () => ({ kind: 'ok' as const }),
    (e: unknown) => ({ kind: 'threw' as const, error: toError(e) }),
  );
  outcome = await Promise.race([work, timeout, interrupted]);
  const bodyEnd = performance.now();
  clearTimeout(timer);
  if (onInterrupt) env.interrupt?.removeEventListener('abort', onInterrupt);
  if (outcome.kind === 'timeout') {
    state.controller.abort(new GauntletError('GAUNTLET_TIMEOUT', `scenario ${def.id} passed its ${timeoutMs} ms limit`));
    state.timeline.add('error', `timed out after ${timeoutMs} ms`);
  } else if (outcome.kind === 'interrupted') {
    state.controller.abort(new GauntletError('GAUNTLET_INTERRUPTED', `the run was interrupted during scenario ${def.id}`));
    state.timeline.add('error', 'interrupted');
  }

  // Requests that timed out a moment ago: give the supervisor's hang probe time to speak before judging them.
  const settleMs = outcome.kind === 'timeout' || outcome.kind === 'interrupted' ? 0 : state.ledger.settleDelayMs();
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  accountRequests(def.id, state);

  const cleanupStart = performance.now();
  await cleanUp(state, env);
  const ended = performance.now();
  const cpu1 = treeCpuMs();

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
  if (outcome.kind === 'interrupted') {
    // Not a finding: the runner drops this result and lists the run as stopped (report.partial).
    status = 'harness-error';
    state.errors.push({ code: 'GAUNTLET_INTERRUPTED', message: `interrupted after ${Math.round(performance.now() - started)} ms` });
  } else if (outcome.kind === 'timeout') {
    status = 'timed-out';
    state.errors.push({ code: 'GAUNTLET_TIMEOUT', message: `scenario did not finish within ${timeoutMs} ms` });
  } else if (outcome.kind === 'threw' && lostRequestStop(outcome.error, state)) {
    // The embedder lost or failed a valid request the scenario could not do without: a finding (no-request-lost,
    // valid-requests-succeed), not a harness fault.
    status = died.length > 0 ? 'host-died' : 'completed';
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
    durationMs: Math.round(ended - started),
    timing: {
      wallMs: Math.round(ended - started),
      cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      hostStartMs: Math.round(state.hostStart.ms),
      hostStarts: state.hostStart.count,
      bodyMs: Math.round(bodyEnd - started),
      settleMs: Math.round(settleMs),
      cleanupMs: Math.round(ended - cleanupStart),
    },
    metrics: state.metrics,
    ...(Object.keys(state.breakdowns).length ? { breakdowns: state.breakdowns } : {}),
    ...(Object.keys(state.latency).length ? { latency: state.latency } : {}),
    ...samplesAndIntervals(state, deriveSeed(env.seed, state.owner)),
    ...(Object.keys(state.series).length ? { series: state.series } : {}),
    timeline: state.timeline.events.slice().sort((a, b) => a.t - b.t),
    errors: state.errors,
    notes: state.notes,
  };
}

/** The kept samples of every latency summary and the 95 % interval of each figure linked to them. */
function samplesAndIntervals(state: ScenarioState, seed: number): Pick<ScenarioResult, 'samples' | 'intervals'> {
  const keys = Object.keys(state.samples).filter((k) => state.samples[k]!.length > 0);
  if (keys.length === 0) return {};
  const intervals = figureIntervals(state.metrics, state.samples, state.links, seed);
  return { samples: Object.fromEntries(keys.map((k) => [k, compactSamples(state.samples[k]!)])), ...(Object.keys(intervals).length ? { intervals } : {}) };
}

/**
 * Judges every request the scenario sent (request-ledger.ts) and records the figures: requests.lost (no answer
 * while the embedder was up, plus batch answers with the wrong number of vectors), requests.late (answered after
 * the deadline), requests.sent / answered / failed; each lost, late or wrong-count request is named in the errors.
 */
function accountRequests(scenario: string, state: ScenarioState): LedgerSummary {
  const s = state.ledger.settle();
  if (s.sent === 0) return s;
  state.metrics['requests.sent'] = s.sent;
  state.metrics['requests.answered'] = s.answered;
  state.metrics['requests.failed'] = s.failed;
  state.metrics['requests.lost'] = s.lost + s.wrongCount;
  state.metrics['requests.late'] = s.late;
  state.metrics['requests.wrongBatchCount'] = s.wrongCount;
  state.metrics['requests.badVectors'] = s.badVector;
  state.metrics['requests.valid'] = s.validSent;
  state.metrics['requests.validExcused'] = s.validExcused;
  state.metrics['requests.validFailed'] = s.validFailures.length;
  if (s.validFailures.length > 0) {
    const quoted = s.validFailures.slice(0, QUOTED_VALID_FAILURES).map((r) => describeValidFailure(scenario, r));
    const more = s.validFailures.length - quoted.length;
    state.errors.push({
      code: 'GAUNTLET_VALID_REQUEST_FAILED',
      message: `${s.validFailures.length} of ${s.validSent} valid request(s) did not end with a correct answer${s.validExcused ? ` (${s.validExcused} more excused by a fault, restart or abort)` : ''}: ${quoted.join(' | ')}${more > 0 ? ` | and ${more} more` : ''}`,
    });
  }
  const code = { lost: 'GAUNTLET_REQUEST_LOST', late: 'GAUNTLET_REQUEST_LATE', 'wrong-count': 'GAUNTLET_BATCH_COUNT' } as Record<string, string>;
  for (const r of s.problems.slice(0, LISTED_PROBLEMS)) {
    const message = describeProblem(scenario, r);
    state.errors.push({ code: code[r.outcome] ?? 'GAUNTLET_REQUEST_LOST', message });
    const e = state.timeline.add('error', `${r.outcome} request #${r.index}`, { index: r.index, outcome: r.outcome, op: r.op, sentAt: r.sentAt, deadlineMs: r.deadlineMs, hostPid: r.hostPid });
    e.t = r.endedAt ?? r.sentAt;
  }
  if (s.problems.length > LISTED_PROBLEMS) state.errors.push({ code: 'GAUNTLET_REQUEST_LOST', message: `${s.problems.length - LISTED_PROBLEMS} more lost, late or wrong-count request(s) not listed` });
  if (s.lost + s.wrongCount + s.late > 0) {
    const finished = s.answered + s.failed;
    state.notes.push(`requests: ${s.sent} sent, ${s.answered} answered, ${s.failed} failed with a typed error, ${s.lost} lost, ${s.late} answered late, ${s.wrongCount} batch answer(s) with the wrong vector count; the scenario's figures come from the ${finished} that finished (${s.sent - finished} missing).`);
  }
  return s;
}

/** True when the scenario stopped because a request it sent was lost (then it is not a harness error). */
function lostRequestStop(error: Error, state: ScenarioState): boolean {
  const rec = state.ledger.recordOf(error);
  if (!rec) return false;
  if (rec.outcome === 'lost' || rec.outcome === 'late') {
    state.errors.push({ code: 'GAUNTLET_REQUEST_LOST', message: `the scenario stopped at ${rec.op} request #${rec.index}, which the embedder ${rec.outcome === 'lost' ? 'never answered' : 'answered only after its deadline'}; figures it recorded before are kept: ${error.message}` });
    return true;
  }
  // A valid request the embedder failed (a bad answer, a typed error with nothing around it): its finding.
  if (countsAgainst(rec)) {
    state.errors.push({ code: 'GAUNTLET_VALID_REQUEST_FAILED', message: `the scenario stopped at ${rec.op} request #${rec.index}, a valid request the embedder failed (${rec.code}); figures it recorded before are kept: ${error.message.slice(0, 300)}` });
    return true;
  }
  return false;
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
  // Unref'd: after the last scenario this bound must not keep the process alive for its 5 s once the hosts closed.
  await Promise.race([Promise.allSettled(closing), new Promise((r) => setTimeout(r, CLOSE_DEADLINE_MS + 1000).unref())]);
  await state.faults.dispose().catch(() => undefined);
  const grace = env.sweepGraceMs ?? SWEEP_GRACE_MS;
  const left = await env.tracker.sweep(state.owner, grace);
  // What the embedder started is its responsibility (embedder-leaves-nothing-behind); a host that would not close
  // is the harness's own process, reported but not counted against the embedder.
  state.metrics['leftover.processes'] = left.filter((l) => l.role !== 'host').length;
  for (const l of left) {
    state.errors.push({
      code: 'GAUNTLET_LEFTOVER_PROCESS',
      message: `${l.role} pid ${l.pid} was still alive ${grace} ms after the scenario ended; ${describeEnd(l)} (${l.cmdline || 'cmdline unknown'})`,
    });
    state.timeline.add('error', `leftover ${l.role} pid ${l.pid} ${l.killed ? `ended by ${l.endedBy}` : 'still alive'}`);
  }
}
