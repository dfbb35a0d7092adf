/**
 * bad-input: requests the embedder must refuse with an error while staying up: an empty text, a text over the
 * context, a text over the frame limit, a lone surrogate, raw invalid UTF-8 (process adapters: a frame written past
 * the codec; http: a raw body), a batch of maxBatch + 1 texts, and a batch holding a non-string. After each: the
 * embedder must be the same live process (no crash event, same pid) and the next request must return the right
 * vector. A bad input that gets a vector is recorded as accepted.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { LifecycleEvent } from '../harness/adapters/types.ts';
import { pidAlive } from '../harness/faults/proc.ts';
import { GauntletError, toError } from '../harness/util/errors.ts';
import { embedRequired, identical, recordMax } from './support/measure.ts';
import { sendInvalidUtf8 } from './support/bad-input-raw.ts';
import { recordSentFrameBytes, requestFrameBytes } from './support/throughput-frames.ts';

interface Case { name: string; texts: unknown[]; batch: boolean }

/** Frame-limit refusals: by the embedder (bad-frame), an http server (413) or the host's own codec before sending. */
function limitRefusal(e: Error): boolean {
  if (!(e instanceof GauntletError)) return false;
  const d = e.details;
  return d.embedderCode === 'bad-frame' || d.status === 413 || (d.maxFrameBytes !== undefined && d.payload !== undefined);
}

export default defineScenario({
  id: 'bad-input',
  title: 'Bad input: empty, over-long, invalid UTF-8, over-long and mixed batches',
  claims: ['embedder-survives-bad-frames-and-input', 'batch-limit-10', 'frame-limit-64kb', 'embedder-frames-small', 'host-never-crashes'],
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { rounds: 1 },
  full: { rounds: 3 },
  timeoutMs: { quick: 60_000, full: 180_000 },
  async run(ctx) {
    const host = await ctx.startHost({ deferStart: true });
    const events: LifecycleEvent[] = [];
    host.on('lifecycle', (e) => events.push(e));
    const info = await host.start({ signal: ctx.signal });
    const baseUrl = events.map((e) => e.baseUrl).find((u): u is string => typeof u === 'string');
    const control = 'bad input control text';
    const good = await embedRequired(host, control, { signal: ctx.signal });
    const ten = Array.from({ length: ctx.adapter.maxBatch }, (_, i) => `${control} ${i}`);
    const tenVectors = await host.embedBatch(ten, { signal: ctx.signal });
    const contextTokens = info.contextSize ?? 512;
    const maxFrame = ctx.adapter.maxFrameBytes;
    const cases: Case[] = [
      { name: 'empty text', texts: [''], batch: false },
      { name: `text over the context (${contextTokens * 2} words)`, texts: ['a '.repeat(contextTokens * 2)], batch: false },
      { name: `text over the frame limit (${maxFrame + 4096} bytes)`, texts: ['a '.repeat(Math.ceil((maxFrame + 4096) / 2))], batch: false },
      { name: 'lone surrogate', texts: ['abc \ud800 def'], batch: false },
      { name: `batch of ${ctx.adapter.maxBatch + 1} texts`, texts: [...ten, 'one too many'], batch: true },
      { name: 'batch with a non-string', texts: [...ten.slice(0, 9), 42], batch: true },
      { name: 'batch with an empty text', texts: [...ten.slice(0, 9), ''], batch: true },
    ];

    let pid = await host.embedderPid({ signal: ctx.signal });
    let crashes = 0, accepted = 0, notRecovered = 0, refused = 0;
    const acceptedBatchTexts: number[] = [ten.length];
    const acceptedFrames: number[] = [];
    const tenFrame = requestFrameBytes(ctx.adapter, ten, false);
    if (tenFrame !== undefined) acceptedFrames.push(tenFrame);

    const afterCase = async (name: string, mark: number) => {
      const died = events.slice(mark).filter((e) => e.type === 'crash');
      const now = await host.embedderPid({ signal: ctx.signal }).catch(() => undefined);
      const gone = pid !== undefined && (now !== pid || !pidAlive(pid));
      if (died.length || gone) {
        crashes++;
        const first = died[0];
        const bySupervisor = first?.reason === 'connection-closed' ? '; the supervisor killed it after its own write was refused (the host-side codec refuses frames over the limit)' : '';
        ctx.error('EMBEDDER_DIED', `${name}: the embedder (pid ${pid}) went away${first ? ` (${String(first.reason ?? '')}, ${String(first.signal ?? first.exitCode ?? '')})` : ''}${bySupervisor}`, {
          signal: typeof first?.signal === 'string' ? first.signal : null,
          stderrTail: typeof first?.stderrTail === 'string' ? first.stderrTail.slice(-2000) : undefined,
        });
        pid = now;
      }
      const next = await host.embed(control, { timeoutMs: 10_000, signal: ctx.signal }).catch((e: unknown) => toError(e));
      if (next instanceof Error || !identical(next, good)) {
        notRecovered++;
        ctx.error('NOT_RECOVERED', `${name}: the next request ${next instanceof Error ? `failed: ${next.message}` : 'returned a different vector'}`);
      }
    };

    for (let round = 0; round < ctx.sizes.rounds; round++) {
      for (const c of cases) {
        const mark = events.length;
        const frame = requestFrameBytes(ctx.adapter, c.texts, !c.batch);
        try {
          // Each case is a deliberate edge case: not a valid request (claim valid-requests-succeed); the control after it is.
          const opts = { timeoutMs: 10_000, signal: ctx.signal, invalid: `bad-input case: ${c.name}` };
          const call = c.batch ? host.embedBatch(c.texts as string[], opts) : host.embed(c.texts[0] as string, opts);
          const got = await call;
          accepted++;
          if (c.batch) acceptedBatchTexts.push((got as Float32Array[]).length);
          if (frame !== undefined) acceptedFrames.push(frame);
          ctx.error('ACCEPTED_BAD_INPUT', `${c.name}: answered with ${c.batch ? `${(got as Float32Array[]).length} vectors` : `a vector of ${(got as Float32Array).length} dims`} instead of an error`);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const err = toError(e);
          refused++;
          const reached = err instanceof GauntletError && (err.details.embedderCode !== undefined || err.details.status !== undefined);
          if (reached && !limitRefusal(err) && frame !== undefined) acceptedFrames.push(frame);
          if (!(err instanceof GauntletError)) ctx.error('UNTYPED_ERROR', `${c.name}: failed without a stable error code: ${err.message}`);
          const detail = err instanceof GauntletError ? err.details.embedderCode ?? err.details.code ?? err.details.status : undefined;
          ctx.note(`${c.name}: ${err instanceof GauntletError ? err.code : 'error'}${detail !== undefined ? ` (${String(detail)})` : ''}`);
        }
        await afterCase(c.name, mark);
      }
      const mark = events.length;
      const raw = await sendInvalidUtf8(ctx, host, events, baseUrl);
      if (raw.kind === 'not-applicable') ctx.note(`invalid UTF-8: not sent (${raw.detail})`);
      else {
        ctx.note(`invalid UTF-8: ${raw.detail}`);
        if (raw.kind === 'accepted') { accepted++; ctx.error('ACCEPTED_BAD_INPUT', `invalid UTF-8: ${raw.detail} instead of an error`); }
        else if (raw.kind === 'no-answer') ctx.error('NO_ERROR_ANSWER', `invalid UTF-8: ${raw.detail}`);
        else refused++;
        await afterCase('invalid UTF-8', mark);
      }
    }
    if (!host.alive) throw new Error('the host died');
    ctx.metric('limits.embedderCrashes', crashes);
    ctx.metric('badInput.accepted', accepted);
    ctx.metric('badInput.refused', refused);
    ctx.metric('badInput.notRecovered', notRecovered);
    recordMax(ctx, 'limits.batch.acceptedTexts', acceptedBatchTexts);
    ctx.metric('limits.frame.acceptedBytes.max', ctx.adapter.config.kind === 'in-process' || !acceptedFrames.length ? null : Math.max(...acceptedFrames));
    recordSentFrameBytes(ctx, await host.ipcStats({ signal: ctx.signal }), tenVectors);
    ctx.note('limits.frame.acceptedBytes: computed by encoding the same message with the adapter\'s codec (http: the JSON request body), not counted on the wire.');
  },
});
