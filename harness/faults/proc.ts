/** Read-only facts about a process from /proc (Linux). Pure look-ups: nothing here signals anything. */
import { readdirSync, readFileSync } from 'node:fs';

/** Single-letter state from /proc/PID/stat (R, S, D, T, t, Z, X...), or null when the pid is gone. */
export function procState(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
  const close = stat.lastIndexOf(')');
  const rest = stat.slice(close + 2);
  return rest.charAt(0) || null;
}

/** Parent pid from /proc/PID/stat, or null when the pid is gone. */
export function procParent(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/** True while the pid exists and is not a zombie (a zombie has exited; it only waits to be reaped). */
export function pidAlive(pid: number): boolean {
  const state = procState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

/**
 * True while a process with this pid exists, a zombie included (kill(pid, 0); EPERM: it exists, owned by another
 * user). For lock and region owners, where a zombie still holds its pid; pidAlive() above counts zombies as gone.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live descendants of `pid` (children, their children...) by /proc ppid links, at this moment; `pid` excluded. */
export function procDescendants(pid: number): number[] {
  let names: string[];
  try { names = readdirSync('/proc'); } catch { return []; }
  const children = new Map<number, number[]>();
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const pp = procParent(Number(n));
    if (pp !== null) (children.get(pp) ?? children.set(pp, []).get(pp)!).push(Number(n));
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0 && out.length < 1000) {
    const c = queue.shift()!;
    if (out.includes(c)) continue;
    if (pidAlive(c)) out.push(c);
    queue.push(...(children.get(c) ?? []));
  }
  return out;
}

/** Process start time in clock ticks since boot (field 22): tells a pid apart from a later reuse of it. */
export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** Polls until the pid is gone or a zombie; resolves true then, false when `timeoutMs` passes first. */
export async function waitForPidGone(pid: number, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!pidAlive(pid)) return true;
    if (Date.now() >= end) return false;
    await sleep(intervalMs);
  }
}

/** Polls until /proc/PID/stat shows `state` (e.g. 'T'); resolves true then, false on timeout or when the pid is gone. */
export async function waitForState(pid: number, states: string[], timeoutMs: number, intervalMs = 5): Promise<string | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = procState(pid);
    if (s === null || states.includes(s)) return s;
    if (Date.now() >= end) return s;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
