/**
 * What every fault injector returns: what was done, to what, when, and the proof that it took effect.
 * `proof` holds observed facts (an exit signal, a /proc state, byte counts, stat sizes), never intentions.
 */
export type FaultKind =
  | 'kill'
  | 'pause'
  | 'resume'
  | 'close-connection'
  | 'proxy-toxic'
  | 'memory-limit'
  | 'truncate-model'
  | 'replace-model';

export interface FaultRecord {
  kind: FaultKind;
  /** What it was applied to: "pid 1234", a socket path, a file path. */
  target: string;
  /** When it was applied: ms since the timeline's origin (epoch ms when no timeline is bound). */
  at: number;
  /** Observed evidence, e.g. { signal: 'SIGKILL', exitObserved: 'signal', procGone: true }. */
  proof: Record<string, unknown>;
  /** True when the proof shows the fault did what it was meant to. */
  tookEffect: boolean;
}

/** A clock for `at`: the runner binds injectors to the scenario's timeline; standalone use gets epoch ms. */
export type FaultClock = () => number;

export const epochClock: FaultClock = () => Date.now();
