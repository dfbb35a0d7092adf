/**
 * The HTTP fuzz of an http adapter: seeded raw requests (harness/fuzz/http-requests.ts), each on its own TCP
 * connection to the server the adapter runs, `probeEvery` at a time, each group followed by a valid probe through
 * the adapter's client. Slow clients trickle their bytes in the background (at most `slowClients` at once) while
 * the next requests and probes go on: a server that serves one connection at a time hangs the probes. A death
 * after a group is narrowed down by sending its requests again one at a time, and saved as a replayable case.
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import { FUZZ_CASE_LABEL, type FuzzCase } from '../../harness/fuzz/cases.ts';
import { fuzzHttpRequest, type FuzzHttpRequest } from '../../harness/fuzz/http-requests.ts';
import { sendRawHttp } from '../../harness/fuzz/http-send.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import type { FuzzSession } from './fuzz-session.ts';
import type { FuzzTally } from './fuzz-stream.ts';

export interface HttpFuzzSizes { requests: number; probeEvery: number; slowClients: number; recoverWithinMs: number; maxCases: number }

export async function fuzzHttp(ctx: ScenarioContext, s: FuzzSession, sizes: HttpFuzzSizes, seed: number, tally: FuzzTally): Promise<void> {
  const base = s.baseUrl() ?? (ctx.adapter.config as { baseUrl?: string }).baseUrl;
  if (!base) throw new Error('the http adapter named no server address (no baseUrl in its config or lifecycle events)');
  const url = new URL(base);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const opts = { host, port, maxBodyBytes: ctx.adapter.maxFrameBytes, maxBatch: ctx.adapter.maxBatch };
  const statuses: Record<string, number> = {};
  /** Kinds that got a 5xx or no answer at all: worth a look even when nothing died. */
  const odd: Record<string, number> = {};
  const slow = new Set<Promise<string>>();
  let saved = 0;
  const kindMs: Record<string, number> = {};
  const send = async (r: FuzzHttpRequest) => {
    const t0 = performance.now();
    const st = await sendRawHttp(host, port, r);
    if (!r.slow) kindMs[r.kind] = (kindMs[r.kind] ?? 0) + performance.now() - t0;
    statuses[st] = (statuses[st] ?? 0) + 1;
    if (st.startsWith('5') || st === 'no-answer') odd[`${r.kind} ${st}`] = (odd[`${r.kind} ${st}`] ?? 0) + 1;
    return st;
  };

  const saveCase = (reqs: FuzzHttpRequest[], alone: boolean, death: LifecycleEvent) => {
    tally.crashes++;
    const d = { reason: String(death.reason ?? 'exit'), signal: typeof death.signal === 'string' ? death.signal : null, exitCode: typeof death.exitCode === 'number' ? death.exitCode : null };
    ctx.error('FUZZ_CRASH', `request${reqs.length > 1 ? 's' : ''} ${reqs.map((r) => r.index).join(',')} killed the server (${d.reason}, ${d.signal ?? `exit ${d.exitCode}`})`, { signal: d.signal, exitCode: d.exitCode });
    if (saved >= sizes.maxCases) return;
    saved++;
    const fc: FuzzCase = { seed, wire: 'http', options: { maxFrameBytes: opts.maxBodyBytes, maxBatch: opts.maxBatch }, indices: reqs.map((r) => r.index), kinds: reqs.map((r) => r.kind), bytes: Buffer.concat(reqs.map((r) => r.bytes)).toString('base64'), reproducedAlone: alone, death: d };
    ctx.timeline.add('fault', FUZZ_CASE_LABEL, fc as unknown as Record<string, unknown>);
  };

  for (let start = 0; start < sizes.requests && !ctx.signal.aborted; start += sizes.probeEvery) {
    if (tally.crashes >= sizes.maxCases) {
      ctx.note(`stopped after ${tally.crashes} crashes at request ${start} of ${sizes.requests}: each is saved as a case`);
      break;
    }
    const reqs: FuzzHttpRequest[] = [];
    for (let i = start; i < Math.min(sizes.requests, start + sizes.probeEvery); i++) reqs.push(fuzzHttpRequest(seed, i, opts));
    tally.sent += reqs.length;
    const mark = s.mark();
    // The group's requests go at once, each on its own connection (one that gets no answer costs its timeout once).
    const group: Array<Promise<string>> = [];
    for (const r of reqs) {
      tally.kinds[r.kind] = (tally.kinds[r.kind] ?? 0) + 1;
      if (r.slow && slow.size < sizes.slowClients) {
        const p: Promise<string> = send(r).finally(() => slow.delete(p));
        slow.add(p);
      } else {
        group.push(send({ ...r, slow: undefined } as FuzzHttpRequest));
      }
    }
    await Promise.all(group);
    const probe = await s.probe();
    const deaths = s.deathsSince(mark);
    if (deaths.length === 0) {
      s.judge(probe.verdict);
      if (probe.verdict !== 'correct') ctx.error(probe.verdict === 'unanswered' ? 'FUZZ_PROBE_UNANSWERED' : 'FUZZ_PROBE_WRONG', `probe after requests ${start}..${start + reqs.length - 1}: ${probe.verdict}: ${probe.detail}`);
      continue;
    }
    await s.recover(sizes.recoverWithinMs);
    let found = false;
    for (const r of reqs) {
      const m = s.mark();
      await send({ ...r, slow: undefined } as FuzzHttpRequest);
      await s.host.embed('fuzz narrowing probe', { timeoutMs: sizes.recoverWithinMs, signal: ctx.signal }).catch(() => undefined);
      const died = s.deathsSince(m);
      if (died.length > 0) { saveCase([r], true, died[0]!); found = true; await s.recover(sizes.recoverWithinMs); break; }
    }
    if (!found) saveCase(reqs, false, deaths[0]!);
  }
  await Promise.all([...slow]);
  if (Object.keys(odd).length) ctx.note(`http 5xx or no answer, by kind: ${Object.entries(odd).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  ctx.note(`http time by kind (ms, summed): ${Object.entries(kindMs).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, ms]) => `${k} ${Math.round(ms)}`).join(', ')}`);
  ctx.note(`http answers: ${Object.entries(statuses).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
