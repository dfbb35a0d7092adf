/** `gauntlet bench` building blocks (issue 6): codec, transport, isolation and sampler-overhead benchmarks. */
export { runBench, benchSizes, defaultLanes, BENCH_SECTIONS, type RunBenchOptions } from './run-bench.ts';
export { benchCodecs, ndjsonCodecWork, sampleVector, CODEC_VARIANTS, type CodecBenchOptions } from './codecs.ts';
export { benchTransports, benchTransportsAndConnections, transferFrameLimit, DEFAULT_LINKS, type TransportBenchOptions } from './transports.ts';
export { startPeer, makePayload, pipelined, type Peer, type PeerOptions, type Payload } from './peer-client.ts';
export { benchIsolation, throughput, BENCH_TEXTS, type IsolationBenchOptions } from './isolation.ts';
export { runIsolationInChild, type IsolationRunOptions } from './isolation-runner.ts';
export { benchConnections, type ConnectionBenchOptions } from './connections.ts';
export { benchHostRss, type HostRssOptions } from './host-rss.ts';
export { benchOverhead, scenarioProbes, cpuPerCall, type OverheadBenchOptions } from './overhead.ts';
export { TARGETS, buildTargets, compare, evaluateTarget, formatTarget, type TargetDef } from './targets.ts';
export { formatSections, formatTargets, formatTargetLine } from './format.ts';
export { benchRunReport, writeBenchOutput } from './write-output.ts';
export { quantile, median, latencyStats, runTasks } from './stats.ts';
export type * from './types.ts';
