/**
 * The runner against a real host and the reference embedder: a kill fault lands on the timeline with proof, the
 * supervisor's restart shows up as events, and no process outlives the run.
 */
import { describe, expect, it } from 'vitest';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { resolveAdapter } from '../../harness/config/resolve-config.ts';
import { pidAlive } from '../../harness/faults/proc.ts';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import type { RunEvent } from '../../harness/runner/types.ts';

describe('runner with a real host', () => {
  it('kill -> restart -> same vector; nothing left alive', async () => {
    const config = await loadConfig();
    const model = await ensureModel(config.model);
    const adapter = resolveAdapter(config, 'reference', model);
    const seen: number[] = [];
    const s = defineScenario({
      id: 'mini-kill', title: 'mini kill', claims: [], quick: {}, full: {}, timeoutMs: 60_000,
      async run(ctx) {
        const host = await ctx.startHost();
        seen.push(host.pid);
        const before = await host.embed('hello world');
        const pid = (await host.embedderPid())!;
        seen.push(pid);
        const rec = await ctx.faults.kill(pid, 'SIGKILL');
        ctx.metric('killed', rec.tookEffect ? 1 : 0);
        let after: Float32Array | undefined;
        for (let i = 0; i < 200 && !after; i++) {
          after = await host.embed('hello world', { timeoutMs: 5000 }).catch(() => undefined);
          if (!after) await new Promise((r) => setTimeout(r, 50));
        }
        ctx.metric('same', after && after.length === before.length && after.every((v, i) => Object.is(v, before[i])) ? 1 : 0);
        seen.push((await host.embedderPid())!);
      },
    });
    const events: RunEvent[] = [];
    const { report, problems } = await runGauntlet({
      scenarios: [s], adapters: [adapter], seed: 7, quick: true, command: 'test', model: { path: model }, evaluate: () => [],
    }, (e) => events.push(e));
    const r = report.scenarios[0]!;
    expect(problems).toEqual([]);
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(r.metrics).toMatchObject({ killed: 1, same: 1, 'host.crashes': 0 });
    const kinds = r.timeline.map((e) => e.kind);
    for (const k of ['spawn', 'ready', 'fault', 'crash', 'restart'] as const) expect(kinds).toContain(k);
    expect(events.some((e) => e.type === 'restart')).toBe(true);
    expect(seen[2]).not.toBe(seen[1]);
    for (const pid of seen) expect(pidAlive(pid)).toBe(false);
  }, 90_000);
});
