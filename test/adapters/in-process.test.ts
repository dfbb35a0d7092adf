import { describe, expect, it } from 'vitest';
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

  it('a model that fails to load rejects start with GAUNTLET_MODEL_INVALID (the host survives a JS-level error)', async () => {
    const a = await adapterFor('in-process', undefined, { model: '/dev/null' });
    const err = await startHost(a).catch((e) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_MODEL_INVALID' });
  });
});
