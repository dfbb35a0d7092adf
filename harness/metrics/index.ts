export { quantile, quantileSorted, sortedFinite, mean, variance, stddev, leakSlope } from './stats.ts';
export { summarizeLatencies, LatencyRecorder, latencyMetrics, seriesMetrics, BUCKET_BOUNDS, bucketIndex, histogramFromCounts } from './latency.ts';
export { readProcStatus, readProcStatusSync, parseProcStatus } from './proc-status.ts';
export { sampleCpu } from './cpu.ts';
export { Sampler, procStatusProbe, cpuProbe } from './sampler.ts';
export { Timeline } from './timeline.ts';

export type { LinearFit } from './stats.ts';
export type { LatencyRecorderOptions } from './latency.ts';
export type { ProcStatus } from './proc-status.ts';
export type { CpuSample } from './cpu.ts';
export type { Probe, ProbeValue, SamplerOptions, SamplerOverhead, SamplerResult } from './sampler.ts';
