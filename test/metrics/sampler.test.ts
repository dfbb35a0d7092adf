import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sampler, procStatusProbe } from '../../harness/metrics/sampler.ts';
import { spawnLineChild } from './fixtures/spawn-child.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Sampler', () => {
  it('polls probes at its interval from t=0, with one series per figure', async () => {
    let n = 0;
    const s = new Sampler({ intervalMs: 20, probes: { counter: () => ++n, pair: () => ({ a: 1, b: 2, none: undefined }), nothing: () => undefined } });
    const seen: string[] = [];
    s.on('sample', (e: { series: string }) => seen.push(e.series));
    s.start();
    await sleep(0);
    expect(n).toBe(1); // the first sample is taken at start(), before the first interval
    await sleep(230);
    const r = await s.stop();
    const c = r.series.counter!;
    expect(c.length).toBeGreaterThanOrEqual(6);
    expect(c.length).toBeLessThanOrEqual(16);
    for (let i = 1; i < c.length; i++) expect(c[i]!.t).toBeGreaterThan(c[i - 1]!.t);
    expect(c.map((p) => p.value)).toEqual(c.map((_, i) => i + 1));
    expect(Object.keys(r.series).sort()).toEqual(['counter', 'pair.a', 'pair.b']);
    expect(seen.filter((x) => x === 'counter')).toHaveLength(c.length);
    expect(r.overhead.ticks).toBe(c.length);
  });

  it('records probe errors and timeouts without stopping the other probes, and skips ticks that would overlap', async () => {
    const s = new Sampler({
      intervalMs: 10, probeTimeoutMs: 60,
      probes: { ok: () => 1, broken: () => { throw new Error('boom'); }, stuck: () => new Promise<number>(() => {}) },
      finalSample: false,
    });
    const errors: string[] = [];
    s.on('probe-error', (e: { error: Error }) => errors.push(e.error.message));
    s.start();
    await sleep(200);
    const r = await s.stop();
    expect(r.series.ok!.length).toBeGreaterThanOrEqual(2);
    expect(r.errors.broken!.last).toBe('boom');
    expect(r.errors.stuck!.last).toMatch(/probe "stuck" took longer than 60 ms/);
    expect(r.errors.broken!.count).toBe(r.overhead.ticks);
    expect(r.overhead.skippedTicks).toBeGreaterThan(0);
    expect(errors.length).toBe(r.errors.broken!.count + r.errors.stuck!.count);
  });

  it('measures its own CPU cost', async () => {
    // Burns at least 4 ms of CPU time (so the CPU figure holds on a loaded machine) and at least 4 ms of wall time
    // (process.cpuUsage counts every thread, so other threads can bring 4 ms of CPU in under 4 ms of wall).
    const busy = () => {
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      for (;;) {
        const d = process.cpuUsage(c0);
        if (d.user + d.system >= 4000 && performance.now() - w0 >= 4) return 1;
      }
    };
    const s = new Sampler({ intervalMs: 25, probes: { busy } }).start();
    await sleep(200);
    const { overhead } = await s.stop();
    expect(overhead.ticks).toBeGreaterThanOrEqual(5);
    expect(overhead.cpuMs).toBeGreaterThanOrEqual(overhead.ticks * 4);
    expect(overhead.meanTickMs).toBeGreaterThanOrEqual(4);
    expect(overhead.cpuShare).toBeGreaterThan(0.05);
    const idle = new Sampler({ intervalMs: 25, probes: { cheap: () => 1 } }).start();
    await sleep(200);
    expect((await idle.stop()).overhead.cpuShare).toBeLessThan(overhead.cpuShare);
  });

  it('follows a real child process through procStatusProbe', async () => {
    const c = spawnLineChild(process.execPath, [path.join(import.meta.dirname, 'fixtures', 'alloc-child.mjs'), '40']);
    try {
      await c.waitFor(/^ready$/);
      const s = new Sampler({ intervalMs: 25, probes: { child: procStatusProbe(c.pid) } }).start();
      await sleep(100);
      c.send('alloc');
      await c.waitFor(/^allocated$/);
      await sleep(100);
      const r = await s.stop();
      const anon = r.series['child.rssAnon']!.map((p) => p.value);
      expect(Math.max(...anon) - anon[0]!).toBeGreaterThan(35 * 1024 * 1024);
      expect(r.series['child.rss']!.length).toBe(anon.length);
    } finally {
      await c.kill();
    }
  });

  it('rejects a bad interval and a second start', () => {
    expect(() => new Sampler({ intervalMs: 0, probes: {} })).toThrow(/intervalMs must be >= 1, got 0/);
    const s = new Sampler({ intervalMs: 50, probes: {} }).start();
    expect(() => s.start()).toThrow(/once/);
    return s.stop();
  });
});
