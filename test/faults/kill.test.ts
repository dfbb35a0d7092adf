import { afterEach, describe, expect, it } from 'vitest';
import { killProcess, pauseProcess, resumeProcess } from '../../harness/faults/kill.ts';
import { procState, pidAlive } from '../../harness/faults/proc.ts';
import { nodeFixture, spawnReady, type Spawned } from './helpers.ts';

const started: Spawned[] = [];
async function sleeper(...args: string[]) {
  const s = await spawnReady(nodeFixture('sleeper.mjs', ...args));
  started.push(s);
  return s;
}
afterEach(() => {
  for (const s of started.splice(0)) if (pidAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
});

describe('killProcess', () => {
  it.each(['SIGKILL', 'SIGTERM', 'SIGSEGV'] as const)('%s: proof is the exit signal and /proc/PID gone', async (signal) => {
    const s = await sleeper();
    const rec = await killProcess(s.pid, signal, { exited: s.exited, waitMs: 3000 });
    expect(rec.kind).toBe('kill');
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof.exitSignal).toBe(signal);
    expect(rec.proof.procGone).toBe(true);
    expect(pidAlive(s.pid)).toBe(false);
  });

  it('without an exit promise, proof comes from /proc', async () => {
    const s = await sleeper();
    const rec = await killProcess(s.pid, 'SIGKILL');
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof.procGone).toBe(true);
    expect(typeof rec.proof.goneAfterMs).toBe('number');
  });

  it('a process that ignores SIGTERM: the record says it did not take effect', async () => {
    const s = await sleeper('ignore-term');
    const rec = await killProcess(s.pid, 'SIGTERM', { waitMs: 300 });
    expect(rec.tookEffect).toBe(false);
    expect(rec.proof.procGone).toBe(false);
    expect(pidAlive(s.pid)).toBe(true);
  });

  it('a pid that is not running: tookEffect false, no throw', async () => {
    const s = await sleeper();
    process.kill(s.pid, 'SIGKILL');
    await s.exited;
    const rec = await killProcess(s.pid, 'SIGKILL', { waitMs: 100 });
    expect(rec.tookEffect).toBe(false);
    expect(rec.proof.error).toMatch(/not running/);
  });
});

describe('pause / resume', () => {
  it('SIGSTOP shows state T in /proc; SIGCONT clears it', async () => {
    const s = await sleeper();
    const p = await pauseProcess(s.pid);
    expect(p.kind).toBe('pause');
    expect(p.tookEffect).toBe(true);
    expect(p.proof.stateAfter).toBe('T');
    expect(procState(s.pid)).toBe('T');
    const r = await resumeProcess(s.pid);
    expect(r.tookEffect).toBe(true);
    expect(procState(s.pid)).not.toBe('T');
  });
});
