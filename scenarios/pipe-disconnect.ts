/**
 * pipe-disconnect: the byte stream between host and embedder broken or garbled. The embedder is started through a
 * relay (support/pipe-disconnect-relay.ts) so that the stream, stdio or Unix socket, passes through the fault proxy:
 * either side half-closed (the host's input ends: "the embedder closed"; the embedder's input ends: "stdin closed"),
 * both dropped, frames sliced into 1-3 byte pieces, garbage bytes and an oversized length prefix in each direction.
 * Per trial: the request sent into the fault must succeed or fail with a typed error, the host must survive, and the
 * next embedding must succeed and equal the vector from before.
 */
import path from 'node:path';
import type { ProcessAdapterConfig } from '../harness/adapters/types.ts';
import type { FaultProxy, ToxicSpec } from '../harness/faults/index.ts';
import type { HostHandle } from '../harness/host/types.ts';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { nodeEntryArgs } from '../harness/util/bundle.ts';
import { identical, nextGoodEmbedding, outcome, type CallOutcome } from './support/measure.ts';

const RELAY = 'scenarios/support/pipe-disconnect-relay.ts';
const TEXT = 'pipe disconnect vector check';
const CLAIMED = 0x7fffffff;

type Trial =
  | 'half-close-to-host' | 'half-close-to-embedder' | 'drop-both' | 'sliced'
  | 'garbage-to-embedder' | 'garbage-to-host' | 'oversized-to-embedder' | 'oversized-to-host';
const ALL: Trial[] = ['half-close-to-host', 'half-close-to-embedder', 'drop-both', 'sliced', 'garbage-to-embedder', 'garbage-to-host', 'oversized-to-embedder', 'oversized-to-host'];

export default defineScenario({
  id: 'pipe-disconnect',
  title: 'Broken, half-open and garbled connections between host and embedder',
  claims: ['pipe-disconnect-recovers', 'frame-limit-64kb', 'embedder-survives-bad-frames-and-input', 'host-never-crashes'],
  appliesTo: (a) => a.config.kind === 'process' ? true : `the ${a.config.kind} adapter has no stdio or socket stream between host and embedder to break`,
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { trials: ALL, slicedRequests: 5, recoverWithinMs: 15_000, faultRequestTimeoutMs: 5000 },
  full: { trials: ALL, slicedRequests: 20, recoverWithinMs: 30_000, faultRequestTimeoutMs: 5000 },
  timeoutMs: { quick: 150_000, full: 400_000 },
  async run(ctx) {
    const c = ctx.adapter.config as ProcessAdapterConfig;
    const listen = path.join(ctx.tmpDir, `pd-${process.pid}-${ctx.adapter.name}-l.sock`);
    const target = path.join(ctx.tmpDir, `pd-${process.pid}-${ctx.adapter.name}-t.sock`);
    const proxy = await ctx.faults.proxy({ listen, target });
    const command = [process.execPath, ...nodeEntryArgs(RELAY), c.transport, listen, target, '--', ...c.command.map((a) => a.replace('{socket}', target))];
    const deaths: Array<{ trial: string; reason: string; signal: string | null; exitCode: number | null }> = [];
    let current = '';
    let crashesThisHost = 0;
    // A fresh host once the supervisor's restart breaker (5 in 60 s by default) comes near: this scenario is about
    // each break, not about the restart limit (restart-limit measures that).
    const open = async (): Promise<HostHandle> => {
      const h = await ctx.startHost({ adapter: { config: { ...c, command } } });
      crashesThisHost = 0;
      h.on('lifecycle', (e) => {
        if (e.type !== 'crash') return;
        crashesThisHost++;
        deaths.push({ trial: current, reason: String(e.reason ?? 'exit'), signal: (e.signal as string | null) ?? null, exitCode: (e.exitCode as number | null) ?? null });
      });
      return h;
    };
    let host = await open();
    const before = await host.embed(TEXT, { signal: ctx.signal });
    if (proxy.stats().connections === 0) ctx.error('PROXY_BYPASSED', 'the embedder answered without any connection through the fault proxy');
    let hosts = 1;

    let recovered = 0, untyped = 0, badAnswers = 0;
    let oversizedAccepted = false;
    const trials = ctx.sizes.trials as Trial[];
    for (const trial of trials) {
      current = trial;
      if (crashesThisHost >= 3) {
        await host.close();
        host = await open();
        hosts++;
        const again = await host.embed(TEXT, { signal: ctx.signal });
        if (!identical(again, before)) ctx.error('VECTOR_MISMATCH', 'a fresh host gave a different vector than the first one');
      }
      const res = await runTrial(ctx, host, proxy, trial, before);
      if (!host.alive) throw new Error(`${trial}: the host died`); // the runner records how
      if (res.untyped) untyped++;
      if (res.wrongVector) badAnswers++;
      // A length prefix means nothing to a line-framed codec: there the bytes are garbage at the start of a line.
      if (trial === 'oversized-to-embedder' && res.hung && c.codec === 'msgpack') oversizedAccepted = true;
      const next = await nextGoodEmbedding(host, TEXT, ctx.sizes.recoverWithinMs, ctx.signal);
      const ok = !!next && identical(next.vector, before);
      if (ok) recovered++;
      else ctx.error('NO_RECOVERY', `${trial}: ${next ? 'the next embedding differs from the one before' : `no good embedding within ${ctx.sizes.recoverWithinMs} ms`}`);
      const died = deaths.filter((d) => d.trial === trial);
      const how = (d: (typeof deaths)[number]) => (d.reason === 'exit' ? d.signal ?? `code ${d.exitCode}` : `killed by the supervisor: ${d.reason}`);
      ctx.note(`${trial}: ${res.summary}; embedder ${died.length ? `exited (${died.map(how).join(', ')})` : 'stayed up'}; next embedding ${ok ? 'correct' : 'FAILED'}${next && next.attempts > 1 ? ` after ${next.attempts} attempts` : ''}.`);
    }
    const badFrameTrials = new Set<string>(['garbage-to-embedder', 'oversized-to-embedder']);
    // Deaths the embedder came to by itself (the supervisor's own kills after a broken stream are not crashes).
    const own = deaths.filter((d) => badFrameTrials.has(d.trial) && d.reason === 'exit');
    const signalDeaths = own.filter((d) => d.signal !== null);
    const codeExits = own.filter((d) => d.signal === null);
    ctx.metric('pipeDisconnect.recoveredRatio', trials.length ? recovered / trials.length : null);
    ctx.metric('pipeDisconnect.trials', trials.length);
    ctx.metric('pipeDisconnect.untypedErrors', untyped);
    ctx.metric('pipeDisconnect.wrongVectors', badAnswers);
    ctx.metric('pipeDisconnect.embedderExits', deaths.length);
    ctx.metric('limits.embedderCrashes', signalDeaths.length);
    if (oversizedAccepted) ctx.metric('limits.frame.acceptedBytes.max', CLAIMED);
    if (codeExits.length) ctx.note(`on bad frames the embedder ended itself ${codeExits.length} time(s) with an exit code (a stream it cannot resynchronise), not by a crash signal; limits.embedderCrashes counts signal deaths only.`);
    ctx.metric('pipeDisconnect.hosts', hosts);
    ctx.note(`every trial went through a relay and the fault proxy (${proxy.stats().connections} connection(s), ${proxy.stats().bytesUpstream} bytes up, ${proxy.stats().bytesDownstream} down), on ${hosts} host(s): a fresh one after 3 embedder exits, below the supervisor's restart limit.`);
    await host.close();
  },
});

interface TrialResult { summary: string; untyped: boolean; wrongVector: boolean; hung: boolean }

async function runTrial(ctx: ScenarioContext<{ slicedRequests: number; faultRequestTimeoutMs: number }>, host: HostHandle, proxy: FaultProxy, trial: Trial, before: Float32Array): Promise<TrialResult> {
  // How long a request sent into the fault may take before it counts as hung. Not a mere wait: an embedder that reacts
  // to a bogus length prefix by closing the stream does so ~2 s later here, and a shorter limit would call that
  // reaction "accepted the length" (tried: 1-2 s flipped frame-limit-64kb to FAIL on reference-uds and reference-shm).
  const request = () => outcome(host.embed(TEXT, { signal: ctx.signal, timeoutMs: ctx.sizes.faultRequestTimeoutMs }));
  const judge = (rs: CallOutcome[]): TrialResult => {
    const untyped = rs.some((r) => !r.ok && !r.typed);
    const wrongVector = rs.some((r) => r.ok && !identical(r.value as Float32Array, before));
    const hung = rs.some((r) => !r.ok && r.code === 'GAUNTLET_TIMEOUT');
    const parts = rs.map((r) => (r.ok ? (identical(r.value as Float32Array, before) ? 'answered' : 'WRONG vector') : `${r.code}`));
    return { summary: `request(s) in the fault: ${collapse(parts)}`, untyped, wrongVector, hung };
  };
  /**
   * The request sent into a one-shot fault (garbage, a bogus length prefix). It ends by itself (answer, typed error,
   * the stream closing) or hangs until its limit; but once the host reports the protocol fault and a request sent
   * after it is answered correctly on the same stream, the stream has resynchronised past the fault and the one in
   * it is lost, not hung: no need to sit out the limit (an NDJSON embedder skips the bad line and goes on).
   */
  const inFault = async (): Promise<CallOutcome> => {
    let onFault: ((e: { type?: string; fatal?: unknown }) => void) | undefined;
    const faultSeen = new Promise<'fault'>((resolve) => {
      onFault = (e) => { if (e.type === 'protocol-fault' && e.fatal !== true) resolve('fault'); };
      host.on('lifecycle', onFault as never);
    });
    const pending = request();
    try {
      const first = await Promise.race([pending, faultSeen]);
      if (first !== 'fault') return first;
      const probe = await outcome(host.embed(TEXT, { signal: ctx.signal, timeoutMs: ctx.sizes.faultRequestTimeoutMs }));
      if (!probe.ok || !identical(probe.value as Float32Array, before)) return await pending;
      const settled = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(r, 300))]);
      return settled ?? { ok: false, ms: 0, code: 'LOST_IN_FAULT', typed: true, message: 'lost in the fault: a request sent after it was answered on the same stream' };
    } finally {
      host.off('lifecycle', onFault as never);
    }
  };
  const toxic = async (spec: ToxicSpec, direction: 'upstream' | 'downstream' | 'both', n = 1) => {
    // Garbage and bogus prefixes hit the connection under test once; the slicer stays for all n requests.
    const once = spec.type !== 'slicer';
    const t = await ctx.faults.toxic(proxy, spec, { direction, once });
    const rs: CallOutcome[] = [];
    for (let i = 0; i < n; i++) rs.push(await (once ? inFault() : request()));
    t.stop();
    return judge(rs);
  };
  switch (trial) {
    case 'half-close-to-host': await ctx.faults.closeSide(proxy, 'host', 'end'); return judge([await request()]);
    case 'half-close-to-embedder': await ctx.faults.closeSide(proxy, 'embedder', 'end'); return judge([await request()]);
    case 'drop-both': await ctx.faults.closeSide(proxy, 'host', 'destroy'); return judge([await request()]);
    case 'sliced': return toxic({ type: 'slicer', maxBytes: 1 + ctx.rng.int(3), delayMs: 1 }, 'both', ctx.sizes.slicedRequests);
    case 'garbage-to-embedder': return toxic({ type: 'garbage', bytes: 64 }, 'upstream');
    case 'garbage-to-host': return toxic({ type: 'garbage', bytes: 64 }, 'downstream');
    case 'oversized-to-embedder': return toxic({ type: 'oversized-length', length: CLAIMED }, 'upstream');
    case 'oversized-to-host': return toxic({ type: 'oversized-length', length: CLAIMED }, 'downstream');
  }
}

function collapse(items: string[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${n}x ${k}` : k)).join(', ');
}
