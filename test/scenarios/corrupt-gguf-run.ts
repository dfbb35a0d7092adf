/**
 * Runs one scenario once through the runner (quick size) for one default adapter with the cached tiny model.
 * Shared by the tests of memory-pressure, soak, corrupt-gguf, model-file-changed and pipe-disconnect (runCompleted:
 * the same, for a run that must complete).
 */
import { expect } from 'vitest';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { resolveAdapter } from '../../harness/config/resolve-config.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import type { AnyScenario } from '../../harness/runner/types.ts';

export async function runOnce(scenario: AnyScenario, adapterName: string, opts: { seed?: number; extraArgs?: string[] } = {}): Promise<ScenarioResult> {
  const seed = opts.seed ?? 11;
  const config = await loadConfig();
  const model = await ensureModel(config.model);
  const adapter = resolveAdapter(config, adapterName, model);
  if (opts.extraArgs) {
    if (adapter.config.kind !== 'process') throw new Error(`extraArgs needs a process adapter, ${adapterName} is ${adapter.config.kind}`);
    adapter.config = { ...adapter.config, command: [...adapter.config.command, ...opts.extraArgs] };
  }
  const { report } = await runGauntlet({
    scenarios: [scenario], adapters: [adapter], seed, quick: true, command: 'vitest', model: { path: model }, evaluate: () => [],
  });
  const r = report.scenarios[0];
  if (!r) throw new Error(`no result for ${scenario.id}/${adapterName}`);
  return r;
}

/**
 * runOnce for a run that must complete: logs its figures, notes and errors under "scenario/adapter" (before the
 * check, so a failing run still shows them), then fails the test with the run's errors unless it completed.
 */
export async function runCompleted(scenario: AnyScenario, adapterName: string, opts: Parameters<typeof runOnce>[2] = {}): Promise<ScenarioResult> {
  const r = await runOnce(scenario, adapterName, opts);
  console.log(`${scenario.id}/${adapterName}`, r.durationMs, 'ms', JSON.stringify(r.metrics), r.notes, JSON.stringify(r.errors).slice(0, 2000));
  expect(r.status, JSON.stringify(r.errors)).toBe('completed');
  return r;
}

/** The scenario with its quick sizes changed (to keep a test short). */
export function withQuick<T extends AnyScenario>(scenario: T, sizes: Partial<T['quick']>): T {
  return { ...scenario, quick: { ...scenario.quick, ...sizes } };
}
