import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProcStatus, readProcStatus, readProcStatusSync } from '../../harness/metrics/proc-status.ts';
import { spawnLineChild } from './fixtures/spawn-child.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const linux = process.platform === 'linux';
const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import mmap'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
})();
const MB = 1024 * 1024;

describe('parseProcStatus', () => {
  const text = ['Name:\tnode', 'VmSize:\t 1000 kB', 'VmRSS:\t   300 kB', 'RssAnon:\t  200 kB', 'RssFile:\t   90 kB', 'RssShmem:\t  10 kB', 'Threads:\t7', ''].join('\n');

  it('reads bytes from kB lines and the thread count', () => {
    expect(parseProcStatus(text)).toEqual({ rss: 300 * 1024, rssAnon: 200 * 1024, rssFile: 90 * 1024, rssShmem: 10 * 1024, vmSize: 1000 * 1024, threads: 7 });
  });

  it('names a missing field', () => {
    expect(() => parseProcStatus(text.replace(/RssFile.*\n/, ''))).toThrow(/no RssFile line/);
  });
});

describe.skipIf(!linux)('readProcStatus on real processes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads this process: rss = anon + file + shmem', async () => {
    const s = (await readProcStatus('self'))!;
    expect(s.rss).toBeGreaterThan(10 * MB);
    expect(s.rssAnon + s.rssFile + s.rssShmem).toBe(s.rss);
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(readProcStatusSync(process.pid)!.vmSize).toBeGreaterThan(s.rss);
  });

  it('answers undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    expect(await readProcStatus(pid)).toBeUndefined();
  });

  it('sees a child allocate 50 MB as anonymous memory', async () => {
    const c = spawnLineChild(process.execPath, [path.join(FIXTURES, 'alloc-child.mjs'), '50']);
    try {
      await c.waitFor(/^ready$/);
      const before = (await readProcStatus(c.pid))!;
      c.send('alloc');
      await c.waitFor(/^allocated$/);
      const after = (await readProcStatus(c.pid))!;
      expect(after.rssAnon - before.rssAnon).toBeGreaterThan(45 * MB);
      expect(Math.abs(after.rssFile - before.rssFile)).toBeLessThan(10 * MB);
    } finally {
      await c.kill();
    }
  });

  it.skipIf(!hasPython)('sees a memory-mapped file as file-backed, not anonymous, memory', async () => {
    const file = path.join(dir, 'mapped.bin');
    writeFileSync(file, Buffer.alloc(64 * MB, 7));
    const c = spawnLineChild('python3', [path.join(FIXTURES, 'mmap-child.py'), file]);
    try {
      await c.waitFor(/^ready$/);
      const before = (await readProcStatus(c.pid))!;
      c.send('touch');
      await c.waitFor(/^touched/);
      const after = (await readProcStatus(c.pid))!;
      expect(after.rssFile - before.rssFile).toBeGreaterThan(56 * MB);
      expect(after.rssAnon - before.rssAnon).toBeLessThan(8 * MB);
    } finally {
      await c.kill();
    }
  });
});
