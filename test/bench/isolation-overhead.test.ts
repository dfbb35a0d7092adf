/** Isolation (reference embedder processes vs node-llama-cpp in a child) and sampler overhead, at tiny sizes. */
import { describe, expect, it } from 'vitest';
import { runIsolationInChild } from '../../harness/bench/isolation-runner.ts';
import { benchOverhead, cpuPerCall } from '../../harness/bench/overhead.ts';
import { children } from './children.ts';

describe('isolation', () => {
  it('measures each adapter in each mode and relates the external ones to in-process', async () => {
    const steps: string[] = [];
    const r = await runIsolationInChild({ presets: ['tiny'], lanes: [1], rounds: 1, sliceMs: 60, pings: 3, timeoutMs: 90_000, onStep: (s) => steps.push(s) });
    expect(r.notes.filter((n) => n.includes('lane(s):'))).toEqual([]); // no adapter failed
    expect(r.rows.map((x) => `${x.adapter}/${x.mode}`).sort()).toEqual([
      'in-process/batch10', 'in-process/single', 'reference-uds/batch10', 'reference-uds/single', 'reference/batch10', 'reference/single',
    ]);
    for (const row of r.rows) {
      expect(row.embeddingsPerSec).toBeGreaterThan(0);
      expect(row.rounds).toHaveLength(1);
    }
    expect(r.ratios).toHaveLength(4);
    const ext = r.rows.find((x) => x.adapter === 'reference' && x.mode === 'batch10')!;
    const inp = r.rows.find((x) => x.adapter === 'in-process' && x.mode === 'batch10')!;
    const ratio = r.ratios.find((x) => x.adapter === 'reference' && x.mode === 'batch10')!.ratio;
    // One round: the median of per-round ratios is that round's ratio.
    expect(ratio).toBeCloseTo(ext.embeddingsPerSec / inp.embeddingsPerSec, 2);
    expect(ext.cpuUsPerEmbedding).toBeGreaterThan(0);
    expect(inp.cpuUsPerEmbedding).toBeGreaterThan(0);
    // The CPU quotient the ratio tracks once the cores are the limit: one note per external batch10 ratio, from the same figures.
    const ceiling = r.notes.find((n) => n.startsWith('tiny, reference, 1 lane(s), batch10: CPU per embedding'));
    const [, quotient, measured] = /external CPU: ([\d.]+) \(measured ([\d.]+)\)$/.exec(ceiling ?? '') ?? [];
    expect(Number(quotient)).toBeCloseTo(inp.cpuUsPerEmbedding! / ext.cpuUsPerEmbedding!, 2);
    expect(Number(measured)).toBe(ratio);
    expect(r.models[0]).toMatchObject({ preset: 'tiny', dims: 64 });
    expect(r.adapterPings.map((p) => p.adapter)).toEqual(['reference', 'reference-uds']);
    expect(steps.some((s) => s.includes('round 1/1'))).toBe(true);
    expect(children()).toEqual([]);
  });
});

describe('overhead', () => {
  it('reports the sampler cost and the latency with it off and on, and stops the embedder', async () => {
    const r = await benchOverhead({ rounds: 2, halfMs: 150, tickTimeMs: 20, tickIterations: 5 });
    expect(r.intervalMs).toBe(250);
    expect(r.probes).toEqual(['embedder', 'embedderCpu', 'host']);
    expect(r.tickCpuUs).toBeGreaterThan(0);
    expect(r.cpuPercentOfCore).toBeCloseTo((r.tickCpuUs / 1000 / 250) * 100, 3);
    expect(r.rounds).toBe(2);
    expect(r.latencyOffP50Us).toBeGreaterThan(0);
    expect(r.latencyOnP50Us).toBeGreaterThan(0);
    expect(r.ticks).toBeGreaterThan(0);
    expect(r.notes.filter((n) => n.startsWith('probe '))).toEqual([]);
    expect(children()).toEqual([]);
  });

  it('cpuPerCall counts CPU time, not waiting', async () => {
    // Fixed work (not a time-bounded loop: on a loaded machine wall time is not CPU time).
    let sink = 0;
    const busy = await cpuPerCall(() => { for (let i = 0; i < 3e6; i++) sink += Math.sqrt(i); }, 5);
    const idle = await cpuPerCall(() => new Promise((r) => setTimeout(r, 5)), 5);
    expect(sink).toBeGreaterThan(0);
    expect(busy).toBeGreaterThan(5 * idle);
  });
});
