import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { applyMemoryLimit, awaitMemoryLimit, memoryLimitWrapper, readRlimit, verifyMemoryLimit, cgroupV2Writable } from '../../harness/faults/memory-limit.ts';
import { pidAlive } from '../../harness/faults/proc.ts';
import { nodeFixture, spawnReady, type Spawned } from './helpers.ts';

const LIMIT = 1_500_000_000;   // Node starts under this address-space limit
const ASK = 2_000_000_000;     // but cannot then reserve 2 GB more (allocUnsafe: nothing gets touched)
const started: Spawned[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (pidAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
});

async function allocate(s: Spawned): Promise<string> {
  s.child.stdin!.write('go\n');
  await s.exited;
  return s.lines[1] ?? '';
}

describe('memory limit', () => {
  it('wrapper: a child started under prlimit --as fails to allocate, and /proc shows the limit', async () => {
    const s = await spawnReady([...memoryLimitWrapper(LIMIT), ...nodeFixture('allocator.mjs', String(ASK))]);
    started.push(s);
    const rec = verifyMemoryLimit(s.pid, LIMIT, 'prlimit-as');
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof).toMatchObject({ mechanism: 'prlimit-as', limitAfter: LIMIT });
    expect(await allocate(s)).toMatch(/^fail: .*allocation failed/i);
  });

  it('the same allocation succeeds without the limit (the control)', async () => {
    const s = await spawnReady(nodeFixture('allocator.mjs', String(ASK)));
    started.push(s);
    expect(readRlimit(s.pid, 'as')).toBeNull();
    expect(await allocate(s)).toBe(`ok ${ASK}`);
  });

  it('applyMemoryLimit lowers the limit of a running process via prlimit --pid', async () => {
    const s = await spawnReady(nodeFixture('allocator.mjs', String(ASK)));
    started.push(s);
    const rec = await applyMemoryLimit(s.pid, LIMIT, { mechanism: 'prlimit-as' });
    expect(rec.kind).toBe('memory-limit');
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof).toMatchObject({ mechanism: 'prlimit-as', limitBefore: null, limitAfter: LIMIT });
    expect(await allocate(s)).toMatch(/^fail:/);
  });

  it("'auto' reports which mechanism it picked (cgroup v2 only when writable)", async () => {
    const s = await spawnReady(nodeFixture('sleeper.mjs'));
    started.push(s);
    const rec = await applyMemoryLimit(s.pid, LIMIT, { mechanism: 'auto' });
    expect(rec.proof.mechanism).toBe(cgroupV2Writable() ? 'cgroup-v2' : 'prlimit-as');
    expect(rec.tookEffect).toBe(true);
  });

  it('awaitMemoryLimit, called at spawn time, waits out the wrapper until the limit shows (and times out without one)', async () => {
    // Read at once, the pid may still be prlimit's before its setrlimit: the race a spawn listener meets.
    const wrapped = spawn(memoryLimitWrapper(LIMIT)[0]!, [...memoryLimitWrapper(LIMIT).slice(1), ...nodeFixture('sleeper.mjs')], { stdio: 'ignore' });
    const plain = spawn(nodeFixture('sleeper.mjs')[0]!, nodeFixture('sleeper.mjs').slice(1), { stdio: 'ignore' });
    try {
      const rec = await awaitMemoryLimit(wrapped.pid!, LIMIT, 'prlimit-as');
      expect(rec.tookEffect).toBe(true);
      expect(rec.proof).toMatchObject({ limitAfter: LIMIT });
      const control = await awaitMemoryLimit(plain.pid!, LIMIT, 'prlimit-as', { timeoutMs: 150 });
      expect(control.tookEffect).toBe(false);
      expect(control.proof.waitedMs as number).toBeGreaterThanOrEqual(150);
      expect(control.proof.reads as number).toBeGreaterThan(1);
    } finally {
      wrapped.kill('SIGKILL');
      plain.kill('SIGKILL');
    }
  });

  it('refuses a nonsense byte count with the value in the message', () => {
    expect(() => memoryLimitWrapper(12)).toThrow(/got 12/);
  });
});
