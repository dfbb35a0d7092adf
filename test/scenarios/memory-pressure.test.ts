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
});
