import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sampleCpu } from '../../harness/metrics/cpu.ts';

describe('sampleCpu', () => {
  it('measures the CPU time of a busy child', async () => {
    // Burns 500 ms of CPU time (not wall time: the machine may be loaded), says so, then idles until killed.
    const code = 'for (;;) { const u = process.cpuUsage(); if (u.user + u.system >= 500000) break; } console.log("done"); setTimeout(() => {}, 20000)';
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('child did not finish burning CPU within 15 s')), 15_000);
        child.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('done')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const s = (await sampleCpu(child.pid!))!;
      expect(s.cpuMs).toBeGreaterThanOrEqual(480);
      expect(s.rss).toBeGreaterThan(1024 * 1024);
      expect(s.elapsedMs).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('answers undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    expect(await sampleCpu(pid)).toBeUndefined();
  });
});
