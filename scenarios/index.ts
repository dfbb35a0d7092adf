/** The scenario registry, in run order. `gauntlet run --scenario ID` picks from these. */
import type { AnyScenario } from '../harness/runner/types.ts';
import badInput from './bad-input.ts';
import coldStart from './cold-start.ts';
import concurrentEmbeds from './concurrent-embeds.ts';
import forcedKill from './forced-kill.ts';
import hang from './hang.ts';
import latency from './latency.ts';
import parentExit from './parent-exit.ts';
import restartStorm from './restart-storm.ts';
import throughput from './throughput.ts';

export const SCENARIOS: readonly AnyScenario[] = [coldStart, latency, forcedKill, throughput, concurrentEmbeds, hang, restartStorm, parentExit, badInput];

export const SCENARIO_IDS: readonly string[] = SCENARIOS.map((s) => s.id);

/** The scenario with this id, or undefined. */
export function findScenario(id: string): AnyScenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
