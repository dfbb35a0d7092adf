export { defineScenario } from './define-scenario.ts';
export { createRun, runGauntlet, planRuns, GauntletRun } from './run.ts';
export type { RunOptions, RunOutcome, PlannedRun } from './run.ts';
export { runScenario, scenarioTimeout, applicability } from './run-scenario.ts';
export { parseShard, shardItems } from './shard.ts';
export type { Shard } from './shard.ts';
export { createRng } from './rng.ts';
export type { ScenarioRng } from './rng.ts';
export { ProcessTracker } from './process-tracker.ts';
export type { Leftover } from './process-tracker.ts';
export { environmentInfo, nodeLlamaCppVersion } from './environment.ts';
export type { ScenarioDeps, RunEnv } from './scenario-context.ts';
export type {
  AnyScenario, ScenarioDefinition, ScenarioContext, ScenarioSizes, ScenarioTimeline, EmbedderMemory, RunModel,
  RunEvent, RunEventType, RunEventOf, AdapterOverride, ScenarioStartHostOptions,
} from './types.ts';
