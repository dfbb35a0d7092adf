/**
 * No host outlives the orchestrator: every live host pid is SIGKILLed synchronously when this process exits.
 * And no embedder outlives its host: pids the host reported are given a grace period after the host's exit to
 * go by themselves (the embedder's own parent-exit handling, which scenarios measure), then SIGKILLed.
 */
import { isPidAlive } from '../util/proc-status.ts';

const liveHosts = new Set<number>();
let installed = false;

function killAllHosts(): void {
  for (const pid of liveHosts) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveHosts.clear();
}

export function watchHostPid(pid: number): void {
  if (!installed) {
    installed = true;
    process.on('exit', killAllHosts);
  }
  liveHosts.add(pid);
}

export function unwatchHostPid(pid: number): void {
  liveHosts.delete(pid);
}

export function watchedHostPids(): number[] {
  return [...liveHosts];
}

export interface OrphanReport {
  /** Pids that were gone within the grace period, with how long after the call each was seen gone (ms). */
  goneByThemselves: { pid: number; afterMs: number }[];
  /** Pids still alive after the grace period, which were SIGKILLed. */
  reaped: number[];
}

export async function reapOrphans(pids: number[], graceMs: number, intervalMs = 20): Promise<OrphanReport> {
  const t0 = performance.now();
  const report: OrphanReport = { goneByThemselves: [], reaped: [] };
  let waiting = pids.filter((pid) => isPidAlive(pid) || (report.goneByThemselves.push({ pid, afterMs: 0 }), false));
  while (waiting.length > 0 && performance.now() - t0 < graceMs) {
    await new Promise((r) => setTimeout(r, intervalMs));
    waiting = waiting.filter((pid) => isPidAlive(pid) || (report.goneByThemselves.push({ pid, afterMs: performance.now() - t0 }), false));
  }
  for (const pid of waiting) {
    try {
      process.kill(pid, 'SIGKILL');
      report.reaped.push(pid);
    } catch {
      report.goneByThemselves.push({ pid, afterMs: performance.now() - t0 });
    }
  }
  return report;
}
