/**
 * Where a scenario run's time goes: wall time split into phases (hosts starting, the scenario's body, the settle
 * wait for late answers, clean-up), and the CPU time the run's whole process tree used meanwhile ("busy").
 * CPU comes from /proc/self/stat: the orchestrator's own user+system time plus that of its reaped children
 * (hosts, and through them their embedders), so it is complete once a scenario has ended and reaped its hosts;
 * a process that was orphaned and killed by the sweep is not counted (its parent never reaped it).
 */
import { readFileSync } from 'node:fs';

export interface ScenarioTiming {
  /** Wall time of the run, ms (same as ScenarioResult.durationMs). */
  wallMs: number;
  /** CPU time of the orchestrator and the processes it reaped during the run, ms; null where /proc is missing. */
  cpuMs: number | null;
  /** Summed wall time of ctx.startHost() calls (host spawn up to its embedder's first ready), ms. */
  hostStartMs: number;
  hostStarts: number;
  /** The scenario's run(ctx), ms (includes hostStartMs). */
  bodyMs: number;
  /** Waiting for answers to requests that had just timed out, ms. */
  settleMs: number;
  /** Closing hosts, disposing faults, sweeping leftovers, ms. */
  cleanupMs: number;
  /**
   * Set when other runs were in flight beside this one (scenarios marked `overlap`): cpuMs is then null, and this is
   * the stretch of overlapping runs it belonged to, with their combined wall and CPU time.
   */
  overlap?: { with: string[]; /** index of the stretch in the run */ stretch: number; runs: number; wallMs: number; cpuMs: number | null };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime+stime+cutime+cstime of this process in ms, or null without /proc. */
export function treeCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(rest[i]));
    if (![utime, stime, cutime, cstime].every(Number.isFinite)) return null;
    return (utime + stime + cutime + cstime) * TICK_MS;
  } catch {
    return null;
  }
}

/** "busy" share of a run's wall time on one core's scale (can pass 1 on a machine with more cores). */
export function busyShare(t: Pick<ScenarioTiming, 'wallMs' | 'cpuMs'>): number | null {
  if (t.cpuMs === null || t.wallMs <= 0) return null;
  return t.cpuMs / t.wallMs;
}
