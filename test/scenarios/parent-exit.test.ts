/** parent-exit through the runner: the reference embedder exits with its host; one that outlives it is an orphan. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/parent-exit.ts';
import { num, runWith } from './throughput-run.ts';

const OUTLIVES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'parent-exit-outlives.mjs');

describe('parent-exit scenario', () => {
  it('clean reference: the embedder is gone within 1 s of the host SIGKILL, idle and busy', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(num(r, 'parentExit.orphans')).toBe(0);
    expect(num(r, 'parentExit.trials')).toBe(2);
    expect(num(r, 'parentExit.hostsKilled')).toBe(2);
    expect(num(r, 'parentExit.embedderExitMs.max')).toBeLessThan(1000);
    expect(num(r, 'parentExit.busyInFlight.min')).toBeGreaterThan(0);
  }, 60_000);

  it('an embedder that outlives its parent is counted as an orphan and killed', async () => {
    const r = await runWith(scenario, 'reference', {
      quick: { modes: ['idle'], observeMs: 1500 },
      command: (argv) => [process.execPath, OUTLIVES, ...argv],
    });
    expect(num(r, 'parentExit.orphans')).toBe(1);
    expect(r.errors.some((e) => e.code === 'ORPHAN')).toBe(true);
    expect(r.errors.some((e) => e.code === 'GAUNTLET_LEFTOVER_PROCESS')).toBe(false);
  }, 60_000);

  it('is not applicable to the in-process adapter', async () => {
    const r = await runWith(scenario, 'in-process');
    expect(r.status).toBe('skipped');
  }, 30_000);
});
