/**
 * Memory limits on a process. The mechanism is always reported, because they measure different things:
 * - 'prlimit-as'   RLIMIT_AS: address space, so a mapped model counts toward it;
 * - 'prlimit-data' RLIMIT_DATA: heap/anonymous data, a mapped model does not count;
 * - 'cgroup-v2'    memory.max of a fresh cgroup, only when /sys/fs/cgroup is a writable v2 hierarchy.
 * (This machine has cgroup v1, so the prlimit mechanisms are the ones that run here.)
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { epochClock, type FaultClock, type FaultRecord } from './types.ts';

export type MemoryLimitMechanism = 'prlimit-as' | 'prlimit-data' | 'cgroup-v2';

const LIMIT_ROW: Record<'as' | 'data', string> = { as: 'Max address space', data: 'Max data size' };

/** Soft limit in bytes read from /proc/PID/limits (null when unlimited or unreadable). */
export function readRlimit(pid: number, resource: 'as' | 'data'): number | null {
  try {
    const row = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith(LIMIT_ROW[resource]));
    const soft = row?.slice(LIMIT_ROW[resource].length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

/** argv to put before a command so that it starts under the limit: ['prlimit', '--as=N', '--']. */
export function memoryLimitWrapper(bytes: number, mechanism: 'prlimit-as' | 'prlimit-data' = 'prlimit-as'): string[] {
  checkBytes(bytes);
  return ['prlimit', `--${mechanism === 'prlimit-as' ? 'as' : 'data'}=${Math.floor(bytes)}`, '--'];
}

/** True when cgroup v2 is mounted at /sys/fs/cgroup and this process may create a child group there. */
export function cgroupV2Writable(root = '/sys/fs/cgroup'): boolean {
  if (!existsSync(`${root}/cgroup.controllers`)) return false;
  try {
    accessSync(root, constants.W_OK);
    return readFileSync(`${root}/cgroup.controllers`, 'utf8').split(/\s+/).includes('memory');
  } catch {
    return false;
  }
}

/** The mechanism `applyMemoryLimit` uses when asked for 'auto'. */
export function pickMechanism(): MemoryLimitMechanism {
  return cgroupV2Writable() ? 'cgroup-v2' : 'prlimit-as';
}

function checkBytes(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 4096) {
    throw new Error(`memory limit: expected a byte count >= 4096, got ${JSON.stringify(bytes)}`);
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stderr: String(stderr || (err ? err.message : '')) });
    });
  });
}

/**
 * Lowers the memory limit of a running process. Proof: the limit as /proc/PID/limits (or memory.max) shows it
 * before and after. A limit on a running process only refuses *future* allocations.
 */
export async function applyMemoryLimit(
  pid: number,
  bytes: number,
  opts: { mechanism?: MemoryLimitMechanism | 'auto'; clock?: FaultClock } = {},
): Promise<FaultRecord> {
  checkBytes(bytes);
  const clock = opts.clock ?? epochClock;
  const at = clock();
  const mechanism = !opts.mechanism || opts.mechanism === 'auto' ? pickMechanism() : opts.mechanism;
  const target = `pid ${pid}`;
  const limit = Math.floor(bytes);
  if (mechanism === 'cgroup-v2') {
    const dir = `/sys/fs/cgroup/gauntlet-${process.pid}-${pid}`;
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/memory.max`, String(limit));
      writeFileSync(`${dir}/cgroup.procs`, String(pid));
      const after = readFileSync(`${dir}/memory.max`, 'utf8').trim();
      const procs = readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n');
      return { kind: 'memory-limit', target, at, proof: { mechanism, bytes: limit, cgroup: dir, memoryMax: after, member: procs.includes(String(pid)) }, tookEffect: Number(after) === limit && procs.includes(String(pid)) };
    } catch (e) {
      try { rmdirSync(dir); } catch { /* not created */ }
      return { kind: 'memory-limit', target, at, proof: { mechanism, bytes: limit, error: (e as Error).message }, tookEffect: false };
    }
  }
  const resource = mechanism === 'prlimit-as' ? 'as' : 'data';
  const before = readRlimit(pid, resource);
  const r = await run('prlimit', ['--pid', String(pid), `--${resource}=${limit}:${limit}`], 5000);
  const after = readRlimit(pid, resource);
  return {
    kind: 'memory-limit', target, at,
    proof: { mechanism, bytes: limit, limitBefore: before, limitAfter: after, prlimitExit: r.code, ...(r.code ? { stderr: r.stderr.trim() } : {}) },
    tookEffect: after === limit,
  };
}

/**
 * Proof for a process started under `memoryLimitWrapper`: its /proc/PID/limits row, read once. Right after the
 * spawn the pid may still be the `prlimit` wrapper before its setrlimit call, so a caller that reads at spawn time
 * should use `awaitMemoryLimit`.
 */
export function verifyMemoryLimit(pid: number, bytes: number, mechanism: 'prlimit-as' | 'prlimit-data', clock: FaultClock = epochClock): FaultRecord {
  const after = readRlimit(pid, mechanism === 'prlimit-as' ? 'as' : 'data');
  return { kind: 'memory-limit', target: `pid ${pid}`, at: clock(), proof: { mechanism, bytes: Math.floor(bytes), limitAfter: after, via: 'wrapper' }, tookEffect: after === Math.floor(bytes) };
}

/**
 * `verifyMemoryLimit`, polled: reads /proc/PID/limits every `intervalMs` until the row shows the limit, the process
 * is gone, or `timeoutMs` passes (the wrapper sets the limit on itself and then execs, so the row changes within
 * milliseconds of the spawn). The record says how long it waited and how many reads it took.
 */
export async function awaitMemoryLimit(
  pid: number,
  bytes: number,
  mechanism: 'prlimit-as' | 'prlimit-data',
  opts: { clock?: FaultClock; timeoutMs?: number; intervalMs?: number } = {},
): Promise<FaultRecord> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 2000;
  let reads = 0;
  for (;;) {
    const rec = verifyMemoryLimit(pid, bytes, mechanism, opts.clock);
    reads++;
    const waited = Date.now() - t0;
    if (rec.tookEffect || waited >= timeoutMs || !existsSync(`/proc/${pid}`)) {
      return { ...rec, proof: { ...rec.proof, reads, waitedMs: waited } };
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5));
  }
}
