import { afterEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';
import { fixtureOptions, pidAlive, recorded, rejection } from './helpers.ts';

const live: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

describe.each([
  ['stdio', 'ndjson'],
  ['uds', 'msgpack'],
] as const)('Supervisor over %s/%s', (transport, codec) => {
  it('starts, answers every request type, and stops with the shutdown message', async () => {
    const { sup, events } = recorded(fixtureOptions({ transport, codec }));
    live.push(sup);
    expect(sup.state).toBe('idle');
    const info = await sup.start();
    expect(info).toMatchObject({ dims: 4, vocabSize: 10, model: '/nonexistent/fixture.gguf', contextSize: 128 });
    expect(sup.state).toBe('ready');
    const pid = sup.pid!;
    expect(pid).toBeGreaterThan(0);

    const v = await sup.embed('hello');
    expect(v).toBeInstanceOf(Float32Array);
    expect([v[1], v[2]]).toEqual([5, pid]);
    const vs = await sup.embedBatch(['a', 'bb', 'ccc']);
    expect(vs.map((x) => x[1])).toEqual([1, 2, 3]);
    expect(await sup.ping()).toBeGreaterThanOrEqual(0);
    const stats = await sup.stats();
    expect(stats.pid).toBe(pid);
    expect(stats.requests).toBe(2);
    expect(sup.counts()).toMatchObject({ spawns: 1, restarts: 0, requests: 4, succeeded: 4, failed: 0 });

    const stopped = await sup.stop();
    expect(stopped).toMatchObject({ how: 'shutdown', graceful: true, exitCode: 0, signal: null, pid });
    expect(sup.state).toBe('stopped');
    expect(pidAlive(pid)).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['spawn', 'ready', 'shutdown']);
    for (const e of events) {
      expect(e.pid).toBe(pid);
      expect(e.at).toBeGreaterThan(1.6e12);
      expect(e.hr).toBeGreaterThan(0);
    }
    const err = await rejection(sup.embed('after stop'));
    expect(err.code).toBe('GAUNTLET_CLOSED');
  });
});

describe('Supervisor requests', () => {
  it('matches 32 concurrent requests answered out of order to their callers', async () => {
    const { sup } = recorded(fixtureOptions({ flags: ['--jitter', '40'] }));
    live.push(sup);
    await sup.start();
    const texts = Array.from({ length: 32 }, (_, i) => `text number ${i} ${'x'.repeat(i)}`);
    const done: number[] = [];
    const vectors = await Promise.all(texts.map((t, i) => sup.embed(t).then((v) => (done.push(i), v))));
    vectors.forEach((v, i) => expect(v[1]).toBe(texts[i]!.length));
    const serial: Float32Array[] = [];
    for (const t of texts) serial.push(await sup.embed(t));
    expect(vectors.map((v) => Array.from(v))).toEqual(serial.map((v) => Array.from(v)));
    // The jitter really reordered the answers, so the id matching was exercised.
    expect(done).not.toEqual([...done].sort((a, b) => a - b));
  });

  it('an answer frame of the wrong shape fails its request with GAUNTLET_BAD_ANSWER at once, and the embedder goes on', async () => {
    const { sup, events } = recorded(fixtureOptions({ requestTimeoutMs: 5_000 }));
    live.push(sup);
    await sup.start();
    const t0 = performance.now();
    const err = await sup.embed('!malformed').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_BAD_ANSWER', message: expect.stringMatching(/embed #\d+ with a malformed frame: .*vector/) });
    expect(performance.now() - t0).toBeLessThan(4_000); // not its 5 s deadline
    expect(events.some((e) => e.type === 'bad-answer')).toBe(true);
    expect(events.some((e) => e.type === 'protocol-fault' || e.type === 'crash')).toBe(false);
    expect((await sup.embed('after')).length).toBe(4);
  });

  it('refuses requests before start() with GAUNTLET_CLOSED', async () => {
    const { sup } = recorded(fixtureOptions());
    const err = await rejection(sup.embed('x'));
    expect(err.code).toBe('GAUNTLET_CLOSED');
    expect(err.message).toMatch(/start\(\)/);
    expect((await sup.stop()).how).toBe('not-started');
  });

  it('times out a slow request with GAUNTLET_TIMEOUT and keeps the embedder when it still answers pings', async () => {
    const { sup, events } = recorded(fixtureOptions({ flags: ['--delay', '1500'] }));
    live.push(sup);
    await sup.start();
    const pid = sup.pid;
    const err = await rejection(sup.embed('slow', { timeoutMs: 200 }));
    expect(err.code).toBe('GAUNTLET_TIMEOUT');
    await new Promise((r) => setTimeout(r, 700)); // the deadline's probe ping has had time to come back
    expect(events.some((e) => e.type === 'hang-detected')).toBe(false);
    expect(sup.pid).toBe(pid);
    const ac = new AbortController();
    const p = sup.embed('aborted', { signal: ac.signal });
    ac.abort(new Error('user cancelled'));
    const aborted = await rejection(p);
    expect(aborted.code).toBe('GAUNTLET_CLOSED');
    expect(aborted.message).toMatch(/user cancelled/);
  });
});
