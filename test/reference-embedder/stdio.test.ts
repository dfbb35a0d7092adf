import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCodec } from '../../harness/protocol/codec.ts';
import type { Response } from '../../harness/protocol/messages.ts';
import { spawnEmbedder, tinyModel, type Embedder } from './helpers.ts';

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

function vectorOf(res: Response): Float32Array {
  if (res.type !== 'embedding') throw new Error(`expected embedding, got ${JSON.stringify(res)}`);
  return res.vector;
}

describe('reference embedder over stdio (msgpack)', () => {
  let e: Embedder;
  beforeAll(async () => {
    e = start([]);
    const init = await e.request({ type: 'initialize', modelPath: model, options: { lanes: 2 } }, STARTUP_MS);
    expect(init).toMatchObject({ type: 'initialized', dims: 64, contextSize: 128, lanes: 2 });
  }, TEST_MS);

  it('embeds one text and a batch, batch == single bit for bit', async () => {
    const a = vectorOf(await e.request({ type: 'embed', text: 'hello world' }));
    expect(a.length).toBe(64);
    expect(a.every(Number.isFinite)).toBe(true);
    const b = await e.request({ type: 'embed-batch', texts: ['hello world', 'other text', 'hello world'] });
    if (b.type !== 'embeddings') throw new Error(JSON.stringify(b));
    expect(b.vectors).toHaveLength(3);
    expect(Buffer.from(b.vectors[0]!.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(b.vectors[2]!.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(b.vectors[1]!.buffer).equals(Buffer.from(a.buffer))).toBe(false);
  }, TEST_MS);

  it('answers an 11-text batch with batch-too-large, then still answers', async () => {
    const res = await e.request({ type: 'embed-batch', texts: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(res).toMatchObject({ type: 'error', code: 'batch-too-large', retryable: false });
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  }, TEST_MS);

  it('answers invalid UTF-8 with bad-utf8 to the right id, then still embeds', async () => {
    const id = 9999;
    const frame = getCodec('msgpack').encode({ v: 1, id, type: 'embed', text: 'ab' });
    frame[frame.length - 2] = 0xc3; frame[frame.length - 1] = 0x28;
    e.child.stdin!.write(frame);
    await expect.poll(() => e.received.find((m) => m.id === id), { timeout: 5000 }).toMatchObject({ type: 'error', code: 'bad-utf8' });
    expect(vectorOf(await e.request({ type: 'embed', text: 'still alive' })).length).toBe(64);
  }, TEST_MS);

  it('refuses empty and over-long texts without dying', async () => {
    expect(await e.request({ type: 'embed', text: '' })).toMatchObject({ type: 'error', code: 'bad-request' });
    expect(await e.request({ type: 'embed', text: 'word '.repeat(500) })).toMatchObject({ type: 'error', code: 'too-many-tokens' });
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  }, TEST_MS);

  it('reports stats from /proc/self/status', async () => {
    const s = await e.request({ type: 'stats' });
    if (s.type !== 'stats') throw new Error(JSON.stringify(s));
    expect(s.pid).toBe(e.child.pid);
    expect(s.rss).toBeGreaterThan(10_000_000);
    expect(s.rssAnon + s.rssFile).toBeLessThanOrEqual(s.rss + 4096 * 16);
    expect(s.requests).toBeGreaterThan(3);
    expect(s.inFlight).toBe(0);
  }, TEST_MS);

  it('on shutdown drains in-flight requests, acks graceful, exits 0', async () => {
    const pending = ['one', 'two', 'three', 'four'].map((text) => e.request({ type: 'embed', text }));
    const ack = e.request({ type: 'shutdown' });
    const answers = await Promise.all(pending);
    expect(answers.map((r) => r.type)).toEqual(['embedding', 'embedding', 'embedding', 'embedding']);
    expect(await ack).toMatchObject({ type: 'shutdown-ack', graceful: true });
    const types = e.received.map((m) => m.type);
    expect(types.at(-1)).toBe('shutdown-ack');
    expect((await e.exited).code).toBe(0);
  }, TEST_MS);
});

describe('reference embedder process lifecycle', () => {
  it('exits within 1 s of its stdin closing', async () => {
    const e = start([]);
    expect(await e.request({ type: 'ping' }, STARTUP_MS)).toMatchObject({ type: 'pong' });
    const t0 = performance.now();
    e.child.stdin!.end();
    const { code, at } = await e.exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(1000);
  }, TEST_MS);

  it('a 100 MB length prefix gets bad-frame (id 0) and exit code 3, not an allocation', async () => {
    const e = start([]);
    expect(await e.request({ type: 'ping' }, STARTUP_MS)).toMatchObject({ type: 'pong' });
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(100 * 1024 * 1024, 0);
    e.child.stdin!.write(prefix);
    const { code } = await e.exited;
    expect(code).toBe(3);
    expect(e.received.at(-1)).toMatchObject({ id: 0, type: 'error', code: 'bad-frame' });
    expect(e.stderr()).toContain('104857600');
  }, TEST_MS);

  it('speaks ndjson too, and survives a garbage line', async () => {
    const e = start(['--model', model], { codec: 'ndjson' });
    e.child.stdin!.write('this is not json\n');
    const init = await e.request({ type: 'initialize', modelPath: model }, STARTUP_MS);
    expect(init).toMatchObject({ type: 'initialized', dims: 64 });
    expect(e.received[0]).toMatchObject({ id: 0, type: 'error', code: 'bad-frame' });
    expect(vectorOf(await e.request({ type: 'embed', text: 'hello world' })).length).toBe(64);
    e.child.stdin!.end();
    expect((await e.exited).code).toBe(0);
  }, TEST_MS);

  it('answers model-load-failed (or model-invalid) for a file that is not a GGUF, and stays up', async () => {
    const bad = `${dir}/not-a-model.gguf`;
    fs.writeFileSync(bad, 'definitely not gguf');
    const e = start([]);
    const res = await e.request({ type: 'initialize', modelPath: bad }, STARTUP_MS);
    expect(res.type).toBe('error');
    expect(['model-invalid', 'model-load-failed']).toContain((res as Extract<Response, { type: 'error' }>).code);
    expect((res as Extract<Response, { type: 'error' }>).message).toContain('not-a-model.gguf');
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    e.child.stdin!.end();
    await e.exited;
  }, TEST_MS);
});
