/**
 * Every process the harness starts (hosts, the embedders they report, their descendants) is tracked here, so that
 * after each scenario and after the run we can prove none is left alive, and kill (and report) any that is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pidAlive, procParent, procStartTime } from '../faults/proc.ts';

export type TrackedRole = 'host' | 'embedder' | 'descendant';

export interface Leftover {
  pid: number;
  role: TrackedRole;
  owner: string;
  cmdline: string;
  /** True when SIGKILL made it go. */
  killed: boolean;
}

interface Entry { pid: number; role: TrackedRole; owner: string; start: number | null }

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 300);
  } catch {
    return '';
  }
}

export class ProcessTracker {
  private readonly entries = new Map<number, Entry>();

  track(pid: number | undefined, owner: string, role: TrackedRole): void {
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
    if (this.entries.has(pid)) return;
    this.entries.set(pid, { pid, role, owner, start: procStartTime(pid) });
  }

  /** The pids tracked for `owner` (or all). */
  pids(owner?: string): number[] {
    return [...this.entries.values()].filter((e) => owner === undefined || e.owner === owner).map((e) => e.pid);
  }

  /** Alive and still the same process (same start time) as when it was tracked. */
  isAlive(pid: number): boolean {
    const e = this.entries.get(pid);
    if (!pidAlive(pid)) return false;
    return !e || e.start === null || procStartTime(pid) === e.start;
  }

  /** Adds every live descendant of the owner's tracked pids (found through /proc ppid links). */
  trackDescendants(owner: string): number[] {
    const roots = new Set(this.pids(owner).filter((p) => this.isAlive(p)));
    if (roots.size === 0) return [];
    const parent = new Map<number, number>();
    let names: string[] = [];
    try { names = readdirSync('/proc'); } catch { return []; }
    for (const n of names) {
      if (!/^\d+$/.test(n)) continue;
      const pp = procParent(Number(n));
      if (pp !== null) parent.set(Number(n), pp);
    }
    const found: number[] = [];
    for (const [pid] of parent) {
      let p: number | undefined = parent.get(pid);
      for (let depth = 0; p !== undefined && p > 1 && depth < 32; depth++) {
        if (roots.has(p)) {
          if (!this.entries.has(pid)) { this.track(pid, owner, 'descendant'); found.push(pid); }
          break;
        }
        p = parent.get(p);
      }
    }
    return found;
  }

  /**
   * Waits up to `graceMs` for the owner's tracked processes to go, then SIGKILLs the rest and reports them.
   * Pass no owner to sweep everything (end of run).
   */
  async sweep(owner: string | undefined, graceMs: number): Promise<Leftover[]> {
    const list = () => [...this.entries.values()].filter((e) => (owner === undefined || e.owner === owner) && this.isAlive(e.pid));
    const end = Date.now() + graceMs;
    while (list().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const left = list();
    const out: Leftover[] = [];
    for (const e of left) {
      const cmd = cmdline(e.pid);
      try { process.kill(e.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
      out.push({ pid: e.pid, role: e.role, owner: e.owner, cmdline: cmd, killed: false });
    }
    const killEnd = Date.now() + 2000;
    while (out.some((o) => this.isAlive(o.pid)) && Date.now() < killEnd) await new Promise((r) => setTimeout(r, 10));
    for (const o of out) o.killed = !this.isAlive(o.pid);
    return out;
  }
}
