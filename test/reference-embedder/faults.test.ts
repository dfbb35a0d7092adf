import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../harness/protocol/messages.ts';
import { FAULTS, parseFaults } from '../../reference-embedder/faults.ts';
import { isAlive, spawnEmbedder, tinyModel, type Embedder } from './helpers.ts';

/** Start-up on a loaded shared 2-core machine can take many seconds: generous bounds, tests own. */
const STARTUP_MS = 45_000;
const TEST_MS = 90_000;

let dir = '';
let model = '';
const started: Embedder[] = [];
function start(...a: Parameters<typeof spawnEmbedder>): Embedder {
  const e = spawnEmbedder(...a);
  started.push(e);
  return e;
}
beforeAll(async () => { ({ dir, model } = await tinyModel()); });
afterAll(() => {
  for (const e of started) e.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

const vec = (r: Response): Float32Array => {
  if (r.type !== 'embedding') throw new Error(`expected embedding, got ${JSON.stringify(r)}`);
  return r.vector;
};
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('fault parsing', () => {
  it('reads flags and GAUNTLET_FAULTS, applies defaults, flags win', () => {
    expect(parseFaults(['leak=64', 'swap-ids'], 'leak=8,hang-after')).toEqual({ leak: 64, 'swap-ids': true, 'hang-after': 10 });
    expect(parseFaults([], undefined)).toEqual({});
  });
  it('refuses unknown names and bad values with the list of names', () => {
    expect(() => parseFaults(['explode'], undefined)).toThrow(/unknown fault "explode": expected one of crash-on-concurrent/);
    expect(() => parseFaults(['leak=lots'], undefined)).toThrow(/non-negative number of KB/);
    expect(() => parseFaults(['swap-ids=1'], undefined)).toThrow(/takes no value/);
  });
  it('exports a table with a description for every switch', () => {
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
    expect(FAULTS.map((f) => f.name)).toContain('drop-every');
    for (const f of FAULTS) expect(f.description.length).toBeGreaterThan(10);
  }, TEST_MS);
});

describe('planted faults are observable', () => {
  it('wrong-dims drops a dimension; swap-ids crosses the ids of concurrent answers', async () => {
    const e = start(['--fault', 'wrong-dims', '--fault', 'swap-ids']);
    expect(await e.request({ type: 'initialize', modelPath: model }, STARTUP_MS)).toMatchObject({ dims: 64 });
    expect(e.stderr()).toContain('faults: wrong-dims, swap-ids');
    const alpha = vec(await e.request({ type: 'embed', text: 'alpha' }));
    const beta = vec(await e.request({ type: 'embed', text: 'beta' }));
    expect(alpha.length).toBe(63);
    // The crossing needs both requests in the embedder at once; on a loaded machine the second can arrive after the
    // first was answered (then both come back straight), so pairs are sent until one overlaps. Every pair must be
    // either straight or exactly crossed.
    let crossedAt = -1;
    for (let i = 0; i < 25 && crossedAt < 0; i++) {
      const [a2, b2] = await Promise.all([e.request({ type: 'embed', text: 'alpha' }), e.request({ type: 'embed', text: 'beta' })]);
      const straight = same(vec(a2!), alpha) && same(vec(b2!), beta);
      const crossed = same(vec(a2!), beta) && same(vec(b2!), alpha);
      expect(straight || crossed, `pair ${i} is neither straight nor crossed`).toBe(true);
      if (crossed) crossedAt = i;
    }
    expect(crossedAt, 'no pair of concurrent answers came back crossed in 25 tries').toBeGreaterThanOrEqual(0);
    expect(e.stderr()).toContain('fault swap-ids: answering id');
  }, TEST_MS);

  it('hang-after stops answering but stays alive; ignore-shutdown ignores SIGTERM', async () => {
    const e = start([], { env: { GAUNTLET_FAULTS: 'hang-after=2,ignore-shutdown' } });
    expect(await e.request({ type: 'ping' }, STARTUP_MS)).toMatchObject({ type: 'pong' });
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await expect(e.request({ type: 'ping' }, 800)).rejects.toThrow(/no answer/);
    e.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 700));
    expect(isAlive(e.child.pid!)).toBe(true);
    expect(e.stderr()).toContain('ignoring SIGTERM');
    e.kill();
    expect((await e.exited).signal).toBe('SIGKILL');
  }, TEST_MS);

  it('drop-every=3 never answers every 3rd embed or embed-batch request, and answers pings and the rest', async () => {
    const e = start(['--fault', 'drop-every=3']);
    await e.request({ type: 'initialize', modelPath: model }, STARTUP_MS);
    vec(await e.request({ type: 'embed', text: 'one' }));
    expect(await e.request({ type: 'embed-batch', texts: ['two a', 'two b'] })).toMatchObject({ type: 'embeddings' });
    await expect(e.request({ type: 'embed', text: 'three' }, 1500)).rejects.toThrow(/no answer to embed/);
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    vec(await e.request({ type: 'embed', text: 'four' }));
    vec(await e.request({ type: 'embed', text: 'five' }));
    await expect(e.request({ type: 'embed-batch', texts: ['six'] }, 1500)).rejects.toThrow(/no answer to embed-batch/);
    vec(await e.request({ type: 'embed', text: 'seven' }));
    expect(isAlive(e.child.pid!)).toBe(true);
    expect(e.stderr()).toMatch(/fault drop-every: dropping embed id \d+ \(embed request 3 of this connection\)/);
  }, TEST_MS);

  it('without drop-every every embed request is answered', async () => {
    const e = start([]);
    await e.request({ type: 'initialize', modelPath: model }, STARTUP_MS);
    for (let i = 0; i < 7; i++) vec(await e.request({ type: 'embed', text: `text ${i}` }, 5000));
    expect(e.stderr()).not.toContain('drop-every');
  }, TEST_MS);

  it('crash-on-concurrent dies by SIGSEGV when two requests overlap, not before', async () => {
    const e = start(['--model', model, '--fault', 'crash-on-concurrent']);
    await e.request({ type: 'initialize', modelPath: model }, STARTUP_MS);
    vec(await e.request({ type: 'embed', text: 'serial is fine' }));
    vec(await e.request({ type: 'embed', text: 'serial twice is fine' }));
    // Pairs until two overlap inside the embedder (on a loaded machine one pair may be served one after the other).
    let died = false;
    void e.exited.then(() => { died = true; });
    for (let i = 0; i < 25 && !died; i++) {
      await Promise.race([
        Promise.allSettled([e.request({ type: 'embed', text: 'one' }), e.request({ type: 'embed', text: 'two' })]),
        e.exited,
      ]);
    }
    expect((await e.exited).signal).toBe('SIGSEGV');
    expect(e.stderr()).toMatch(/fault crash-on-concurrent: \d+ requests overlap/);
  }, TEST_MS);

  it('abort-on-load dies by SIGABRT on initialize', async () => {
    const e = start(['--fault', 'abort-on-load']);
    void e.request({ type: 'initialize', modelPath: model }, STARTUP_MS).catch(() => {});
    expect((await e.exited).signal).toBe('SIGABRT');
  }, TEST_MS);
});
