/** The supervisor driving the real reference embedder (node-llama-cpp, a generated tiny model). Slow: each spawn loads
 * node-llama-cpp (seconds on a busy 2-core machine). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateModel } from '../../harness/gguf/generator.ts';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';
import type { SupervisorOptions } from '../../harness/supervisor/types.ts';
import { packagePath, tsNodeArgs } from '../../harness/util/ts-runner.ts';
import { nextEvent, pidAlive, recorded, rejection } from './helpers.ts';

const MAIN = packagePath('reference-embedder', 'main.ts');
let dir: string;
let model: string;
const live: Supervisor[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-sup-ref-'));
  model = path.join(dir, 'tiny.gguf');
  await generateModel({ preset: 'tiny', seed: 7, out: model });
});
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function reference(transport: 'stdio' | 'uds', codec: 'msgpack' | 'ndjson', over: Partial<SupervisorOptions> & { faults?: string[] } = {}) {
  const { faults = [], ...rest } = over;
  const command = [process.execPath, ...tsNodeArgs(), MAIN, '--transport', transport, '--codec', codec,
    ...(transport === 'uds' ? ['--socket', '{socket}'] : []), ...faults.flatMap((f) => ['--fault', f])];
  const r = recorded({
    command, transport, codec, modelPath: model, initOptions: { threads: 1, lanes: 1 },
    readyTimeoutMs: 30_000, requestTimeoutMs: 10_000, healthIntervalMs: 0, healthTimeoutMs: 1_000, shutdownGraceMs: 2_000,
    restart: { maxRestarts: 3, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 100, jitter: 0 },
    ...rest,
  });
  live.push(r.sup);
  return r;
}

describe('Supervisor + reference embedder', () => {
  it('uds/msgpack: SIGKILL with 16 requests in flight; they fail typed, the restarted embedder gives the same vectors', async () => {
    const { sup, events } = reference('uds', 'msgpack');
    const info = await sup.start();
    expect(info.dims).toBe(64);
    const before = await sup.embed('the quick brown fox');
    expect(before).toHaveLength(64);
    const pid = sup.pid!;
    const burst = Array.from({ length: 16 }, (_, i) => sup.embed(`burst ${i}`).then(() => 'ok', (e: { code?: string }) => e.code));
    process.kill(pid, 'SIGKILL');
    const killedAt = performance.now();
    const outcomes = await Promise.all(burst);
    expect(outcomes.every((o) => o === 'ok' || o === 'GAUNTLET_EMBEDDER_CRASHED')).toBe(true);
    expect(outcomes).toContain('GAUNTLET_EMBEDDER_CRASHED');
    const after = await sup.embed('the quick brown fox');
    const ready = events.filter((e) => e.type === 'ready').at(-1)!;
    expect(ready.pid).not.toBe(pid);
    expect(Array.from(after)).toEqual(Array.from(before)); // bit-identical across the restart
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ signal: 'SIGKILL', reason: 'exit', pid });
    console.log(`supervisor+reference (uds/msgpack): SIGKILL -> ready in ${(ready.hr - killedAt).toFixed(0)} ms`);
    const stop = await sup.stop();
    expect(stop).toMatchObject({ how: 'shutdown', exitCode: 0, graceful: true });
  });

  it('stdio/ndjson: hang-after fault; the request deadline finds the hang and a fresh embedder answers', async () => {
    const { sup, events } = reference('stdio', 'ndjson', { faults: ['hang-after=2'], requestTimeoutMs: 1_500, healthTimeoutMs: 500 });
    await sup.start();
    const pid = sup.pid!;
    await sup.embed('one'); // initialize + this = 2 answers: the fault now answers nothing more
    const err = await rejection(sup.embed('three'));
    expect(err.code).toBe('GAUNTLET_TIMEOUT');
    expect(await nextEvent(events, 'hang-detected', 3_000)).toMatchObject({ via: 'request-deadline', pid });
    const v = await sup.embed('three', { timeoutMs: 20_000 });
    expect(v).toHaveLength(64);
    expect(sup.pid).not.toBe(pid);
    expect(pidAlive(pid)).toBe(false);
  });

  it('a corrupt model file is refused at initialize: GAUNTLET_MODEL_INVALID at once, one spawn, no loop', async () => {
    const bad = path.join(dir, 'corrupt.gguf');
    const bytes = fs.readFileSync(model);
    bytes.write('GGXX', 0, 'latin1'); // bad magic
    fs.writeFileSync(bad, bytes);
    const { sup, events } = reference('stdio', 'msgpack', { modelPath: bad });
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_MODEL_INVALID');
    expect(err.message).toContain(bad);
    expect(sup.state).toBe('failed');
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.counts().spawns).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['spawn', 'start-failed', 'give-up']);
  });

  it('a model that aborts the loader (abort-on-load) ends after the breaker: GAUNTLET_EMBEDDER_GAVE_UP, maxRestarts + 1 spawns', async () => {
    const { sup, events } = reference('stdio', 'msgpack', { faults: ['abort-on-load'], restart: { maxRestarts: 1, windowMs: 60_000, backoffBaseMs: 20, backoffMaxMs: 20, jitter: 0 } });
    const err = await rejection(sup.start());
    expect(err.code).toBe('GAUNTLET_EMBEDDER_GAVE_UP');
    expect(sup.counts().spawns).toBe(2);
    const failed = events.filter((e) => e.type === 'start-failed');
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ signal: 'SIGABRT' });
    expect(String((failed[0] as { stderrTail: string }).stderrTail)).toMatch(/abort-on-load/);
  });
});
