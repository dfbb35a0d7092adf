/** throughput through the runner: rates present and plausible, every answer equal to its serial vector; nondeterminism caught. */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/throughput.ts';
import { num, runWith } from './throughput-run.ts';

describe('throughput scenario', () => {
  it('reference: serial and concurrent rates for single requests and batches of 10', async () => {
    const r = await runWith(scenario, 'reference', { quick: { phaseMs: 300 } });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    for (const k of ['throughput.single', 'throughput.single.concurrent', 'throughput.batchTexts', 'throughput.batchTexts.concurrent']) {
      expect(num(r, k)).toBeGreaterThan(5); // the tiny model answers in ~1 ms; 5/s would mean something is stuck
      expect(num(r, k)).toBeLessThan(1e6);
    }
    expect(num(r, 'throughput.concurrency')).toBe(2);
    expect(num(r, 'throughput.vectorMismatches')).toBe(0);
    expect(num(r, 'throughput.errors')).toBe(0);
    expect(num(r, 'host.rss.max')).toBeGreaterThan(10e6);
    // 10 vectors of 64 dims as Float32 bins, plus the map around them.
    expect(num(r, 'limits.frame.sentBytes.max')).toBeGreaterThan(10 * 64 * 4);
    expect(r.latency?.throughputSingle?.count).toBeGreaterThan(10);
    // The host's frame reader held at least one whole batch answer; two requests in flight keep it in KB.
    expect(num(r, 'host.ipc.bufferBytes.max')).toBeGreaterThan(10 * 64 * 4);
    expect(num(r, 'host.ipc.bufferBytes.max')).toBeLessThan(64 * 1024);
  }, 60_000);

  it('nondeterministic embedder: answers under load differ from the serial ones', async () => {
    const r = await runWith(scenario, 'reference', { faults: 'nondeterministic', quick: { phaseMs: 200 } });
    expect(num(r, 'throughput.vectorMismatches')).toBeGreaterThan(0);
    expect(r.errors.some((e) => e.code === 'VECTOR_MISMATCH')).toBe(true);
  }, 60_000);
});
