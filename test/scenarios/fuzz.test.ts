/**
 * fuzz through the runner, real processes: the clean reference survives seeded frames (msgpack and ndjson) and
 * requests (http) with every probe correct; the planted crash-on-rare-frame is caught, narrowed to the one frame
 * and saved as a case; replaying that case kills a faulty embedder again and leaves a clean one alive.
 */
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/fuzz.ts';
import { casesFromTimeline } from '../../harness/fuzz/cases.ts';
import { regenerate, replayCase } from '../../harness/fuzz/replay.ts';
import { adapterFor, num, runWith } from './throughput-run.ts';

const clean = (r: Awaited<ReturnType<typeof runWith>>) => {
  expect(r.status).toBe('completed');
  expect(num(r, 'fuzz.crashes')).toBe(0);
  expect(num(r, 'fuzz.probes.sent')).toBeGreaterThan(5);
  expect(num(r, 'fuzz.probes.incorrect')).toBe(0);
  expect(num(r, 'fuzz.probes.unanswered')).toBe(0);
  expect(num(r, 'fuzz.probes.correctRatio')).toBe(1);
  expect(r.errors).toEqual([]);
};

describe('fuzz scenario', () => {
  it('reference (stdio msgpack): 600 frames and a stream-ending length prefix, no crash, every probe correct', async () => {
    const r = await runWith(scenario, 'reference', { seed: 1, quick: { frames: 600, streamEnderEvery: 500 } });
    clean(r);
    expect(num(r, 'fuzz.sent')).toBe(600);
    expect(num(r, 'fuzz.streamCloses')).toBe(1);
    expect(casesFromTimeline(r.timeline)).toEqual([]);
  }, 90_000);

  it('reference-ndjson: 600 lines, no crash, every probe correct', async () => {
    clean(await runWith(scenario, 'reference-ndjson', { seed: 1, quick: { frames: 600 } }));
  }, 90_000);

  it('reference-http: 150 requests (slow clients included), no crash, every probe correct', async () => {
    const r = await runWith(scenario, 'reference-http', { seed: 1, quick: { requests: 150 } });
    clean(r);
    expect(num(r, 'fuzz.sent')).toBe(150);
    expect(r.notes.join('\n')).toMatch(/http answers: .*400/);
  }, 90_000);

  it('in-process: not applicable, with the reason', async () => {
    const r = await runWith(scenario, 'in-process');
    expect(r.status).toBe('skipped');
    expect(r.notes[0]).toMatch(/in-process adapter has no wire/);
  }, 30_000);

  it('crash-on-rare-frame: caught, narrowed to frame 170, saved; the case replays on a faulty embedder only', async () => {
    const r = await runWith(scenario, 'reference', { seed: 1, faults: 'crash-on-rare-frame', quick: { frames: 200 } });
    expect(r.status).toBe('completed');
    expect(num(r, 'fuzz.crashes')).toBe(1);
    expect(r.errors.some((e) => e.code === 'FUZZ_CRASH' && e.signal === 'SIGSEGV')).toBe(true);
    const cases = casesFromTimeline(r.timeline);
    expect(cases).toHaveLength(1);
    const fc = cases[0]!;
    expect(fc).toMatchObject({ seed: 1, wire: 'msgpack', indices: [170], kinds: ['wrong-type'], reproducedAlone: true, death: { signal: 'SIGSEGV' } });
    expect(regenerate(fc).equals(Buffer.from(fc.bytes, 'base64'))).toBe(true);

    const faulty = await replayCase(fc, await adapterFor('reference', { faults: 'crash-on-rare-frame' }));
    expect(faulty).toMatchObject({ reproduced: true, bytesMatchSeed: true, death: { signal: 'SIGSEGV' } });
    const ok = await replayCase(fc, await adapterFor('reference'));
    expect(ok).toMatchObject({ reproduced: false, probe: 'answered' });
  }, 120_000);
});
