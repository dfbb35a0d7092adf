/**
 * `gauntlet/api`: the building blocks, for driving gauntlet from code (start a host, run scenarios, write reports).
 * A config needs only `gauntlet` itself (harness/index.ts). Values first, then `export type`s.
 */
export * from './index.ts';

// config
export { resolveConfig, resolveAdapter, adapterNames, modelFileName } from './config/resolve-config.ts';
export { loadConfig, findConfigFile, importConfig, CONFIG_NAMES } from './config/load-config.ts';
export { ensureModel } from './config/ensure-model.ts';

// host and adapters
export { startHost } from './host/host-handle.ts';
export { reapOrphans, watchedHostPids } from './host/host-reaper.ts';
export { createClient } from './adapters/create-client.ts';

// embedder side building blocks
export { Supervisor } from './supervisor/supervisor.ts';
export { connectStreams, connectUds, listenUds, serveHttp, httpEmbed, httpHealth } from './transport/index.ts';
export { getCodec, CODEC_NAMES } from './protocol/codec.ts';
export { DEFAULT_LIMITS, PROTOCOL_VERSION } from './protocol/messages.ts';

// models
export { generateModel } from './gguf/generator.ts';
export { checkGguf } from './gguf/check.ts';
export { loadOracle } from './gguf/oracle.ts';

// faults, runner, reports
export * from './faults/index.ts';
export { createRun, runGauntlet } from './runner/index.ts';
export { createReporters, writeReports, REPORTER_NAMES } from './report/reporters.ts';

// errors and utilities
export { GauntletError, toError } from './util/errors.ts';
export { withDeadline } from './util/deadline.ts';

// The config, adapter, scenario, claim and report types come with `export * from './index.ts'` above.
export type { HostEventMap } from './host/types.ts';
export type { SupervisorOptions, StopResult, RestartPolicy } from './supervisor/types.ts';
export type { Message, Request, Response, CodecName, TransportName, ProtocolLimits } from './protocol/messages.ts';
export type { GauntletErrorCode } from './util/errors.ts';
export type { Oracle } from './gguf/oracle.ts';
export type { Reporter, ReporterSpec } from './report/reporter.ts';
