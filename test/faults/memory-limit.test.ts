import { afterEach, describe, expect, it } from 'vitest';
import { applyMemoryLimit, memoryLimitWrapper, readRlimit, verifyMemoryLimit, cgroupV2Writable } from '../../harness/faults/memory-limit.ts';
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

  it('refuses a nonsense byte count with the value in the message', () => {
    expect(() => memoryLimitWrapper(12)).toThrow(/got 12/);
  });
});
