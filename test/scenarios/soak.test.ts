/**
 * soak through the runner, reference adapter, quick size: slopes present and small; and a planted leak
 * (the reference embedder's leak=KB switch) shows as an embedder slope near the planted amount.
 */
import { describe, expect, it } from 'vitest';
import soak from '../../scenarios/soak.ts';
import { runCompleted, runOnce, withQuick } from './corrupt-gguf-run.ts';

describe('soak scenario', () => {
  it('reference: flat host heap and embedder RssAnon', async () => {
    const r = await runCompleted(soak, 'reference');
    const m = r.metrics;
    expect(m['soak.requests']).toBe(300);
    expect(m['soak.samples']).toBeGreaterThanOrEqual(20);
    expect(m['soak.errors']).toBe(0);
    expect(Math.abs(m['soak.hostHeapSlope']!)).toBeLessThan(100 * 1024);
    expect(Math.abs(m['soak.embedderRssAnonSlope']!)).toBeLessThan(100 * 1024);
    expect(m['host.heapUsed.growth.max']).toBeTypeOf('number');
    expect(m['host.rss.max']).toBeGreaterThan(0);
    expect(m['embedder.rssAnon.max']).toBeGreaterThan(0);
    expect(r.series?.hostHeapUsed?.length).toBeGreaterThanOrEqual(20);
  }, 180_000);

  it('a planted leak of 200 KB per request shows in the embedder slope', async () => {
    const r = await runOnce(withQuick(soak, { requests: 150, sampleEvery: 10 }), 'reference', { extraArgs: ['--fault', 'leak=200'] });
    const slope = r.metrics['soak.embedderRssAnonSlope']!;
    console.log('soak/reference leak=200', JSON.stringify(r.metrics));
    expect(slope).toBeGreaterThan(150 * 1024);
    expect(slope).toBeLessThan(400 * 1024);
    expect(Math.abs(r.metrics['soak.hostHeapSlope']!)).toBeLessThan(100 * 1024);
  }, 180_000);
});
