/**
 * Runs one scenario once through the runner at quick size for one default adapter, optionally with reference
 * embedder fault switches (GAUNTLET_FAULTS in the adapter's env) or another command. Shared by the tests of
 * throughput, restart-storm, restart-limit, hang, concurrent-embeds, parent-exit and bad-input.
 */
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { resolveAdapter } from '../../harness/config/resolve-config.ts';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import type { AnyScenario } from '../../harness/runner/types.ts';

export interface RunWithOptions {
  /** Reference embedder fault switches, e.g. 'swap-ids' or 'hang-after=12'. */
  faults?: string;
  /** Replace the adapter's command (process / http adapters). */
  command?: (original: string[]) => string[];
  quick?: Record<string, unknown>;
  /** Supervisor tuning for process adapters and http adapters with a command (e.g. a restart policy without a working breaker). */
  supervisor?: Record<string, unknown>;
  seed?: number;
}

export async function adapterFor(name: string, opts: RunWithOptions = {}): Promise<ResolvedAdapter> {
  const config = await loadConfig();
  const model = await ensureModel(config.model);
  const adapter = resolveAdapter(config, name, model);
  const c = adapter.config;
  if (c.kind === 'in-process') return adapter;
  const env = { ...(c.env ?? {}), ...(opts.faults ? { GAUNTLET_FAULTS: opts.faults } : {}) };
  const command = opts.command && c.command ? opts.command(c.command) : c.command;
  const supervisor = (c.kind === 'process' || c.kind === 'http') && opts.supervisor ? { supervisor: { ...(c.supervisor ?? {}), ...opts.supervisor } } : {};
  return { ...adapter, config: { ...c, env, ...(command ? { command } : {}), ...supervisor } as typeof c };
}

export async function runWith(scenario: AnyScenario, adapterName: string, opts: RunWithOptions = {}): Promise<ScenarioResult> {
  const adapter = await adapterFor(adapterName, opts);
  const s = opts.quick ? { ...scenario, quick: { ...scenario.quick, ...opts.quick } } : scenario;
  const { report } = await runGauntlet({
    scenarios: [s], adapters: [adapter], seed: opts.seed ?? 5, quick: true, command: 'vitest', model: { path: adapter.model }, evaluate: () => [],
  });
  const r = report.scenarios[0];
  if (!r) throw new Error(`no result for ${scenario.id}/${adapterName}`);
  return r;
}

/** A metric that must be present and a finite number. */
export function num(r: ScenarioResult, key: string): number {
  const v = r.metrics[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`metric ${key} of ${r.scenario}/${r.adapter} is ${JSON.stringify(v)}; metrics: ${JSON.stringify(r.metrics)}; errors: ${JSON.stringify(r.errors).slice(0, 800)}`);
  }
  return v;
}
