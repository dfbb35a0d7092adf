/**
 * fuzz: seeded malformed input thrown at an adapter's wire, interleaved with valid probes that must still get the
 * right answer. Process adapters get protocol frames (support/fuzz-stream.ts: random bytes, truncations, bit
 * flips, wrong types in every field, unknown types, missing and duplicate ids, deep nesting, invalid UTF-8, huge
 * strings and batches, requests out of order, length prefixes over the limit); http adapters get HTTP requests
 * (support/fuzz-http.ts: bad JSON, wrong types, wrong content types and methods, huge bodies and batches,
 * lying lengths, raw garbage, slow clients). The frames come from the run seed alone: frame i of seed S is the
 * same in every run, so `gauntlet fuzz --seed S` and a saved case replay it. In-process adapters have no wire.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { FuzzSession } from './support/fuzz-session.ts';
import { fuzzStream, type FuzzTally } from './support/fuzz-stream.ts';
import { fuzzHttp } from './support/fuzz-http.ts';

export default defineScenario({
  id: 'fuzz',
  title: 'Fuzz: seeded malformed frames and requests on the wire, with valid probes in between',
  claims: ['embedder-survives-fuzz', 'fuzz-probes-correct', 'fuzz-no-hang', 'host-never-crashes'],
  appliesTo: (a) => a.config.kind === 'in-process' ? 'an in-process adapter has no wire between host and model to fuzz' : true,
  // quick: ~2,000 frames in about 5 s per adapter; probeEvery frames per batch, each batch followed by a probe. No
  // stream-ending frame in quick mode: each costs a restart (seconds over a socket, where the supervisor waits out
  // its grace before it ends an embedder that closed its connection); bad-input and pipe-disconnect send one each.
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { frames: 2000, requests: 300, probeEvery: 25, httpProbeEvery: 10, streamEnderEvery: 0, slowClients: 3, probeDeadlineMs: 5000, recoverWithinMs: 15_000, maxCases: 3 },
  full: { frames: 20_000, requests: 3000, probeEvery: 25, httpProbeEvery: 10, streamEnderEvery: 2500, slowClients: 6, probeDeadlineMs: 10_000, recoverWithinMs: 30_000, maxCases: 20 },
  timeoutMs: { quick: 90_000, full: 600_000 },
  async run(ctx) {
    const started = performance.now();
    const s = new FuzzSession(ctx, ctx.sizes.probeDeadlineMs);
    await s.open();
    const tally: FuzzTally = { sent: 0, crashes: 0, streamCloses: 0, kinds: {} };
    const seed = ctx.seed;
    if (ctx.adapter.config.kind === 'process') {
      await fuzzStream(ctx, s, {
        frames: ctx.sizes.frames, probeEvery: ctx.sizes.probeEvery, streamEnderEvery: ctx.sizes.streamEnderEvery,
        recoverWithinMs: ctx.sizes.recoverWithinMs, maxCases: ctx.sizes.maxCases,
      }, seed, tally);
    } else {
      await fuzzHttp(ctx, s, {
        requests: ctx.sizes.requests, probeEvery: ctx.sizes.httpProbeEvery, slowClients: ctx.sizes.slowClients,
        recoverWithinMs: ctx.sizes.recoverWithinMs, maxCases: ctx.sizes.maxCases,
      }, seed, tally);
    }
    if (!s.host.alive) throw new Error('the host died');
    // The end: one more probe, so that a crash in the last batch cannot go unseen.
    const mark = s.mark();
    const last = await s.probe();
    if (s.deathsSince(mark).length === 0) s.judge(last.verdict);
    else { tally.crashes++; ctx.error('FUZZ_CRASH', 'the embedder died during the final probe'); }
    const t = s.tally;
    ctx.metric('fuzz.sent', tally.sent);
    ctx.metric('fuzz.crashes', tally.crashes);
    ctx.metric('fuzz.streamCloses', tally.streamCloses);
    ctx.metric('fuzz.probes.sent', t.sent);
    ctx.metric('fuzz.probes.incorrect', t.wrong + t.errors);
    ctx.metric('fuzz.probes.unanswered', t.unanswered);
    ctx.metric('fuzz.probes.correctRatio', t.sent ? t.correct / t.sent : null);
    ctx.metric('fuzz.durationMs', Math.round(performance.now() - started));
    const what = ctx.adapter.config.kind === 'http' ? 'requests' : `${(ctx.adapter.config as { codec: string }).codec} frames`;
    const closes = ctx.adapter.config.kind === 'http' ? '' : `, ${tally.streamCloses} stream close(s) after a length prefix over the limit`;
    ctx.note(`fuzz: seed ${seed}, ${tally.sent} ${what}, ${tally.crashes} crash(es)${closes}, ${s.hosts} host(s); probes ${t.correct}/${t.sent} correct, ${t.unanswered} unanswered, ${t.wrong} wrong, ${t.errors} errors`);
    ctx.note(`fuzz kinds: ${Object.entries(tally.kinds).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  },
});
