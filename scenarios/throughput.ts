/**
 * throughput: completed single-text requests per second and texts per second with batches of 10, each measured
 * serially (one request at a time) and with `max(2, lanes)` requests in flight. Every phase runs for a fixed
 * time (bounded), every answer is checked bit-for-bit against the serial vector of its own text.
 *
 * The claim metrics (`throughput.single`, `throughput.batchTexts`) are the serial figures, the conservative
 * reading of seed 001's "single requests" and "batch requests"; the concurrent figures are reported beside them.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { HostHandle } from '../harness/host/types.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { distinctTexts } from './support/concurrent-embeds-texts.ts';
import { allFinite, cosine, embedRequired, identical, oracleVectors, recordMax } from './support/measure.ts';
import { recordSentFrameBytes } from './support/throughput-frames.ts';
import { recordIpcBuffers } from './support/ipc-stats.ts';

interface PhaseResult { completed: number; texts: number; errors: number; mismatches: number; seconds: number; durations: number[] }

/** Runs `workers` loops that each send requests back to back until `phaseMs` passed or `maxRequests` were sent. */
async function phase(
  ctx: ScenarioContext, workers: number, phaseMs: number, maxRequests: number,
  send: (n: number) => Promise<{ texts: number; mismatches: number }>,
): Promise<PhaseResult> {
  const r: PhaseResult = { completed: 0, texts: 0, errors: 0, mismatches: 0, seconds: 0, durations: [] };
  const t0 = performance.now();
  const end = t0 + phaseMs;
  let issued = 0;
  const errors: string[] = [];
  let lastDone = t0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < end && issued < maxRequests && !ctx.signal.aborted) {
      const n = issued++;
      const s = performance.now();
      try {
        const got = await send(n);
        r.durations.push(performance.now() - s);
        r.completed++;
        r.texts += got.texts;
        r.mismatches += got.mismatches;
        lastDone = performance.now();
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        r.errors++;
        if (errors.length < 3) errors.push((e as Error).message);
      }
    }
  }));
  // With failed requests, the phase's time ends at its last answer: a request that waited for its deadline (one the
  // embedder lost) does not count as time spent serving. Without failures this is the phase's wall time.
  r.seconds = ((r.errors > 0 && r.completed > 0 ? lastDone : performance.now()) - t0) / 1000;
  if (errors.length) ctx.error('REQUEST_FAILED', `${r.errors} request(s) failed during a throughput phase; first: ${errors.join(' | ')}`);
  return r;
}

export default defineScenario({
  id: 'throughput',
  title: 'Throughput: single requests/s and batched texts/s, serial and concurrent',
  claims: ['throughput-single-over-40-per-s', 'throughput-batched-over-100-texts-per-s', 'host-rss-under-100mb', 'embedder-frames-small', 'host-ipc-buffers-under-1mb'],
  quick: { warmup: 10, phaseMs: 500, maxRequests: 2000, concurrency: 0 },
  full: { warmup: 50, phaseMs: 5000, maxRequests: 100_000, concurrency: 0 },
  timeoutMs: { quick: 60_000, full: 180_000 },
  async run(ctx) {
    const host: HostHandle = await ctx.startHost();
    const texts = distinctTexts(ctx.rng, 40);
    const reference = await oracleVectors(ctx, texts.slice(0, 10));
    // Serial vectors of every text: the yardstick for every later answer.
    const serial: Float32Array[] = [];
    for (const t of texts) serial.push(await embedRequired(host, t, { signal: ctx.signal }));
    let minCos = 1;
    let bad = 0;
    serial.forEach((v, i) => {
      if (!allFinite(v) || v.length === 0) bad++;
      if (reference && i < reference.length) minCos = Math.min(minCos, cosine(v, reference[i]!));
    });
    for (let i = 0; i < ctx.sizes.warmup; i++) await embedRequired(host, texts[i % texts.length]!, { signal: ctx.signal });

    const concurrency = ctx.sizes.concurrency > 0 ? ctx.sizes.concurrency : Math.max(2, ctx.adapter.lanes);
    // A deadline in proportion to the phase (2 s in --quick, 10 s in full): a request the embedder never answers
    // holds up its worker this long, and a phase must not outlast the scenario's limit because of one.
    const callOpts = { timeoutMs: Math.min(10_000, Math.max(2_000, ctx.sizes.phaseMs * 4)), signal: ctx.signal };
    const single = async (n: number) => {
      const i = n % texts.length;
      const v = await host.embed(texts[i]!, callOpts);
      return { texts: 1, mismatches: identical(v, serial[i]!) ? 0 : 1 };
    };
    let largestBatch: Float32Array[] | undefined;
    const batch = async (n: number) => {
      const idx = Array.from({ length: 10 }, (_, k) => (n * 10 + k) % texts.length);
      const vs = await host.embedBatch(idx.map((i) => texts[i]!), callOpts);
      largestBatch ??= vs;
      let mismatches = vs.length === 10 ? 0 : 10;
      vs.forEach((v, k) => { if (!identical(v, serial[idx[k]!]!)) mismatches++; });
      return { texts: vs.length, mismatches };
    };

    const { phaseMs, maxRequests } = ctx.sizes;
    const singleSerial = await phase(ctx, 1, phaseMs, maxRequests, single);
    const singleConc = await phase(ctx, concurrency, phaseMs, maxRequests, single);
    const batchSerial = await phase(ctx, 1, phaseMs, Math.ceil(maxRequests / 10), batch);
    const batchConc = await phase(ctx, concurrency, phaseMs, Math.ceil(maxRequests / 10), batch);

    const rate = (n: number, r: PhaseResult) => (r.seconds > 0 ? n / r.seconds : null);
    // Each rate's interval comes from its phase's request durations (rate = scale / mean duration).
    ctx.latency('throughputSingle', singleSerial.durations, singleSerial.errors);
    ctx.latency('throughputBatch10', batchSerial.durations, batchSerial.errors);
    ctx.latency('throughputSingleConcurrent', singleConc.durations, singleConc.errors);
    ctx.latency('throughputBatch10Concurrent', batchConc.durations, batchConc.errors);
    ctx.metric('throughput.single', rate(singleSerial.completed, singleSerial), { samples: 'throughputSingle', stat: 'rate' });
    ctx.metric('throughput.single.concurrent', rate(singleConc.completed, singleConc), { samples: 'throughputSingleConcurrent', stat: 'rate' });
    ctx.metric('throughput.batchTexts', rate(batchSerial.texts, batchSerial), { samples: 'throughputBatch10', stat: 'rate' });
    ctx.metric('throughput.batchTexts.concurrent', rate(batchConc.texts, batchConc), { samples: 'throughputBatch10Concurrent', stat: 'rate' });
    ctx.metric('throughput.concurrency', concurrency);
    const phases = [singleSerial, singleConc, batchSerial, batchConc];
    const mismatches = phases.reduce((a, p) => a + p.mismatches, 0);
    ctx.metric('throughput.errors', phases.reduce((a, p) => a + p.errors, 0));
    ctx.metric('throughput.vectorMismatches', mismatches);
    ctx.metric('throughput.badVectors', bad);
    if (mismatches > 0) ctx.error('VECTOR_MISMATCH', `${mismatches} vector(s) under load differ from the serial vector of the same text`);
    if (bad > 0) ctx.error('BAD_VECTOR', `${bad} serial vector(s) were empty or not finite`);
    ctx.metric('correctness.minCosine', reference ? minCos : null);
    ctx.metric('correctness.minCosine.min', reference ? minCos : null);

    const ipc = await host.ipcStats({ signal: ctx.signal });
    recordSentFrameBytes(ctx, ipc, largestBatch);
    recordIpcBuffers(ctx, ipc);
    const mem = await ctx.sampleHost(host, { gc: false });
    recordMax(ctx, 'host.rss', [mem.rss]);
    ctx.note(`concurrent phases keep ${concurrency} requests in flight (max(2, lanes=${ctx.adapter.lanes})); each phase runs ${phaseMs} ms.`);
  },
});
