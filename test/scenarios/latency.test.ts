/**
 * latency through the runner, real host and embedder: the --quick run sends >= 100 single requests (so
 * embed-latency-mean-under-50ms-over-100 is decided, not inconclusive), and reports the host-side IPC buffer
 * high-water mark and the answer frame's bytes per dimension. The frame claim passes on msgpack and fails on NDJSON.
 */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/latency.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { evaluateOne } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { num, runWith } from './throughput-run.ts';

function verdict(id: string, r: ScenarioResult, kind: 'process' | 'http' = 'process'): string {
  const claim = resolveClaim(CLAIMS.find((c) => c.id === id)!);
  return evaluateOne(claim, [r], { name: r.adapter, kind }).verdict;
}

describe('latency scenario', () => {
  it('quick size sends at least 100 single requests', () => {
    expect(scenario.quick.single).toBeGreaterThanOrEqual(100);
  });

  it('reference (msgpack): 100 singles, buffers of a few KB, ~4 bytes per dimension', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(num(r, 'embed.latency.count')).toBeGreaterThanOrEqual(100);
    const buf = num(r, 'host.ipc.bufferBytes.max');
    expect(buf).toBeGreaterThanOrEqual(num(r, 'host.ipc.frameInBytes.max')); // a whole batch answer was held
    expect(buf).toBeLessThan(64 * 1024);
    const perDim = num(r, 'embed.frameBytesPerDim');
    expect(perDim).toBeGreaterThanOrEqual(4);
    expect(perDim).toBeLessThan(4.1);
    // The whole single frame carries a ~37-byte header: more than 4.5 bytes/dim at the tiny model's 64 dims.
    expect(num(r, 'embed.frameBytesPerDim.whole')).toBeGreaterThan(perDim);
    expect(verdict('embedding-frame-4-bytes-per-dim', r)).toBe('pass');
    expect(verdict('host-ipc-buffers-under-1mb', r)).toBe('pass');
    // The 10-vector answer, encoded with the adapter's codec: 10 x 64 x 4 bytes plus headers.
    expect(num(r, 'limits.frame.sentBytes.max')).toBeGreaterThan(10 * 64 * 4);
    expect(verdict('embedder-frames-small', r)).toBe('pass');
    expect(['pass', 'fail']).toContain(verdict('embed-latency-mean-under-50ms-over-100', r));
  }, 60_000);

  it('reference-http: limits.frame.sentBytes is the largest response body the host received (a batch of 10 as JSON)', async () => {
    const r = await runWith(scenario, 'reference-http', { quick: { single: 100, batches: 2 } });
    expect(r.status).toBe('completed');
    const sent = num(r, 'limits.frame.sentBytes.max');
    // Counted on the wire by the host's HTTP client, the same figure as its frameInBytes high-water mark.
    expect(sent).toBe(num(r, 'host.ipc.frameInBytes.max'));
    // 10 x 64 decimal floats in JSON: several times the 4 bytes per dimension of the binary frame, far under 64 KiB.
    expect(sent).toBeGreaterThan(10 * 64 * 8);
    expect(sent).toBeLessThan(64 * 1024);
    expect(r.notes.some((n) => n.startsWith('limits.frame.sentBytes: the largest HTTP response body'))).toBe(true);
    expect(verdict('embedder-frames-small', r, 'http')).toBe('pass');
  }, 60_000);

  it('reference-ndjson: the same vectors as decimal text, ~12 bytes per dimension (the frame claim fails)', async () => {
    const r = await runWith(scenario, 'reference-ndjson', { quick: { single: 100, batches: 2 } });
    expect(r.status).toBe('completed');
    expect(num(r, 'embed.frameBytesPerDim')).toBeGreaterThan(8);
    expect(verdict('embedding-frame-4-bytes-per-dim', r)).toBe('fail');
    expect(num(r, 'host.ipc.bufferBytes.max')).toBeGreaterThan(num(r, 'embed.frameBytes'));
  }, 60_000);
});
