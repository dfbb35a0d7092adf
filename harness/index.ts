/**
 * `gauntlet`: what a gauntlet.config.ts imports. Identity helpers that give a config and its scenarios their types,
 * the built-in adapters to build on, and the types of configs, scenarios, adapters, claims and reports.
 * Kept light on purpose (no engine, no runner): loading a config must not load the harness a second time.
 * The building blocks for driving gauntlet from code are in `gauntlet/api` (harness/api.ts).
 */
export { defineConfig } from './config/define-config.ts';
export { defineScenario } from './runner/define-scenario.ts';
export { defaultAdapters, referenceCommand, DEFAULTS, DEFAULT_MODEL, DEFAULT_LIMITS_CONFIG, defaultCacheDir } from './config/defaults.ts';
export { findEngine, locateEngine } from './engines/locate.ts';

export type {
  GauntletConfig, ResolvedConfig, ModelInput, ModelSource, LimitsConfig, ReporterEntry, ClaimOverride, ClaimDefinition, BenchMode,
} from './config/types.ts';
export type {
  AdapterKind, AdapterConfig, ProcessAdapterConfig, InProcessAdapterConfig, HttpAdapterConfig, ResolvedAdapter,
  EmbedderClient, EmbedCallOptions, StartInfo, EmbedderStats, LifecycleEvent, SupervisorTuning,
} from './adapters/types.ts';
export type {
  AnyScenario, ScenarioDefinition, ScenarioContext, ScenarioSizes, ScenarioTimeline, EmbedderMemory, RunModel,
  RunEvent, RunEventType, RunEventOf, AdapterOverride, ScenarioStartHostOptions,
} from './runner/types.ts';
export type { HostHandle, HostMemory, HostExit, HostCloseResult, HostCloseHow, StartHostOptions, HostCallOptions } from './host/types.ts';
export type { Claim, TargetClaim, ThesisClaim, ClaimSource, DocumentSource, UserClaim, AnyClaim, MetricKind, Precondition, RealRisk } from './claims/types.ts';
export type { RunReport, VerdictRow, Verdict, Severity, ScenarioResult, LatencySummary, SamplePoint, TimelineEvent, EnvironmentInfo } from './report/schema.ts';
export type { Reporter, ReporterSpec } from './report/reporter.ts';
export type { FaultRecord } from './faults/index.ts';
export type { EngineName, FoundEngine, EngineManifest } from './engines/locate.ts';
