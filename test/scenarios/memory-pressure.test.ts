/** memory-pressure through the runner, reference adapter, quick size (a ~250 MB generated model). */
import { describe, expect, it } from 'vitest';
import memoryPressure from '../../scenarios/memory-pressure.ts';
import { runOnce } from './corrupt-gguf-run.ts';

describe('memory-pressure scenario', () => {
  it('reference: host growth, large-model pages file-backed, embedder limit refused while the host lives', async () => {
    const r = await runOnce(memoryPressure, 'reference');
    expect(r.status, JSON.stringify(r.errors)).toBe('completed');
    const m = r.metrics;
    console.log('memory-pressure/reference', r.durationMs, 'ms', JSON.stringify(m), r.notes);
    expect(m['host.crashes']).toBe(0);
    expect(m['memoryPressure.requests']).toBeGreaterThanOrEqual(100);
    expect(Math.abs(m['host.heapUsed.growth.max']!)).toBeLessThan(50e6);
    expect(m['host.rss.max']).toBeGreaterThan(20e6);
    expect(m['embedder.rssAnon.max']).toBeGreaterThan(5e6);
    expect(m['memory.model.bytes']).toBeGreaterThan(100e6);
    // llama.cpp maps the model with MAP_POPULATE: most of the file shows as RssFile right after load.
    expect(m['memory.model.fileBackedRatio']).toBeGreaterThan(0.5);
    expect(m['memory.model.rssAnonDelta']).toBeLessThan(m['memory.model.rssFileDelta']!);
    // The host never holds the model with a process adapter.
    expect(m['host.heapUsed.loadDelta.max']).toBeLessThan(10e6);
    expect(m['memoryPressure.limit.embedderFailed']).toBe(1);
    expect(m['memoryPressure.limit.hostSurvived']).toBe(1);
    expect(r.timeline.some((e) => e.kind === 'fault' && (e.details as { kind?: string }).kind === 'memory-limit' && (e.details as { tookEffect?: boolean }).tookEffect)).toBe(true);
  }, 300_000);

  it('in-process: the large model with mmap off lands in the host\'s anonymous memory and the host survives (thesis 002 refuted)', async () => {
    const r = await runOnce(memoryPressure, 'in-process');
    expect(r.status, JSON.stringify(r.errors)).toBe('completed');
    const m = r.metrics;
    console.log('memory-pressure/in-process', r.durationMs, 'ms', JSON.stringify(m), r.notes);
    expect(m['host.crashes']).toBe(0);
    // mmap on: the weights are the file's pages (RssFile), not the host's anonymous memory.
    expect(m['inProcess.load.hostCrashed']).toBe(0);
    expect(m['memory.model.rssFileDelta']).toBeGreaterThan(m['memory.model.rssAnonDelta']!);
    // mmap off: a 100 MB+ native allocation inside the Node process, measured, and the host lives.
    expect(m['inProcess.loadNoMmap.hostCrashed']).toBe(0);
    expect(m['inProcess.loadNoMmap.modelBytes']).toBeGreaterThanOrEqual(100e6);
    expect(m['inProcess.loadNoMmap.rssAnonDelta']).toBeGreaterThan(0.8 * m['inProcess.loadNoMmap.modelBytes']!);
    expect(m['inProcess.loadNoMmap.rssFileDelta']).toBeLessThan(0.2 * m['inProcess.loadNoMmap.modelBytes']!);
    // The weights are native memory: V8's heap does not grow with them (~10 MB is node-llama-cpp's own JS).
    expect(m['inProcess.loadNoMmap.heapUsedDelta']).toBeLessThan(0.1 * m['inProcess.loadNoMmap.modelBytes']!);
    // With mmap on, the same load grew RssFile instead (asserted above); with it off, RssAnon grows by ~ the model.
    expect(m['inProcess.loadNoMmap.rssAnonDelta']! - m['memory.model.rssAnonDelta']!).toBeGreaterThan(0.8 * m['inProcess.loadNoMmap.modelBytes']!);
    expect(m['inProcess.jsAlloc.crashed']).toBe(0);
    expect(m['inProcess.jsAlloc.bytes']).toBe(256 * 2 ** 20);
  }, 300_000);
});
