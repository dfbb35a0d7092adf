/** The embedder supervisor: spawn, handshake, deadlines, crash/hang recovery, restart breaker, standby, escalating stop; one core, two drivers. */
export { Supervisor, type SupervisorDeps } from './supervisor.ts';
export { SupervisorCore } from './core.ts';
export type { CoreHooks, CoreOptions, CorePolicy, Embedder, EmbedderDriver, EmbedderRole, StartResult, Started } from './embedder-driver.ts';
export { resolveSupervisorOptions, DEFAULT_RESTART, SUPERVISOR_DEFAULTS } from './options.ts';
export { backoffDelay, RestartBreaker } from './backoff.ts';
export type { StreamConnector, EmbedderLink } from './link.ts';
export type {
  CrashReason, InitInfo, LifecycleDetails, LifecycleEvent, LifecycleListener, LifecycleType, RequestOptions,
  ResolvedSupervisorOptions, ResponseFor, ResponseMap, RestartPolicy, StopHow, StopResult, SupervisorCounters,
  SupervisorOptions, SupervisorState, SupervisorTransport,
} from './types.ts';
