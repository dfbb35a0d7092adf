/** The isolation bench's CPU-bound ceiling note: in-process CPU / external CPU per embedding, with the host / embedder split. */
import { describe, expect, it } from 'vitest';
import { cpuBoundNote } from '../../harness/bench/isolation.ts';

const base = { model: 'tiny', adapter: 'reference-uds', lanes: 2, mode: 'batch10' as const, ratio: 0.84 };

describe('cpuBoundNote', () => {
  it('bounds the ratio by in-process CPU / external CPU and shows where the external CPU went', () => {
    const note = cpuBoundNote({ ...base, externalCpuUs: 800, callerCpuUs: 40, embedderCpuUs: 760, inProcessCpuUs: 600 })!;
    expect(note).toContain('CPU per embedding 800 us (medians by process: host 40, embedder 760) vs 600 us in-process (x1.333)');
    expect(note).toContain('the ratio tracks in-process / external CPU: 0.75 (measured 0.84)');
    expect(note.startsWith('tiny, reference-uds, 2 lane(s), batch10:')).toBe(true);
  });

  it('leaves the split out when it is unknown, and gives no note without both CPU figures', () => {
    expect(cpuBoundNote({ ...base, externalCpuUs: 500, callerCpuUs: null, embedderCpuUs: null, inProcessCpuUs: 400 })).toContain('500 us vs 400 us in-process (x1.25)');
    expect(cpuBoundNote({ ...base, externalCpuUs: null, callerCpuUs: null, embedderCpuUs: null, inProcessCpuUs: 400 })).toBeUndefined();
    expect(cpuBoundNote({ ...base, externalCpuUs: 500, callerCpuUs: 10, embedderCpuUs: 490, inProcessCpuUs: null })).toBeUndefined();
    expect(cpuBoundNote({ ...base, externalCpuUs: 500, callerCpuUs: 10, embedderCpuUs: 490, inProcessCpuUs: 0 })).toBeUndefined();
  });
});
