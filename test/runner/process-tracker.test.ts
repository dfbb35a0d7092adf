/**
 * ProcessTracker finds the run's processes by the run tag in their environment: an orphan in a session of its own
 * (reparented, in no tracked process group) is found and ended, SIGTERM first, SIGKILL for one that ignores it;
 * a process started before the run (no tag) or after it is never touched.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pidAlive, procParent } from '../../harness/faults/proc.ts';
import { ProcessTracker, RUN_OWNER_VAR, RUN_TAG_VAR } from '../../harness/runner/process-tracker.ts';

const MAKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'orphan-maker.mjs');
const started: number[] = [];

function orphan(mode: 'ignore' | 'obey' = 'ignore'): number {
  const pid = Number(execFileSync(process.execPath, [MAKER, mode], { encoding: 'utf8' }).trim());
  started.push(pid);
  return pid;
}

afterEach(() => {
  for (const pid of started.splice(0)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

describe('ProcessTracker run tag', () => {
  it('finds an orphan in its own session by the run tag and SIGKILLs it when it ignores SIGTERM', async () => {
    const t = new ProcessTracker();
    t.beginRun();
    t.setOwner('s/a');
    const pid = orphan('ignore');
    t.setOwner(undefined);
    expect(procParent(pid)).not.toBe(process.pid); // reparented: no ppid link leads here
    expect(t.pids()).toEqual([]);
    const left = await t.sweep('s/a', 100);
    t.endRun();
    expect(left).toMatchObject([{ pid, owner: 's/a', role: 'tagged', killed: true, endedBy: 'SIGKILL' }]);
    expect(left[0]!.cmdline).toMatch(/orphan-maker-grandchild/);
    expect(pidAlive(pid)).toBe(false);
    expect(process.env[RUN_TAG_VAR]).toBeUndefined();
    expect(process.env[RUN_OWNER_VAR]).toBeUndefined();
  });

  it('ends one that obeys SIGTERM with SIGTERM; the owner filter keeps other scenarios\' processes out', async () => {
    const t = new ProcessTracker();
    t.beginRun();
    t.setOwner('first/a');
    const first = orphan('obey');
    t.setOwner('second/a');
    const second = orphan('obey');
    t.setOwner(undefined);
    const a = await t.sweep('first/a', 100);
    expect(a.map((l) => l.pid)).toEqual([first]);
    expect(a[0]!.endedBy).toBe('SIGTERM');
    expect(pidAlive(second)).toBe(true);
    const rest = await t.sweep(undefined, 100);
    t.endRun();
    expect(rest.map((l) => [l.pid, l.owner])).toEqual([[second, 'second/a']]);
  });

  it('does not touch a process started without the tag, or with another run\'s tag', async () => {
    const before = orphan('ignore'); // no run yet
    const t = new ProcessTracker();
    const other = new ProcessTracker();
    other.beginRun();
    const others = orphan('ignore');
    other.endRun();
    t.beginRun();
    const left = await t.sweep(undefined, 50);
    t.endRun();
    expect(left).toEqual([]);
    expect(pidAlive(before)).toBe(true);
    expect(pidAlive(others)).toBe(true);
    // And the other run's sweep does find its own.
    expect((await other.sweep(undefined, 50)).map((l) => l.pid)).toEqual([others]);
  });

  it('a direct child spawned while the run is on is tagged too', async () => {
    const t = new ProcessTracker();
    t.beginRun();
    t.setOwner('x/y');
    const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1<<30)'], { stdio: 'ignore' });
    t.setOwner(undefined);
    await new Promise((r) => setTimeout(r, 100));
    const left = await t.sweep('x/y', 50);
    t.endRun();
    expect(left.map((l) => l.pid)).toEqual([child.pid]);
    expect(left[0]!.endedBy).toBe('SIGTERM');
  });
});
