/** model-file-changed through the runner, reference adapter, quick size. */
import { describe, expect, it } from 'vitest';
import modelFileChanged from '../../scenarios/model-file-changed.ts';
import { runCompleted } from './corrupt-gguf-run.ts';

describe('model-file-changed scenario', () => {
  it('reference: the host survives truncation, overwrite and rename; rename is safe; the file restored gives the reference vector', async () => {
    const r = await runCompleted(modelFileChanged, 'reference');
    const m = r.metrics;
    expect(m['modelFileChanged.hostCrashes']).toBe(0);
    expect(m['host.crashes']).toBe(0);
    expect(m['modelFileChanged.silentBadVectors']).toBeTypeOf('number');
    expect(m['modelFileChanged.rename.silentBadVectors']).toBe(0);
    const faults = r.timeline.filter((e) => e.kind === 'fault').map((e) => (e.details as { kind: string; tookEffect: boolean }));
    expect(faults.map((f) => f.kind).sort()).toEqual(['replace-model', 'replace-model', 'truncate-model']);
    expect(faults.every((f) => f.tookEffect)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/truncate: after the change/);
  }, 200_000);
});
