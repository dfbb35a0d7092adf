/**
 * The request ledger on a scripted host: each way a request can end (answered, typed error, lost, late, wrong batch
 * count), the conditions that excuse a timeout (a crash, a hang, an injected fault, the host's exit), and the
 * capped deadline. A real run through the runner is in test/scenarios/no-request-lost.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent, ResolvedAdapter } from '../../harness/adapters/types.ts';
import { MIN_DEADLINE_MS, RequestLedger, describeProblem } from '../../harness/host/request-ledger.ts';
import { describeValidFailure } from '../../harness/host/request-validity.ts';
import type { HostCallOptions, HostExit, HostHandle } from '../../harness/host/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';

type Script = (opts: HostCallOptions | undefined, n: number) => Promise<unknown>;

function scriptedHost(script: Script, requestTimeoutMs = 30_000, dims?: number) {
  const em = new EventEmitter();
  let exitNow: (e: HostExit) => void = () => {};
  const exited = new Promise<HostExit>((r) => (exitNow = r));
  const calls: (HostCallOptions | undefined)[] = [];
  let n = 0;
  const host = {
    pid: 4242, adapter: { requestTimeoutMs, maxBatch: 10, config: { kind: 'process' } } as ResolvedAdapter, info: dims === undefined ? undefined : { dims, model: 'm' }, alive: true, exited,
    embed: (_t: string, o?: HostCallOptions) => { calls.push(o); return script(o, ++n); },
    embedBatch: (_t: string[], o?: HostCallOptions) => { calls.push(o); return script(o, ++n); },
    on(e: string, l: (d: unknown) => void) { em.on(e, l); return host; },
    off(e: string, l: (d: unknown) => void) { em.off(e, l); return host; },
  } as unknown as HostHandle;
  const lifecycle = (type: string, extra: Record<string, unknown> = {}) => em.emit('lifecycle', { type, at: Date.now(), ...extra } as LifecycleEvent);
  return { host, calls, lifecycle, exit: () => exitNow({ code: 0, signal: null, stderrTail: '', durationMs: 1 }) };
}

function ledgerWith(opts: { remainingMs?: number; faults?: number[] } = {}) {
  const origin = Date.now();
  const t0 = performance.now();
  return new RequestLedger({
    now: () => performance.now() - t0,
    fromEpoch: (at) => at - origin,
    remainingMs: () => opts.remainingMs ?? 60_000,
    faultTimes: () => opts.faults ?? [],
  });
}

const timeout = (wireId?: number) => {
  const e = new GauntletError('GAUNTLET_TIMEOUT', `embed request #${wireId} did not finish within 100 ms`, { details: { timeoutMs: 100 } });
  if (wireId !== undefined) e.details.wireId = wireId;
  return Promise.reject(e);
};
const vec = () => Promise.resolve(new Float32Array(4));

describe('request ledger', () => {
  it('counts answers, typed errors and a batch with the wrong number of vectors', async () => {
    const { host } = scriptedHost(async (_o, n) => {
      if (n === 2) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', 'bad-request');
      if (n === 3) return [new Float32Array(4)]; // one vector for two texts
      return n === 4 ? [new Float32Array(4), new Float32Array(4)] : new Float32Array(4);
    });
    const ledger = ledgerWith();
    await ledger.embed(host, 'a');
    await expect(ledger.embed(host, 'b')).rejects.toThrow(/bad-request/);
    expect(await ledger.embedBatch(host, ['c', 'd'])).toHaveLength(1); // handed on as it came: the scenario sees it too
    await ledger.embedBatch(host, ['e', 'f']);
    const s = ledger.settle();
    expect(s).toMatchObject({ sent: 4, answered: 2, failed: 1, lost: 0, late: 0, wrongCount: 1, pending: 0 });
    expect(describeProblem('latency', s.problems[0]!)).toMatch(/^latency: embed-batch request #3 \(2 texts\) sent at .* answered with 1 vector\(s\) for 2 texts/);
  });

  it('a timeout with the embedder up is lost; with a late answer for its wire id it is late', async () => {
    const { host, lifecycle } = scriptedHost((_o, n) => (n === 1 ? timeout(7) : n === 2 ? timeout(8) : vec()));
    const ledger = ledgerWith();
    const err = await ledger.embed(host, 'a').catch((e: unknown) => e);
    await ledger.embed(host, 'b').catch(() => undefined);
    await ledger.embed(host, 'c');
    lifecycle('unmatched-response', { id: 8, late: true, responseType: 'embedding' });
    lifecycle('unmatched-response', { id: 99, late: false, responseType: 'embedding' });
    const s = ledger.settle();
    expect(s).toMatchObject({ sent: 3, answered: 1, lost: 1, late: 1 });
    expect(ledger.recordOf(err)).toMatchObject({ index: 1, outcome: 'lost', wireId: 7 });
    expect((err as GauntletError).details.requestIndex).toBe(1);
    expect(describeProblem('soak', s.problems[0]!)).toMatch(/^soak: embed request #1 sent at [\d.]+ s to host pid 4242 had no answer within its \d+ ms deadline while the embedder was up.*wire id 7$/);
    expect(ledger.settleDelayMs()).toBeGreaterThan(0); // the hang probe has not had its time yet
  });

  it.each([
    ['a crash', (l: ReturnType<typeof scriptedHost>) => l.lifecycle('crash', { reason: 'exit' })],
    ['a hang the supervisor detected', (l: ReturnType<typeof scriptedHost>) => l.lifecycle('hang-detected', { via: 'request-deadline' })],
    ['a restart', (l: ReturnType<typeof scriptedHost>) => l.lifecycle('restart', { attempt: 2 })],
  ])('a timeout around %s is a typed failure, not a loss', async (_what, disturb) => {
    const scripted = scriptedHost(() => timeout(3));
    const ledger = ledgerWith();
    await ledger.embed(scripted.host, 'a').catch(() => undefined);
    disturb(scripted);
    expect(ledger.settle()).toMatchObject({ lost: 0, failed: 1 });
  });

  it('a timeout near an injected fault or after the host exited is not a loss', async () => {
    const withFault = scriptedHost(() => timeout(3));
    const ledger = ledgerWith({ faults: [0] });
    await ledger.embed(withFault.host, 'a').catch(() => undefined);
    expect(ledger.settle()).toMatchObject({ lost: 0, failed: 1 });

    const exiting = scriptedHost(() => timeout(4));
    const l2 = ledgerWith();
    await l2.embed(exiting.host, 'b').catch(() => undefined);
    exiting.exit();
    await new Promise((r) => setTimeout(r, 5));
    expect(l2.settle()).toMatchObject({ lost: 0, failed: 1 });
  });

  it('the same timeout with nothing around it is lost (the check can fail)', async () => {
    const quiet = scriptedHost(() => timeout(3));
    const ledger = ledgerWith({ faults: [] });
    await ledger.embed(quiet.host, 'a').catch(() => undefined);
    expect(ledger.settle()).toMatchObject({ lost: 1, failed: 0 });
  });

  it('deadline: the call\'s own, else requestTimeoutMs capped to a quarter of the time left, at least MIN_DEADLINE_MS', async () => {
    const { host, calls } = scriptedHost(() => vec(), 30_000);
    await ledgerWith({ remainingMs: 200_000 }).embed(host, 'a');
    await ledgerWith({ remainingMs: 40_000 }).embed(host, 'b');
    await ledgerWith({ remainingMs: 1_000 }).embed(host, 'c');
    await ledgerWith({ remainingMs: 1_000 }).embed(host, 'd', { timeoutMs: 123 });
    expect(calls.map((c) => c?.timeoutMs)).toEqual([30_000, 10_000, MIN_DEADLINE_MS, 123]);
  });
  it('waits the settle window only for timed-out requests nothing explains yet', async () => {
    const { host } = scriptedHost(() => timeout(1));
    const explained = ledgerWith({ faults: [0] });
    await expect(explained.embed(host, 'a')).rejects.toThrow(/did not finish/);
    expect(explained.settleDelayMs()).toBe(0); // a fault at its send explains it, whatever comes later
    expect(explained.settle().failed).toBe(1);
    const unexplained = ledgerWith();
    await expect(unexplained.embed(host, 'b')).rejects.toThrow(/did not finish/);
    expect(unexplained.settleDelayMs()).toBeGreaterThan(1000); // it may still be explained by a hang probe
  });

  it('valid-requests-succeed: typed errors, wrong counts and wrong vectors count; edge cases, overload and aborts do not', async () => {
    const abort = new AbortController();
    const { host } = scriptedHost(async (_o, n) => {
      switch (n) {
        case 1: return new Float32Array(4);
        case 2: throw new GauntletError('GAUNTLET_BAD_ANSWER', 'http://x/v1/embeddings sent a malformed answer: the body is not valid JSON');
        case 3: return [new Float32Array(4)]; // one vector for two texts
        case 4: return new Float32Array(3); // the model has 4 dims
        case 5: return Float32Array.of(1, Number.NaN, 0, 0);
        case 6: throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', 'empty text'); // marked invalid by its sender
        case 7: throw new GauntletError('GAUNTLET_OVERLOADED', 'queue full');
        case 8: abort.abort(); throw new GauntletError('GAUNTLET_CLOSED', 'aborted by the caller');
        default: return [new Float32Array(4)];
      }
    }, 30_000, 4);
    const ledger = ledgerWith();
    await ledger.embed(host, 'a');
    await ledger.embed(host, 'b').catch(() => undefined);
    await ledger.embedBatch(host, ['c', 'd']);
    await ledger.embed(host, 'e');
    await ledger.embed(host, 'f');
    await ledger.embed(host, '', { invalid: 'bad-input case: empty text' }).catch(() => undefined);
    await ledger.embed(host, 'g').catch(() => undefined);
    await ledger.embed(host, 'h', { signal: abort.signal }).catch(() => undefined);
    await ledger.embedBatch(host, Array.from({ length: 11 }, () => 'x')); // over maxBatch of a process adapter: invalid on its face
    const s = ledger.settle();
    expect(s).toMatchObject({ sent: 9, validSent: 7, badVector: 2, wrongCount: 2 });
    expect(s.validFailures.map((r) => r.index)).toEqual([2, 3, 4, 5]);
    expect(s.validExcused).toBe(1); // the aborted one
    const lines = s.validFailures.map((r) => describeValidFailure('latency', r));
    expect(lines[0]).toMatch(/embed request #2 at [\d.]+ s failed with GAUNTLET_BAD_ANSWER: .*not valid JSON/);
    expect(lines[1]).toMatch(/answered with 1 vector\(s\) for 2 texts/);
    expect(lines[2]).toMatch(/wrong vector: the vector has 3 dims; the model has 4/);
    expect(lines[3]).toMatch(/non-finite value \(NaN at \[1\]\)/);
  });

  it('valid-requests-succeed excuses a failure around a crash or a fault, and after a give-up; the same failure alone counts', async () => {
    const fail = () => Promise.reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', 'gone'));
    const crashed = scriptedHost(fail);
    const l1 = ledgerWith();
    await l1.embed(crashed.host, 'a').catch(() => undefined);
    crashed.lifecycle('crash', { reason: 'exit' });
    expect(l1.settle().validFailures).toHaveLength(0);

    const faulted = scriptedHost(fail);
    const l2 = ledgerWith({ faults: [0] });
    await l2.embed(faulted.host, 'a').catch(() => undefined);
    expect(l2.settle()).toMatchObject({ validExcused: 1, validFailures: [] });

    const gaveUp = scriptedHost(() => Promise.reject(new GauntletError('GAUNTLET_EMBEDDER_GAVE_UP', 'gave up')));
    const l3 = ledgerWith();
    l3.watch(gaveUp.host); // the runner watches every host from its start
    gaveUp.lifecycle('give-up', {});
    await new Promise((r) => setTimeout(r, 15));
    await l3.embed(gaveUp.host, 'a').catch(() => undefined);
    expect(l3.settle().validFailures).toHaveLength(0);

    const alone = scriptedHost(fail);
    const l4 = ledgerWith();
    await l4.embed(alone.host, 'a').catch(() => undefined);
    expect(l4.settle().validFailures).toHaveLength(1);
  });

  it('a lost request behind requests still in flight says so (busy is not lost)', async () => {
    let release: () => void = () => {};
    const slow = new Promise<Float32Array[]>((r) => (release = () => r(Array.from({ length: 10 }, () => new Float32Array(4)))));
    const { host } = scriptedHost((_o, n) => (n === 1 ? slow : timeout(9)));
    const ledger = ledgerWith();
    const big = ledger.embedBatch(host, Array.from({ length: 10 }, () => 'long'));
    await ledger.embed(host, 'b').catch(() => undefined);
    release();
    await big;
    const s = ledger.settle();
    expect(s.lost).toBe(1);
    expect(describeProblem('concurrent-embeds', s.problems[0]!)).toMatch(/had no answer within its \d+ ms deadline, late behind 1 request\(s\) in flight \(10 text\(s\)\) sent before it to the same host/);
    expect(describeProblem('concurrent-embeds', s.problems[0]!)).not.toMatch(/while the embedder was up/);
  });
});
