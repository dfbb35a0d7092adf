import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../harness/adapters/in-process.ts';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { startHost } from '../../harness/host/host-handle.ts';
import { adapterFor } from '../host/helpers.ts';

describe('in-process adapter (node-llama-cpp inside the host)', () => {
  it('loads the model into the host itself: no embedder pid, host memory grows, concurrent == serial over 2 lanes', async () => {
    const a = await adapterFor('in-process', undefined, { lanes: 2 });
    const h = await startHost(a, { deferStart: true });
    try {
      const before = await h.memory({ gc: true });
      const info = await h.start();
      expect(info.dims).toBe(64);
      expect(info.contextSize).toBe(128); // never above the model's context length
      expect(await h.embedderPid()).toBeUndefined();
      expect(await h.embedderStats()).toBeUndefined();
      const after = await h.memory({ gc: true });
      expect(after.rss).toBeGreaterThan(before.rss); // the model now lives in the host
      const texts = ['a', 'hello world', 'the quick brown fox', 'zz top', '0 1 2 3'];
      const serial: Float32Array[] = [];
      for (const t of texts) serial.push(await h.embed(t));
      const concurrent = await Promise.all(texts.map((t) => h.embed(t)));
      concurrent.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(serial[i]!)));
      await expect(h.embedBatch(Array(11).fill('x'))).rejects.toMatchObject({ code: 'GAUNTLET_EMBEDDER_ERROR' });
    } finally {
      const closed = await h.close();
      expect(closed.how).toBe('graceful');
    }
  });

  it('useMmap: false loads the weights into the host (RssAnon) and gives the same vectors as the mapped default', async () => {
    // The small preset (~30 MB): the tiny one (~0.4 MB) would be lost in allocator noise.
    const model = await ensureModel(resolveConfig({ model: { preset: 'small' } }).model);
    const bytes = statSync(model).size;
    const a = await adapterFor('in-process', undefined, { model });
    expect(a.config).not.toHaveProperty('useMmap'); // default: mapped
    const vectors: number[][] = [];
    const anon: number[] = [];
    for (const useMmap of [true, false]) {
      const h = await startHost({ ...a, config: { kind: 'in-process', useMmap } }, { deferStart: true });
      try {
        const before = await h.memory({ gc: true });
        await h.start();
        vectors.push(Array.from(await h.embed('hello world')));
        const after = await h.memory({ gc: true });
        anon.push(after.rssAnon! - before.rssAnon!);
      } finally {
        await h.close();
      }
    }
    expect(vectors[1]).toEqual(vectors[0]);
    // Mapped, the weights are file pages; unmapped, they are anonymous memory of the host: about the file's size more.
    expect(anon[1]! - anon[0]!).toBeGreaterThan(0.8 * bytes);
  });

  it('rejects a useMmap that is not a boolean, naming the value', () => {
    const bad = { name: 'ip', config: { kind: 'in-process', useMmap: 'no' } } as never;
    expect(() => new InProcessClient(bad)).toThrow(expect.objectContaining({
      code: 'GAUNTLET_CONFIG_INVALID', message: 'adapters.ip.useMmap: expected true or false, got "no" (string)',
    }));
  });

  it('a model that fails to load rejects start with GAUNTLET_MODEL_INVALID (the host survives a JS-level error)', async () => {
    const a = await adapterFor('in-process', undefined, { model: '/dev/null' });
    const err = await startHost(a).catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_MODEL_INVALID' });
  });
  it('a second in-process client in the same process starts after the first one closed (the runtime is shared, not disposed)', async () => {
    const a = await adapterFor('in-process');
    const first = new InProcessClient(a);
    await first.start();
    const v1 = await first.embed('hello world');
    await first.close();
    const second = new InProcessClient({ ...a, lanes: 2 });
    try {
      await second.start();
      expect(Array.from(await second.embed('hello world'))).toEqual(Array.from(v1));
    } finally {
      await second.close();
    }
  });
});
