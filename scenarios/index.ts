/** The scenario registry, in run order. `gauntlet run --scenario ID` picks from these. */
import type { AnyScenario } from '../harness/runner/types.ts';
import badInput from './bad-input.ts';
import coldStart from './cold-start.ts';
import corpus from './corpus.ts';
import corruptGguf from './corrupt-gguf.ts';
import concurrentEmbeds from './concurrent-embeds.ts';
import forcedKill from './forced-kill.ts';
import fuzz from './fuzz.ts';
import hang from './hang.ts';
import latency from './latency.ts';
import memoryPressure from './memory-pressure.ts';
import modelFileChanged from './model-file-changed.ts';
import parentExit from './parent-exit.ts';
import pipeDisconnect from './pipe-disconnect.ts';
import restartLimit from './restart-limit.ts';
import restartStorm from './restart-storm.ts';
import soak from './soak.ts';
import throughput from './throughput.ts';

export const SCENARIOS: readonly AnyScenario[] = [coldStart, latency, corpus, forcedKill, throughput, concurrentEmbeds, hang, restartStorm, restartLimit, parentExit, badInput, memoryPressure, pipeDisconnect, corruptGguf, modelFileChanged, fuzz, soak];

export const SCENARIO_IDS: readonly string[] = SCENARIOS.map((s) => s.id);

/**
 * The scenarios of a run in run order: the built-in ones, then a config's own (`ResolvedConfig.scenarios`, whose
 * ids the config resolver has checked do not clash with these).
 */
export function allScenarios(own: readonly AnyScenario[] = []): AnyScenario[] {
  return [...SCENARIOS, ...own];
}

/** The scenario with this id (built-in, or one of `own`), or undefined. */
export function findScenario(id: string, own: readonly AnyScenario[] = []): AnyScenario | undefined {
  return allScenarios(own).find((s) => s.id === id);
}
