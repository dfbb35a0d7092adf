import type { ScenarioDefinition, ScenarioSizes } from './types.ts';

/** Identity function that gives a scenario object its types (and infers its sizes from `quick`). */
export function defineScenario<S extends ScenarioSizes>(def: ScenarioDefinition<S>): ScenarioDefinition<S> {
  return def;
}
