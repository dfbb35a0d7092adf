/**
 * Signals as faults: kill with any signal, pause (SIGSTOP) and resume (SIGCONT), each with observed proof.
 * Proof of a kill is the exit signal seen by whoever waits on the process (when the caller passes that promise),
 * or /proc/PID gone (or a zombie) within the wait; proof of a pause is /proc/PID/stat state 'T'.
 */
import { constants } from 'node:os';
import { setTimeout } from 'node:timers';
import { epochClock, type FaultClock, type FaultRecord } from './types.ts';
import { pidAlive, procState, waitForPidGone, waitForState } from './proc.ts';

export interface ObservedExit {
  code: number | null;
  signal: NodeJS.Signals | string | null;
}

export interface KillOptions {
  /** How long to wait for the process to go, ms (default 3000). */
  waitMs?: number;
  /** The process's own exit promise when the caller has it (e.g. HostHandle.exited): gives the exit signal. */
  exited?: Promise<ObservedExit>;
  /** What counts as taking effect; default 'exit' for signals that end a process, 'delivered' for the rest. */
  expect?: 'exit' | 'stop' | 'delivered';
  clock?: FaultClock;
}

/** Signals whose default action does not end the process. */
const NON_FATAL = new Set(['SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGCHLD', 'SIGURG', 'SIGWINCH']);

export function isKnownSignal(signal: string): signal is NodeJS.Signals {
  return Object.prototype.hasOwnProperty.call(constants.signals, signal);
}

/** Sends `signal` to `pid` and waits for the observable effect. Never throws for a vanished pid: the record says so. */
export async function killProcess(pid: number, signal: NodeJS.Signals, opts: KillOptions = {}): Promise<FaultRecord> {
  const clock = opts.clock ?? epochClock;
  const at = clock();
  const waitMs = opts.waitMs ?? 3000;
  const expect = opts.expect ?? (signal === 'SIGSTOP' || signal === 'SIGTSTP' ? 'stop' : NON_FATAL.has(signal) ? 'delivered' : 'exit');
  const target = `pid ${pid}`;
  if (!isKnownSignal(signal)) {
    return { kind: 'kill', target, at, proof: { signal, error: `unknown signal "${signal}"` }, tookEffect: false };
  }
  const stateBefore = procState(pid);
  if (stateBefore === null || !pidAlive(pid)) {
    return { kind: 'kill', target, at, proof: { signal, stateBefore, error: 'process was not running' }, tookEffect: false };
  }
  const t0 = Date.now();
  try {
    process.kill(pid, signal);
  } catch (e) {
    return { kind: 'kill', target, at, proof: { signal, stateBefore, error: (e as Error).message }, tookEffect: false };
  }
  const proof: Record<string, unknown> = { signal, stateBefore, delivered: true };
  if (expect === 'delivered') return { kind: 'kill', target, at, proof, tookEffect: true };
  if (expect === 'stop') {
    const s = await waitForState(pid, ['T', 't'], waitMs);
    proof.stateAfter = s;
    proof.waitedMs = Date.now() - t0;
    return { kind: 'kill', target, at, proof, tookEffect: s === 'T' || s === 't' };
  }
  // expect === 'exit': the exit promise (signal/code) when we have it, else /proc.
  let exit: ObservedExit | undefined;
  if (opts.exited) {
    exit = await Promise.race([opts.exited, new Promise<undefined>((r) => { setTimeout(() => r(undefined), waitMs).unref(); })]);
  }
  const gone = exit ? true : await waitForPidGone(pid, Math.max(0, waitMs - (Date.now() - t0)));
  proof.goneAfterMs = gone ? Date.now() - t0 : null;
  proof.procGone = !pidAlive(pid);
  proof.stateAfter = procState(pid);
  if (exit) {
    proof.exitSignal = exit.signal;
    proof.exitCode = exit.code;
  }
  return { kind: 'kill', target, at, proof, tookEffect: gone };
}

/** SIGSTOP: the process freezes (a "hang"). Proof: /proc/PID/stat state 'T'. */
export async function pauseProcess(pid: number, opts: { waitMs?: number; clock?: FaultClock } = {}): Promise<FaultRecord> {
  const rec = await killProcess(pid, 'SIGSTOP', { waitMs: opts.waitMs ?? 2000, expect: 'stop', clock: opts.clock });
  return { ...rec, kind: 'pause' };
}

/** SIGCONT: a paused process runs again. Proof: state no longer 'T'. */
export async function resumeProcess(pid: number, opts: { waitMs?: number; clock?: FaultClock } = {}): Promise<FaultRecord> {
  const clock = opts.clock ?? epochClock;
  const at = clock();
  const target = `pid ${pid}`;
  const stateBefore = procState(pid);
  try {
    process.kill(pid, 'SIGCONT');
  } catch (e) {
    return { kind: 'resume', target, at, proof: { signal: 'SIGCONT', stateBefore, error: (e as Error).message }, tookEffect: false };
  }
  const end = Date.now() + (opts.waitMs ?? 2000);
  let s = procState(pid);
  while ((s === 'T' || s === 't') && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
    s = procState(pid);
  }
  return { kind: 'resume', target, at, proof: { signal: 'SIGCONT', stateBefore, stateAfter: s }, tookEffect: s !== null && s !== 'T' && s !== 't' };
}
