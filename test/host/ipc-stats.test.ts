/**
 * host.ipcStats(): the host's own byte counters of its connection to a real embedder. The buffer high-water mark
 * stays small for pings, grows with a batch answer, and goes past 1 MB when the host queues a 1.5 MB request frame,
 * so the claim host-ipc-buffers-under-1mb can come out either way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHost } from '../../harness/host/host-handle.ts';
import type { HostHandle, HostIpcStats } from '../../harness/host/types.ts';
import type { ConnectionStats } from '../../harness/protocol/connection.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { evaluateOne } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { adapterFor } from './helpers.ts';

const hosts: HostHandle[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close({ deadlineMs: 3_000, killAfterMs: 1_000 })));
});

async function host(...args: Parameters<typeof startHost>): Promise<HostHandle> {
  const h = await startHost(...args);
  hosts.push(h);
  return h;
}

function streamStats(ipc: HostIpcStats): ConnectionStats {
  if (!ipc.applicable) throw new Error(`ipc stats not applicable: ${ipc.reason}`);
  return ipc.stats;
}

function bufferVerdict(bytes: number) {
  const claim = resolveClaim(CLAIMS.find((c) => c.id === 'host-ipc-buffers-under-1mb')!);
  const result: ScenarioResult = {
    scenario: 'latency', title: 'latency', adapter: 'reference', status: 'completed', durationMs: 1,
    metrics: { 'host.ipc.bufferBytes.max': bytes }, timeline: [], errors: [], notes: [],
  };
  return evaluateOne(claim, [result], { name: 'reference', kind: 'process' }).verdict;
}

const texts = Array.from({ length: 10 }, (_, i) => `alpha beta gamma delta ${i} local model vector socket`);

describe.each(['reference', 'reference-ndjson', 'reference-uds'] as const)('host ipc stats over %s', (name) => {
  it('stay small for pings, grow with a batch of 10, and record the answer frames with their dims', async () => {
    const h = await host(await adapterFor(name));
    for (let i = 0; i < 20; i++) await h.ping();
    const ipc = await h.ipcStats();
    expect(ipc).toMatchObject({ applicable: true, source: 'stream' });
    const afterPings = streamStats(ipc);
    // initialize (model path) + 20 ping / pong frames: tens of bytes each, never more than one frame held.
    expect(afterPings.bufferBytesMax).toBeGreaterThan(0);
    expect(afterPings.bufferBytesMax).toBeLessThan(1024);
    expect(afterPings.framesOut).toBeGreaterThanOrEqual(21);
    expect(afterPings.framesIn).toBeGreaterThanOrEqual(21);
    expect(afterPings.lastEmbedding).toBeUndefined();

    const one = await h.embed(texts[0]!);
    const batch = await h.embedBatch(texts);
    const s = streamStats(await h.ipcStats());
    expect(s.lastEmbedding).toMatchObject({ dims: one.length });
    expect(s.lastEmbeddings).toMatchObject({ count: 10, dims: one.length });
    expect(batch).toHaveLength(10);
    // The batch answer is at least 10 x 64 x 4 bytes (msgpack) and was held whole by the frame reader.
    expect(s.lastEmbeddings!.bytes).toBeGreaterThan(10 * one.length * 4);
    expect(s.bufferBytesMax).toBeGreaterThanOrEqual(s.lastEmbeddings!.bytes);
    expect(s.bufferBytesMax).toBeGreaterThan(afterPings.bufferBytesMax * 2);
    expect(s.frameInMax).toBe(s.lastEmbeddings!.bytes);
    const perDim = (s.lastEmbeddings!.bytes - s.lastEmbedding!.bytes) / (9 * one.length);
    if (name === 'reference-ndjson') expect(perDim).toBeGreaterThan(8); // decimal text, ~12-13 bytes a number
    else expect(perDim).toBeGreaterThanOrEqual(4); // Float32 bin: 4 bytes + a 2-byte bin header per vector
    if (name !== 'reference-ndjson') expect(perDim).toBeLessThan(4.1);
    expect(bufferVerdict(s.bufferBytesMax)).toBe('pass');
  }, 30_000);
});

describe('host ipc stats: a large frame', () => {
  it('a 1.5 MB request frame queued on the pipe lifts the high-water mark past 1 MB (the claim fails)', async () => {
    const maxFrameBytes = 4 * 1024 * 1024;
    const h = await host(await adapterFor('reference', undefined, { maxFrameBytes }));
    await h.ping();
    const before = streamStats(await h.ipcStats());
    expect(before.bufferBytesMax).toBeLessThan(1024);
    const big = 'alpha '.repeat(250_000); // 1.5 MB of text: the embedder may refuse it, the host still wrote it
    await h.embed(big, { timeoutMs: 10_000 }).catch(() => undefined);
    const s = streamStats(await h.ipcStats());
    expect(s.bytesOut - before.bytesOut).toBeGreaterThan(big.length);
    expect(s.writeQueuedMax).toBeGreaterThan(1024 * 1024);
    expect(s.bufferBytesMax).toBeGreaterThan(1024 * 1024);
    expect(bufferVerdict(s.bufferBytesMax)).toBe('fail');
    // The connection still works after it.
    expect((await h.embed('alpha beta')).length).toBe(64);
  }, 30_000);
});

describe('host ipc stats elsewhere', () => {
  it('http: counts response bodies held by the node:http client; their bytes per dim are JSON-sized', async () => {
    const h = await host(await adapterFor('reference-http'));
    const one = await h.embed(texts[0]!);
    await h.embedBatch(texts);
    const ipc = await h.ipcStats();
    expect(ipc).toMatchObject({ applicable: true, source: 'http-client' });
    const s = streamStats(ipc);
    expect(s.lastEmbedding).toMatchObject({ dims: one.length });
    expect(s.lastEmbeddings).toMatchObject({ count: 10, dims: one.length });
    expect(s.bufferBytesMax).toBeGreaterThanOrEqual(s.lastEmbeddings!.bytes);
    expect(s.bufferBytesMax).toBeLessThan(1024 * 1024);
    expect((s.lastEmbeddings!.bytes - s.lastEmbedding!.bytes) / (9 * one.length)).toBeGreaterThan(8);
  }, 30_000);

  it('in-process: not applicable, with the reason', async () => {
    const h = await host(await adapterFor('in-process'), { deferStart: true });
    const ipc = await h.ipcStats();
    expect(ipc.applicable).toBe(false);
    if (!ipc.applicable) expect(ipc.reason).toMatch(/no connection/);
  }, 30_000);
});
