import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { runGauntlet, type RunOptions } from '../../harness/runner/run.ts';
import { RUN_OWNER_VAR } from '../../harness/runner/process-tracker.ts';
import { renderTimeText, timeTable } from '../../harness/report/time-table.ts';
import type { AnyScenario } from '../../harness/runner/types.ts';
import { FAKE_ADAPTER, startFakeHost } from './fake-host.ts';

const SECOND = { ...FAKE_ADAPTER, name: 'fake-2' };

function options(scenarios: AnyScenario[], extra: Partial<RunOptions> = {}): RunOptions {
  return {
    scenarios, adapters: [FAKE_ADAPTER, SECOND], seed: 7, quick: true, command: 'test', model: { path: '/nonexistent.gguf' },
    evaluate: () => [], sweepGraceMs: 300,
    deps: { startHost: () => startFakeHost(), loadOracle: () => Promise.reject(new Error('no oracle in tests')) },
    ...extra,
  };
}

/** The owner a spawned process sees in its environment (read from /proc while it lives). */
async function ownerSeenBySpawned(): Promise<string | undefined> {
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  try {
    const env = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    return env.find((e) => e.startsWith(`${RUN_OWNER_VAR}=`))?.slice(RUN_OWNER_VAR.length + 1);
  } finally {
    child.kill('SIGKILL');
  }
}

const windows = new Map<string, { start: number; end: number; owner?: string }>();
const holding = (id: string, overlap: boolean) => defineScenario({
  id, title: id, claims: [], quick: {}, full: {}, timeoutMs: 10_000, overlap,
  async run(ctx) {
    const start = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    const owner = await ownerSeenBySpawned(); // spawned while the other lane's run is in flight too
    await new Promise((r) => setTimeout(r, 300));
    windows.set(`${id}/${ctx.adapter.name}`, { start, end: performance.now(), owner });
    ctx.metric('held', 1);
  },
});

const overlapped = (a: string, b: string) => windows.get(a)!.start < windows.get(b)!.end && windows.get(b)!.start < windows.get(a)!.end;

describe('runner lanes', () => {
  it('with --lanes 2 the runs of an overlap scenario run together, a timing one alone; each spawned process carries its own run as owner', async () => {
    windows.clear();
    const { report } = await runGauntlet(options([holding('counts', true), holding('timings', false)], { lanes: 2 }));
    expect(report.scenarios.map((s) => `${s.scenario}/${s.adapter}`)).toEqual(['counts/fake', 'counts/fake-2', 'timings/fake', 'timings/fake-2']);
    expect(overlapped('counts/fake', 'counts/fake-2')).toBe(true);
    expect(overlapped('timings/fake', 'timings/fake-2')).toBe(false);
    expect(overlapped('counts/fake-2', 'timings/fake')).toBe(false);
    for (const [k, w] of windows) expect(w.owner, k).toBe(k);
    const [c1, c2, t1, t2] = report.scenarios;
    expect(c1!.timing?.overlap?.with).toEqual(['counts/fake-2']);
    expect(c2!.timing?.overlap?.with).toEqual(['counts/fake']);
    expect(c1!.timing?.cpuMs).toBeNull();
    expect(t1!.timing?.overlap).toBeUndefined();
    expect(typeof t2!.timing?.cpuMs).toBe('number');
    const table = timeTable(report)!;
    expect(table.overlap).toMatchObject({ runs: 2, stretches: 1 });
    expect(renderTimeText(report)).toMatch(/counts\s+\d+\.\ds \|\|/);
  });

  it('with --lanes 1 nothing overlaps, and every run has its own CPU figure', async () => {
    windows.clear();
    const { report } = await runGauntlet(options([holding('counts', true)], { lanes: 1 }));
    expect(overlapped('counts/fake', 'counts/fake-2')).toBe(false);
    for (const s of report.scenarios) {
      expect(s.timing?.overlap).toBeUndefined();
      expect(s.timing!.wallMs).toBeGreaterThanOrEqual(600);
      expect(s.timing!.bodyMs).toBeLessThanOrEqual(s.timing!.wallMs);
    }
    expect(timeTable(report)!.totals.runs).toBe(2);
  });
});
