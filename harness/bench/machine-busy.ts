/**
 * How busy the machine was while a measurement ran, and how much of that was someone else: /proc/stat's busy time
 * of all cores, minus the CPU time of this process and of the peer processes it names (their /proc/PID/stat).
 * Transfer round trips between two processes swing with it: on 2 cores, another busy process leaves the
 * sender and the echo peer one core to take turns on, one 64 KiB socket or pipe buffer at a time.
 * Linux only; elsewhere `read()` gives undefined and nothing is reported.
 */
import fs from 'node:fs';
import os from 'node:os';

interface Mark { busy: number; total: number; own: number }

/** Jiffies of all cores (busy, total) from the aggregate cpu line; undefined without /proc. */
function machine(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + (iowait ?? 0) };
  } catch {
    return undefined;
  }
}

const TICK = 100; // USER_HZ on Linux

function ownJiffies(pids: readonly number[]): number {
  const self = process.cpuUsage();
  let j = ((self.user + self.system) / 1e6) * TICK;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      j += Number(rest[11]) + Number(rest[12]); // utime, stime
    } catch { /* gone */ }
  }
  return j;
}

export interface Busy {
  /** Share of all cores busy during the span, 0..1. */
  machine: number;
  /** Of that, the share not used by this process and the peers: other processes on the machine, 0..1 of all cores. */
  others: number;
  cores: number;
}

/** Starts a span; `end()` says how busy the machine and everyone else were during it. */
export function busySpan(peerPids: readonly number[]): { end(): Busy | undefined } {
  const m0 = machine();
  const start: Mark | undefined = m0 && { ...m0, own: ownJiffies(peerPids) };
  return {
    end() {
      const m1 = machine();
      if (!start || !m1 || m1.total <= start.total) return undefined;
      const total = m1.total - start.total;
      const busy = m1.busy - start.busy;
      const own = ownJiffies(peerPids) - start.own;
      const r = (x: number) => Math.round(Math.max(0, Math.min(1, x)) * 1000) / 1000;
      return { machine: r(busy / total), others: r((busy - own) / total), cores: os.cpus().length };
    },
  };
}
