/**
 * corrupt-gguf through the runner: the whole catalogue against the reference embedder (one embedder reused across
 * files), and a small subset in-process, where the aborting files kill the (stand-in and real) host with SIGABRT.
 */
import { describe, expect, it } from 'vitest';
import { CORRUPTIONS } from '../../harness/gguf/corrupt.ts';
import corruptGguf from '../../scenarios/corrupt-gguf.ts';
import { runOnce, withQuick } from './corrupt-gguf-run.ts';

const present = (ids: string[]) => ids.filter((id) => CORRUPTIONS.some((v) => v.id === id));

describe('corrupt-gguf scenario', () => {
  it('reference, a subset: the host never dies, refusals are counted, the reused embedder survives refused files', async () => {
    const only = present(['bad-magic', 'empty-file', 'duplicate-key', 'ffn-length-zero', 'nan-attn-q', 'zeroed-ffn-up', 'trailing-garbage']);
    const r = await runOnce(withQuick(corruptGguf, { only }), 'reference');
    console.log('corrupt-gguf/reference subset', r.durationMs, 'ms', JSON.stringify(r.metrics), r.notes.slice(0, 4));
    expect(r.status, JSON.stringify(r.errors)).toBe('completed');
    expect(r.metrics['corruptGguf.variants']).toBe(only.length);
    expect(r.metrics['corruptGguf.hostCrashes']).toBe(0);
    expect(r.metrics['host.crashes']).toBe(0);
    expect(r.metrics['corruptGguf.clearErrors']).toBeGreaterThanOrEqual(3);
    expect(r.metrics['corruptGguf.loaded']).toBe(present(['zeroed-ffn-up', 'trailing-garbage']).length);
    expect(r.metrics['corruptGguf.hostChecks']).toBeGreaterThanOrEqual(1);
    expect(r.notes.join('\n')).toMatch(/representative subset|the whole catalogue/);
  }, 180_000);

  it.skipIf(!process.env.GAUNTLET_SLOW)('reference, the whole catalogue (GAUNTLET_SLOW=1)', async () => {
    const t0 = performance.now();
    const r = await runOnce(corruptGguf, 'reference');
    const ms = performance.now() - t0;
    expect(r.status, JSON.stringify(r.errors)).toBe('completed');
    expect(r.metrics['corruptGguf.variants']).toBe(CORRUPTIONS.length);
    expect(r.metrics['corruptGguf.hostCrashes']).toBe(0);
    expect(r.metrics['host.crashes']).toBe(0);
    expect(r.metrics['corruptGguf.unclearErrors']).toBeTypeOf('number');
    expect(r.metrics['corruptGguf.clearErrors']).toBeGreaterThan(CORRUPTIONS.length / 2);
    expect(r.metrics['corruptGguf.hostChecks']).toBeGreaterThanOrEqual(1);
    expect(r.notes.join('\n')).toMatch(/the whole catalogue/);
    console.log(`corrupt-gguf/reference: ${Math.round(ms)} ms`, JSON.stringify(r.metrics), r.notes.slice(0, 3));
  }, 240_000);

  it('in-process: aborting files kill the host with SIGABRT and the sweep goes on', async () => {
    const only = ['bad-magic', 'ffn-length-zero', 'duplicate-token', 'zeroed-ffn-up'].filter((id) => CORRUPTIONS.some((v) => v.id === id));
    const r = await runOnce(withQuick(corruptGguf, { only, hostChecks: 1 }), 'in-process');
    expect(r.metrics['corruptGguf.variants']).toBe(only.length);
    expect(r.metrics['corruptGguf.hostCrashes']).toBeGreaterThanOrEqual(1);
    expect(r.metrics['host.crashes']).toBeGreaterThanOrEqual(1);
    expect(r.metrics['corruptGguf.loaded']).toBe(1);
    const crashes = r.timeline.filter((e) => e.kind === 'crash');
    expect(crashes.some((e) => e.details?.signal === 'SIGABRT')).toBe(true);
    console.log('corrupt-gguf/in-process:', JSON.stringify(r.metrics), r.notes);
  }, 180_000);
});
