/**
 * The protocol-frame fuzz of a process adapter: seeded frames (harness/fuzz/protocol-frames.ts) written past the
 * codec into the host's embedder connection (the raw write hook scenarios/support/bad-input-raw.ts uses; answers
 * to the frames' ids come back as `unmatched-response` events), `probeEvery` frames at a time, each batch followed
 * by a valid probe. A death after a batch is a crash unless the batch ended with the one stream-ending kind (a
 * length prefix over the limit) and the embedder then ended its stream the way docs/protocol.md allows: exited on
 * its own without a signal, or was ended by the supervisor for closing its connection. A crash is narrowed down by
 * sending the batch's frames again one at a time, each followed by a probe, and saved as a replayable case.
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import type { ProcessAdapterConfig } from '../../harness/adapters/types.ts';
import { FUZZ_CASE_LABEL, type FuzzCase } from '../../harness/fuzz/cases.ts';
import { fuzzFrame, type FuzzFrame } from '../../harness/fuzz/protocol-frames.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import type { FuzzSession } from './fuzz-session.ts';

export interface StreamFuzzSizes {
  frames: number;
  probeEvery: number;
  streamEnderEvery: number;
  recoverWithinMs: number;
  maxCases: number;
}

export interface FuzzTally { sent: number; crashes: number; streamCloses: number; kinds: Record<string, number> }

function describeDeath(e: LifecycleEvent): FuzzCase['death'] {
  return { reason: String(e.reason ?? 'exit'), signal: typeof e.signal === 'string' ? e.signal : null, exitCode: typeof e.exitCode === 'number' ? e.exitCode : null };
}

/** The end docs/protocol.md allows after a length prefix over the limit: the embedder's own exit without a signal, or its connection closed. */
function allowedStreamEnd(e: LifecycleEvent): boolean {
  const d = describeDeath(e);
  return d.reason === 'connection-closed' || (d.reason === 'exit' && d.signal === null);
}

export async function fuzzStream(ctx: ScenarioContext, s: FuzzSession, sizes: StreamFuzzSizes, seed: number, tally: FuzzTally): Promise<void> {
  const c = ctx.adapter.config as ProcessAdapterConfig;
  const opts = { codec: c.codec, maxFrameBytes: ctx.adapter.maxFrameBytes, maxBatch: ctx.adapter.maxBatch, streamEnderEvery: sizes.streamEnderEvery };
  let saved = 0;

  const saveCase = (frames: FuzzFrame[], alone: boolean, death: LifecycleEvent) => {
    tally.crashes++;
    const d = describeDeath(death);
    const kinds = frames.map((f) => f.kind);
    ctx.error('FUZZ_CRASH', `frame${frames.length > 1 ? 's' : ''} ${frames.map((f) => f.index).join(',')} (${[...new Set(kinds)].join(', ')}) killed the embedder (${d.reason}, ${d.signal ?? `exit ${d.exitCode}`})`, {
      signal: d.signal, exitCode: d.exitCode, ...(typeof death.stderrTail === 'string' ? { stderrTail: death.stderrTail.slice(-2000) } : {}),
    });
    if (saved >= sizes.maxCases) return;
    saved++;
    const fc: FuzzCase = {
      seed, wire: c.codec, options: { maxFrameBytes: opts.maxFrameBytes, maxBatch: opts.maxBatch, streamEnderEvery: opts.streamEnderEvery }, indices: frames.map((f) => f.index), kinds, bytes: Buffer.concat(frames.map((f) => f.bytes)).toString('base64'),
      reproducedAlone: alone, death: d, ...(typeof death.stderrTail === 'string' ? { stderrTail: death.stderrTail.slice(-800) } : {}),
    };
    ctx.timeline.add('fault', FUZZ_CASE_LABEL, fc as unknown as Record<string, unknown>);
  };

  /** Sends each frame of a crashing batch alone; the first that kills the embedder is the case. */
  const narrow = async (frames: FuzzFrame[], death: LifecycleEvent) => {
    await s.recover(sizes.recoverWithinMs);
    for (const f of frames) {
      if (f.endsStream || ctx.signal.aborted) continue;
      const mark = s.mark();
      await s.host.writeRaw(f.bytes, { signal: ctx.signal }).catch(() => false);
      await s.host.embed('fuzz narrowing probe', { timeoutMs: sizes.recoverWithinMs, signal: ctx.signal }).catch(() => undefined);
      const died = s.deathsSince(mark);
      if (died.length > 0) {
        saveCase([f], true, died[0]!);
        await s.recover(sizes.recoverWithinMs);
        return;
      }
    }
    saveCase(frames.filter((f) => !f.endsStream), false, death);
  };

  for (let start = 0; start < sizes.frames && !ctx.signal.aborted; start += sizes.probeEvery) {
    if (tally.crashes >= sizes.maxCases) {
      ctx.note(`stopped after ${tally.crashes} crashes at frame ${start} of ${sizes.frames}: each is saved as a case`);
      break;
    }
    const frames: FuzzFrame[] = [];
    for (let i = start; i < Math.min(sizes.frames, start + sizes.probeEvery); i++) frames.push(fuzzFrame(seed, i, opts));
    for (const f of frames) tally.kinds[f.kind] = (tally.kinds[f.kind] ?? 0) + 1;
    tally.sent += frames.length;
    const ender = frames.some((f) => f.endsStream);
    const mark = s.mark();
    const written = await s.host.writeRaw(Buffer.concat(frames.map((f) => f.bytes)), { signal: ctx.signal }).catch(() => false);
    if (!written) ctx.note(`frames ${start}..${start + frames.length - 1}: the raw write was refused (connection full or gone)`);
    // After a stream-ending frame, give the embedder time to end its stream before a probe can be caught in it.
    if (ender) await s.waitDeath(mark, 3000);
    const probe = ender && s.deathsSince(mark).length > 0 ? undefined : await s.probe();
    const deaths = s.deathsSince(mark);
    if (deaths.length === 0) {
      if (probe) s.judge(probe.verdict);
      if (probe && probe.verdict !== 'correct') ctx.error(probe.verdict === 'unanswered' ? 'FUZZ_PROBE_UNANSWERED' : 'FUZZ_PROBE_WRONG', `probe after frames ${start}..${start + frames.length - 1}: ${probe.verdict}: ${probe.detail}`);
      if (!ender) continue;
      ctx.note(`frames ${start}..${start + frames.length - 1}: the embedder kept its stream after a length prefix over the limit`);
      continue;
    }
    if (ender && deaths.length === 1 && allowedStreamEnd(deaths[0]!)) {
      tally.streamCloses++;
      await s.recover(sizes.recoverWithinMs);
      continue;
    }
    await narrow(frames, deaths[0]!);
  }
}
