import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { runGauntlet, planRuns, type RunOptions } from '../../harness/runner/run.ts';
import { parseShard } from '../../harness/runner/shard.ts';
import { pidAlive } from '../../harness/faults/proc.ts';
import type { RunEvent, AnyScenario } from '../../harness/runner/types.ts';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import { FAKE_ADAPTER, startFakeHost } from './fake-host.ts';

function options(scenarios: AnyScenario[], extra: Partial<RunOptions> = {}): RunOptions {
  return {
    scenarios, adapters: [FAKE_ADAPTER], seed: 42, quick: true, command: 'test', model: { path: '/nonexistent.gguf' },
    evaluate: () => [], sweepGraceMs: 300,
    deps: { startHost: () => startFakeHost(), loadOracle: () => Promise.reject(new Error('no oracle in tests')) },
    ...extra,
  };
}

const pids: number[] = [];

describe('runner', () => {
  it('a scenario past its timeout ends timed-out, and its host and embedder are gone', async () => {
    const events: RunEvent[] = [];
    const s = defineScenario({
      id: 'hangs', title: 'hangs', claims: [], quick: {}, full: {}, timeoutMs: 2500,
      async run(ctx) {
        const h = await ctx.startHost();
        pids.push(h.pid, (h as unknown as { embedder: number }).embedder);
        await new Promise((r) => setTimeout(r, 60_000)); // never finishes by itself
      },
    });
    const t0 = Date.now();
    const { report } = await runGauntlet(options([s]), (e) => events.push(e));
    expect(Date.now() - t0).toBeLessThan(8000);
    const r = report.scenarios[0]!;
    expect(r.status).toBe('timed-out');
    expect(r.errors.map((e) => e.code)).toContain('GAUNTLET_TIMEOUT');
    expect(r.errors.map((e) => e.code)).not.toContain('GAUNTLET_LEFTOVER_PROCESS');
    expect(pids.length).toBe(2);
    for (const p of pids.splice(0)) expect(pidAlive(p)).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'scenario-start', 'scenario-end', 'run-end']);
    expect(r.timeline.some((e) => e.kind === 'spawn')).toBe(true);
  });

  it('a throwing scenario ends harness-error with the message; the run exit code is 2', async () => {
    const s = defineScenario({
      id: 'throws', title: 'throws', claims: [], quick: {}, full: {}, timeoutMs: 1000,
      async run() { throw new Error('boom: the scenario broke'); },
    });
    const { report } = await runGauntlet(options([s]));
    expect(report.scenarios[0]!.status).toBe('harness-error');
    expect(report.scenarios[0]!.errors[0]!.message).toBe('boom: the scenario broke');
    expect(report.summary.exitCode).toBe(2);
  });

  it('a host killed behind the runner\'s back is host-died with its signal; a faults.kill is expected', async () => {
    const crash = defineScenario({
      id: 'crash', title: 'crash', claims: [], quick: {}, full: {}, timeoutMs: 5000,
      async run(ctx) {
        const h = await ctx.startHost();
        process.kill(h.pid, 'SIGSEGV');
        await h.exited;
      },
    });
    const planned = defineScenario({
      id: 'planned', title: 'planned', claims: [], quick: {}, full: {}, timeoutMs: 5000,
      async run(ctx) {
        const h = await ctx.startHost();
        const rec = await ctx.faults.kill(h.pid, 'SIGKILL');
        ctx.metric('killed', rec.tookEffect ? 1 : 0);
      },
    });
    const { report } = await runGauntlet(options([crash, planned]));
    const [a, b] = report.scenarios;
    expect(a!.status).toBe('host-died');
    expect(a!.errors.find((e) => e.code === 'GAUNTLET_HOST_DIED')).toMatchObject({ signal: 'SIGSEGV' });
    // The fake host's embedder outlived it: the sweep found and killed that orphan.
    expect(a!.errors.some((e) => e.code === 'GAUNTLET_LEFTOVER_PROCESS')).toBe(true);
    expect(a!.metrics['host.crashes']).toBe(1);
    expect(b!.status).toBe('completed');
    expect(b!.metrics).toMatchObject({ killed: 1, 'host.crashes': 0 });
    expect(b!.timeline.find((e) => e.kind === 'fault')?.details).toMatchObject({ kind: 'kill', tookEffect: true });
  });

  it('an embedder left alive after its host closed is SIGKILLed and reported', async () => {
    const s = defineScenario({
      id: 'leaks', title: 'leaks', claims: [], quick: {}, full: {}, timeoutMs: 5000,
      async run(ctx) {
        const h = await ctx.startHost();
        pids.push((h as unknown as { embedder: number }).embedder);
      },
    });
    const { report } = await runGauntlet(options([s], { deps: { startHost: () => startFakeHost('leak-embedder') } }));
    const r = report.scenarios[0]!;
    const leftover = r.errors.find((e) => e.code === 'GAUNTLET_LEFTOVER_PROCESS');
    expect(leftover?.message).toMatch(/(embedder|descendant) pid \d+ .*SIGKILLed .*sleeper\.mjs ignore-term/);
    for (const p of pids.splice(0)) expect(pidAlive(p)).toBe(false);
  }, 15_000);

  it('records metrics, latency, series and notes; skips what does not apply; sizes follow --quick', async () => {
    const s = defineScenario({
      id: 'figures', title: 'figures', claims: ['x'], quick: { n: 3 }, full: { n: 100 }, timeoutMs: 1000,
      appliesTo: (a: ResolvedAdapter) => (a.name === 'other' ? 'not for other' : true),
      async run(ctx) {
        ctx.metric('n', ctx.sizes.n);
        ctx.latency('single', [1, 2, 3, 4, 100]);
        ctx.series('custom', 5);
        ctx.note('hello');
        ctx.metric('rng', ctx.rng.int(1_000_000));
      },
    });
    const other = { ...FAKE_ADAPTER, name: 'other' };
    const { report } = await runGauntlet(options([s], { adapters: [FAKE_ADAPTER, other] }));
    const [r, skipped] = report.scenarios;
    expect(r!.status).toBe('completed');
    expect(r!.metrics.n).toBe(3);
    expect(r!.latency!.single).toMatchObject({ count: 5, min: 1, p50: 3, max: 100 });
    expect(r!.series!.custom![0]!.value).toBe(5);
    expect(r!.notes).toEqual(['hello']);
    expect(skipped!.status).toBe('skipped');
    expect(skipped!.notes[0]).toMatch(/not for other/);
    // Same seed, same stream; the report carries the seed and the environment.
    const again = await runGauntlet(options([s]));
    expect(again.report.scenarios[0]!.metrics.rng).toBe(r!.metrics.rng);
    const other2 = await runGauntlet(options([s], { seed: 43 }));
    expect(other2.report.scenarios[0]!.metrics.rng).not.toBe(r!.metrics.rng);
    expect(report.seed).toBe(42);
    expect(report.environment.nodeLlamaCpp).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('claims decide the exit code; a failing evaluate is a run problem (exit 2)', async () => {
    const s = defineScenario({ id: 'ok', title: 'ok', claims: [], quick: {}, full: {}, timeoutMs: 1000, async run() {} });
    const row = { claim: 'c', adapter: 'fake', severity: 'required' as const, verdict: 'fail' as const, value: 1, unit: 'ms', threshold: 'max<0ms', source: 's', reason: 'r', evidence: { scenarios: ['ok'] } };
    expect((await runGauntlet(options([s], { evaluate: () => [row] }))).report.summary.exitCode).toBe(1);
    const bad = await runGauntlet(options([s], { evaluate: () => { throw new Error('no claims'); } }));
    expect(bad.report.summary.exitCode).toBe(2);
    expect(bad.problems[0]!.message).toMatch(/no claims/);
  });

  it('startHost({ adapter }) gives that host another model/config; ctx.adapter is frozen and never changes', async () => {
    const seen: ResolvedAdapter[] = [];
    const caught: string[] = [];
    const s = defineScenario({
      id: 'override', title: 'override', claims: [], quick: {}, full: {}, timeoutMs: 5000,
      async run(ctx) {
        const h = await ctx.startHost({ adapter: { model: '/other.gguf', config: { ...ctx.adapter.config, description: 'patched' } as ResolvedAdapter['config'] }, deferStart: true });
        pids.push(h.pid, (h as unknown as { embedder: number }).embedder);
        await h.close();
        expect(ctx.adapter.model).toBe('/nonexistent.gguf');
        expect(ctx.adapter.config.description).not.toBe('patched');
        expect(Object.isFrozen(ctx.adapter) && Object.isFrozen(ctx.adapter.config)).toBe(true);
        for (const bad of [{ config: { kind: 'http', baseUrl: 'http://127.0.0.1:9' } }, { name: 'x' }]) {
          await ctx.startHost({ adapter: bad as never }).catch((e: Error) => caught.push(e.message));
        }
      },
    });
    const { report } = await runGauntlet(options([s], {
      deps: { startHost: (a) => { seen.push(a); return startFakeHost(); }, loadOracle: () => Promise.reject(new Error('no oracle in tests')) },
    }));
    expect(report.scenarios[0]!.status, JSON.stringify(report.scenarios[0]!.errors)).toBe('completed');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: FAKE_ADAPTER.name, model: '/other.gguf', config: { description: 'patched' } });
    expect(caught).toEqual([
      'startHost: the adapter override\'s config is of kind "http", but adapter fake is "in-process"',
      'startHost: the adapter override cannot set name (only model, config, startTimeoutMs, requestTimeoutMs)',
    ]);
    for (const p of pids.splice(0)) expect(pidAlive(p)).toBe(false);
  });
});

describe('shards', () => {
  const mk = (id: string): AnyScenario => defineScenario({ id, title: id, claims: [], quick: {}, full: {}, timeoutMs: 1, async run() {} });
  const scenarios = ['a', 'b', 'c', 'd', 'e'].map(mk);
  const adapters = ['x', 'y', 'z'].map((name) => ({ ...FAKE_ADAPTER, name }));
  const key = (p: { scenario: AnyScenario; adapter: ResolvedAdapter }) => `${p.scenario.id}/${p.adapter.name}`;

  it.each([1, 2, 3, 4, 7, 15, 16])('n=%i: shards are disjoint, complete and stable', (n) => {
    const all = planRuns(scenarios, adapters).map(key);
    const parts = Array.from({ length: n }, (_, i) => planRuns(scenarios, adapters, { index: i + 1, count: n }).map(key));
    expect(parts.flat().sort()).toEqual(all.slice().sort());
    expect(new Set(parts.flat()).size).toBe(all.length);
    expect(parts).toEqual(Array.from({ length: n }, (_, i) => planRuns(scenarios, adapters, { index: i + 1, count: n }).map(key)));
    const sizes = parts.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('parseShard accepts i/n and names the flag when it refuses', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/--shard: expected i\/n/);
  });
});
