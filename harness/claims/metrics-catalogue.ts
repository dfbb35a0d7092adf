/**
 * Every metric a claim reads: its unit, kind and the scenario(s) expected to produce it.
 *
 * How a producer reports a metric in ScenarioResult.metrics (see `metricKey`):
 * - the plain aggregations (`value`, and `count` / `rate` / `ratio` on metrics of that kind) read the metric's own
 *   name: metrics['host.crashes'] = 0;
 * - any other aggregation reads `<name>.<aggregation>`: metrics['host.rss.max'], metrics['embed.latency.p50'],
 *   metrics['embed.latency.count']. harness/metrics exports `latencyMetrics()` and `seriesMetrics()` that flatten a
 *   LatencySummary or a SamplePoint series into exactly these keys;
 * - latency metrics with a `latencyKey` are also read from ScenarioResult.latency[latencyKey].
 * Sizes are bytes, times are ms, ratios are plain fractions (0.8 = 80%), rates are per second.
 */
import type { MetricKind, ScenarioId } from './types.ts';

export type MetricUnit = 'ms' | 'bytes' | 'count' | 'ratio' | 'bytes/dim' | 'boolean' | 'req/s' | 'texts/s' | 'msg/s' | 'B/s' | 'bytes/request';

/** `S`: the scenario ids that may produce it; built-in metrics name built-in scenarios, a config's may name its own. */
export interface MetricDef<S extends string = ScenarioId> {
  unit: MetricUnit;
  kind: MetricKind;
  scenarios: S[];
  description: string;
  /** For latency metrics: the key of ScenarioResult.latency that holds the same distribution. */
  latencyKey?: string;
  /** A failing verdict quotes the first scenario errors with this code (what the count counted). */
  quoteErrors?: string;
}

const FAULTS: ScenarioId[] = [
  'forced-kill', 'restart-storm', 'restart-limit', 'hang', 'concurrent-embeds', 'memory-pressure', 'pipe-disconnect',
  'corrupt-gguf', 'model-file-changed', 'bad-input', 'soak', 'fuzz',
];

export const METRICS = {
  // ---- host memory (sampled by the host itself through HostHandle.memory()) ----
  'host.rss': { unit: 'bytes', kind: 'bytes', scenarios: ['cold-start', 'latency', 'throughput', 'memory-pressure', 'soak'], description: 'Resident set size of the host process (the "Node.js process" of the seeds); report .max' },
  'host.heapUsed.growth': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure', 'soak'], description: 'heapUsed after 100 embeds minus heapUsed before them, both after a forced GC where available; report .max' },
  'host.heapUsed.loadDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['cold-start', 'memory-pressure'], description: 'heapUsed of the host after the model is loaded minus before; report .max' },
  'host.external.loadDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['cold-start', 'memory-pressure'], description: 'process.memoryUsage().external of the host after load minus before (native memory reported to V8); report .max' },
  'host.rssAnon.loadDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['cold-start', 'memory-pressure'], description: 'Anonymous RSS of the host after the model is loaded minus before; report .max' },
  'host.ipc.bufferBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['latency', 'throughput'], description: 'High-water mark of bytes buffered by the host-side connection (read queue + pending writes); report .max' },
  'host.crashes': { unit: 'count', kind: 'count', scenarios: ['cold-start', ...FAULTS], description: 'Times the host process died (signal or unexpected exit) during a scenario; summed over scenarios' },
  // ---- embedder memory (/proc/PID/status of the embedder process) ----
  'embedder.rssAnon': { unit: 'bytes', kind: 'bytes', scenarios: ['cold-start', 'latency', 'memory-pressure', 'soak'], description: 'Anonymous RSS of the embedder process (its working set with the mapped model excluded); report .max' },
  'embedder.rssAnon.loadDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'Anonymous RSS of the embedder after initialize (http server: after /health turns 200) minus before (its runtime up, no model); report .max' },
  'memory.model.fileBackedRatio': { unit: 'ratio', kind: 'ratio', scenarios: ['memory-pressure'], description: 'RssFile growth on load / model file size, in the process that holds the model' },
  'memory.model.bytes': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure', 'cold-start'], description: 'Size of the model file used by the memory scenario' },
  'memory.model.rssAnonDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'Anonymous RSS growth on load of the process that holds the model' },
  'memory.model.rssFileDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'File-backed RSS growth on load of the process that holds the model' },
  // ---- in-process loading (theses about V8) ----
  'inProcess.load.hostCrashed': { unit: 'boolean', kind: 'boolean', scenarios: ['memory-pressure'], description: '1 when loading the model inside the host killed the host, else 0' },
  'inProcess.load.modelBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'Size of the model loaded inside the host (memory-mapped)' },
  'inProcess.loadNoMmap.hostCrashed': { unit: 'boolean', kind: 'boolean', scenarios: ['memory-pressure'], description: '1 when loading the model inside the host with mmap off (weights in anonymous memory) killed the host' },
  'inProcess.loadNoMmap.modelBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'Size of the model loaded inside the host with mmap off' },
  'inProcess.loadNoMmap.rssAnonDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'Anonymous RSS of the host after loading the model with mmap off (and one embed) minus before' },
  'inProcess.loadNoMmap.rssFileDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'File-backed RSS of the host after loading the model with mmap off minus before' },
  'inProcess.loadNoMmap.heapUsedDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'heapUsed of the host after loading the model with mmap off minus before, both after a forced GC' },
  'inProcess.loadNoMmap.externalDelta': { unit: 'bytes', kind: 'bytes', scenarios: ['memory-pressure'], description: 'process.memoryUsage().external of the host after loading the model with mmap off minus before' },
  'inProcess.jsAlloc.crashed': { unit: 'boolean', kind: 'boolean', scenarios: ['memory-pressure'], description: '1 when a Node process died allocating and filling a 256 MB Float32Array (JS dequantisation), else 0' },
  'bench.isolation.hostRssReduction': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: '1 - host RSS with a process adapter / host RSS with the in-process adapter, same model' },
  // ---- latency ----
  'embed.latency': { unit: 'ms', kind: 'latency', scenarios: ['latency'], latencyKey: 'single', description: 'Round trip of one single-text embed request as the host sees it' },
  'embed.batch10.latency': { unit: 'ms', kind: 'latency', scenarios: ['latency'], latencyKey: 'batch10', description: 'Round trip of one embed-batch request of 10 texts' },
  'embed.frameBytesPerDim': { unit: 'bytes/dim', kind: 'ratio', scenarios: ['latency'], description: 'Bytes one vector dimension adds to an embedding answer frame as the host received it: (10-vector frame - 1-vector frame) / (9 x dims), fixed header excluded; the whole 1-vector frame / dims is embed.frameBytesPerDim.whole' },
  'coldStart.readyMs': { unit: 'ms', kind: 'latency', scenarios: ['cold-start'], description: 'From spawn (or adapter creation) to the first successful embedding; report .max' },
  'coldStart.loadMs': { unit: 'ms', kind: 'latency', scenarios: ['cold-start'], description: 'Model load alone: initialize request to initialized response; report .max' },
  'restart.recoveryMs': { unit: 'ms', kind: 'latency', scenarios: ['forced-kill', 'restart-storm'], description: 'From the kill of the embedder to the next successful embedding; report .max, .p50' },
  'hang.detectMs': { unit: 'ms', kind: 'latency', scenarios: ['hang'], description: 'From sending a request to a stopped (SIGSTOP) embedder to the deadline error; report .max' },
  'hang.recoveredRatio': { unit: 'ratio', kind: 'ratio', scenarios: ['hang'], description: 'Fraction of hang trials after which the next embedding succeeded' },
  // ---- throughput ----
  'throughput.single': { unit: 'req/s', kind: 'rate', scenarios: ['throughput'], description: 'Completed single-text embed requests per second' },
  'throughput.batchTexts': { unit: 'texts/s', kind: 'rate', scenarios: ['throughput'], description: 'Texts embedded per second with embed-batch requests of 10' },
  // ---- crash recovery ----
  'forcedKill.recoveredRatio': { unit: 'ratio', kind: 'ratio', scenarios: ['forced-kill'], description: 'Fraction of kills after which the next embedding succeeded without user action' },
  'forcedKill.vectorMismatches': { unit: 'count', kind: 'count', scenarios: ['forced-kill', 'restart-storm'], description: 'Embeddings after a restart whose dims or values differ from the ones before' },
  'restartStorm.availability': { unit: 'ratio', kind: 'ratio', scenarios: ['restart-storm'], description: 'Fraction of requests answered correctly within their deadline while the embedder is killed repeatedly' },
  'restartStorm.requests': { unit: 'count', kind: 'count', scenarios: ['restart-storm'], description: 'Requests the client sent during the storm: the sample restartStorm.availability is computed from' },
  'restartLimit.endedWithClearError': { unit: 'boolean', kind: 'boolean', scenarios: ['restart-limit'], description: '1 when a permanently broken embedder ended in a give-up error within the restart limit (no endless loop)' },
  'restartLimit.backoffGrows': { unit: 'boolean', kind: 'boolean', scenarios: ['restart-limit'], description: '1 when the delay between consecutive restarts of a crashing embedder grows' },
  'parentExit.orphans': { unit: 'count', kind: 'count', scenarios: ['parent-exit'], description: 'Processes of the embedder\'s tree (the embedder and every process it started, found by /proc descent and the run tag just before the kill) still alive 1 s after their host was killed' },
  'corruptGguf.hostCrashes': { unit: 'count', kind: 'count', scenarios: ['corrupt-gguf'], description: 'Corrupt model files that killed the host' },
  'corruptGguf.unclearErrors': { unit: 'count', kind: 'count', scenarios: ['corrupt-gguf'], description: 'Corrupt model files that failed without an error naming the problem (or loaded silently)' },
  'modelFileChanged.silentBadVectors': { unit: 'count', kind: 'count', scenarios: ['model-file-changed'], description: 'Vectors delivered without error that are NaN or differ from the reference after the mapped file changed' },
  'modelFileChanged.hostCrashes': { unit: 'count', kind: 'count', scenarios: ['model-file-changed'], description: 'Host deaths when the mapped model file was truncated or replaced' },
  'pipeDisconnect.recoveredRatio': { unit: 'ratio', kind: 'ratio', scenarios: ['pipe-disconnect'], description: 'Fraction of disconnect / garbage trials after which the next embedding succeeded' },
  // ---- request accounting (harness/host/request-ledger.ts, every scenario that sends requests through a host) ----
  'requests.validFailed': { unit: 'count', kind: 'count', scenarios: ['cold-start', 'latency', 'throughput', 'parent-exit', ...FAULTS], quoteErrors: 'GAUNTLET_VALID_REQUEST_FAILED', description: 'Valid embed / embed-batch requests (not marked as deliberate edge cases, within the adapter\'s limits) sent outside any fault window, restart or abort, that did not end with a correct answer: a typed error other than GAUNTLET_OVERLOADED, a loss, a late answer, a wrong count, an empty, wrong-dims or non-finite vector; summed over scenarios' },
  'leftover.processes': { unit: 'count', kind: 'count', scenarios: ['cold-start', 'latency', 'throughput', 'parent-exit', ...FAULTS], quoteErrors: 'GAUNTLET_LEFTOVER_PROCESS', description: 'Processes of the scenario (embedders, their workers and helpers, found by pid, /proc descent and run tag) still alive when the scenario ended and its hosts were closed, after their grace period; summed over scenarios' },
  'requests.lost': { unit: 'count', kind: 'count', scenarios: ['cold-start', 'latency', 'throughput', 'parent-exit', ...FAULTS], description: 'Embed requests that reached their deadline unanswered while the embedder was up (no crash, restart, hang or injected fault around them), plus embed-batch answers with another number of vectors than texts; summed over scenarios. Late answers are counted apart in requests.late' },
  // ---- protocol limits ----
  'limits.frame.acceptedBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['pipe-disconnect', 'bad-input'], description: 'Size of frames the embedder accepted without a limit error; report .max' },
  'limits.frame.sentBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['latency', 'throughput', 'bad-input'], description: 'Size of frames the embedder sent; report .max' },
  'limits.batch.acceptedTexts': { unit: 'count', kind: 'count', scenarios: ['bad-input'], description: 'Texts in the batches the embedder accepted without a limit error; report .max' },
  'limits.embedderCrashes': { unit: 'count', kind: 'count', scenarios: ['pipe-disconnect', 'bad-input'], description: 'Embedder deaths caused by garbage, oversized length prefixes, over-long batches or bad text' },
  // ---- fuzz ----
  'fuzz.crashes': { unit: 'count', kind: 'count', scenarios: ['fuzz'], description: 'Embedder deaths after seeded malformed frames or requests (a stream closed after a length prefix over the limit, as docs/protocol.md allows, is not one)' },
  'fuzz.probes.incorrect': { unit: 'count', kind: 'count', scenarios: ['fuzz'], description: 'Valid probes sent between fuzz batches that got an error or a vector unlike the first answer (wrong dims, cosine < 0.9999), with no death to explain it' },
  'fuzz.probes.unanswered': { unit: 'count', kind: 'count', scenarios: ['fuzz'], description: 'Valid probes between fuzz batches left unanswered at their deadline with no death to explain it (a hang)' },
  // ---- concurrency ----
  'concurrent.embedderCrashes': { unit: 'count', kind: 'count', scenarios: ['concurrent-embeds'], description: 'Embedder deaths while requests were in flight concurrently' },
  'concurrent.completedRatio': { unit: 'ratio', kind: 'ratio', scenarios: ['concurrent-embeds'], description: 'Fraction of concurrent requests that returned a vector' },
  'concurrent.mismatches': { unit: 'count', kind: 'count', scenarios: ['concurrent-embeds'], description: 'Concurrent results that are not bit-identical to the serial result for the same text' },
  'concurrent.notReadyErrors': { unit: 'count', kind: 'count', scenarios: ['concurrent-embeds'], description: 'Requests refused as "model not ready" after the model had loaded' },
  'concurrent.wallMs': { unit: 'ms', kind: 'latency', scenarios: ['concurrent-embeds'], description: 'Wall time for a burst of concurrent requests to all complete; report .max' },
  'concurrent.maxInFlight': { unit: 'count', kind: 'count', scenarios: ['concurrent-embeds'], description: 'Most requests in flight at once in the scenario' },
  // ---- correctness, leaks ----
  'correctness.minCosine': { unit: 'ratio', kind: 'ratio', scenarios: ['latency', 'corpus', 'forced-kill', 'concurrent-embeds'], description: 'Lowest cosine similarity between a delivered vector and the reference forward pass (corpus: over the hard-text corpus, reported per category with the worst text)' },
  'soak.hostHeapSlope': { unit: 'bytes/request', kind: 'bytes', scenarios: ['soak'], description: 'Host heapUsed growth per request, least-squares slope over the soak' },
  'coldStart.startFailures': { unit: 'count', kind: 'count', scenarios: ['cold-start'], description: 'Adapter starts (spawn + initialize + load) that failed outright during cold-start' },
  'forcedKill.sigtermIgnored': { unit: 'count', kind: 'count', scenarios: ['forced-kill'], description: 'SIGTERMs after which the embedder was still alive 5 s later' },
  'soak.embedderRssAnonSlope': { unit: 'bytes/request', kind: 'bytes', scenarios: ['soak'], description: 'Embedder anonymous RSS growth per request, least-squares slope over the soak' },
  // ---- IPC benchmarks (gauntlet bench) ----
  'bench.ipc.controlRtt': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip of a ping over UDS + MessagePack' },
  'bench.ipc.transfer1kb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 KB payload over UDS + MessagePack' },
  'bench.ipc.transfer1mb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 MB payload over UDS + MessagePack' },
  'bench.ipc.transfer10mb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 10 MB payload over UDS + MessagePack' },
  'bench.ipc.stdioMsgpack1kb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 KB payload over stdio pipes + MessagePack' },
  'bench.ipc.stdioNdjson1kb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 KB payload over stdio pipes + NDJSON' },
  'bench.ipc.smallMsgRate': { unit: 'msg/s', kind: 'rate', scenarios: ['bench'], description: 'Small messages per second over UDS + MessagePack, pipelined' },
  'bench.ipc.stdioMsgpackRate': { unit: 'msg/s', kind: 'rate', scenarios: ['bench'], description: '1 KB messages per second over stdio + MessagePack' },
  'bench.ipc.stdioNdjsonRate': { unit: 'msg/s', kind: 'rate', scenarios: ['bench'], description: '1 KB messages per second over stdio + NDJSON' },
  'bench.ipc.udsMsgpackRate': { unit: 'msg/s', kind: 'rate', scenarios: ['bench'], description: '1 KB messages per second over UDS + MessagePack' },
  'bench.ipc.largeTransferRate': { unit: 'B/s', kind: 'rate', scenarios: ['bench'], description: 'Payload bytes per second for 10 MB transfers over UDS + MessagePack' },
  'bench.ipc.latencyReduction': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: '1 - p50(UDS + MessagePack) / p50(stdio + NDJSON), same 1 KB payload' },
  'bench.ipc.pipeLatencyReduction': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: '1 - p50(stdio + MessagePack) / p50(stdio + NDJSON), same 1 KB payload' },
  'bench.ipc.throughputGain': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: 'Messages per second of UDS + MessagePack / of stdio + NDJSON' },
  'bench.codec.cpuReduction': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: '1 - CPU time to encode+decode with MessagePack / with NDJSON, same messages' },
  'bench.codec.ndjsonCodecShare': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: 'Share of an NDJSON round trip spent in JSON.stringify/parse' },
  'bench.codec.textEncodingShare': { unit: 'ratio', kind: 'ratio', scenarios: ['bench'], description: 'Share of an NDJSON round trip spent encoding/decoding UTF-8 text' },
  'bench.transport.perConnectionBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['bench'], description: 'Memory growth of the server per open connection; report .max' },
  'bench.uds.connections': { unit: 'count', kind: 'count', scenarios: ['bench'], description: 'Concurrent UDS connections opened by the stress bench' },
  'bench.shm.controlRtt': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip of a ping over the shm link (control messages go over its Unix socket + MessagePack)' },
  'bench.shm.transfer1kb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 KB payload through the /dev/shm ring' },
  'bench.shm.transfer1mb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 1 MB payload through the /dev/shm ring' },
  'bench.shm.transfer10mb': { unit: 'ms', kind: 'latency', scenarios: ['bench'], description: 'Round trip carrying a 10 MB payload through the /dev/shm ring' },
  'bench.shm.largeTransferRate': { unit: 'B/s', kind: 'rate', scenarios: ['bench'], description: 'Payload bytes per second for 10 MB transfers through shared memory' },
  'bench.shm.smallMsgRate': { unit: 'msg/s', kind: 'rate', scenarios: ['bench'], description: 'Small messages per second over the shm link, pipelined' },
  'bench.shm.perConnectionBytes': { unit: 'bytes', kind: 'bytes', scenarios: ['bench'], description: 'Memory growth of the shm server per open connection (a region each); report .max' },
  'bench.uds.connectionErrors': { unit: 'count', kind: 'count', scenarios: ['bench'], description: 'Connections of the stress bench that failed or got a wrong answer' },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

export function metricDef(name: string): MetricDef | undefined {
  return (METRICS as Record<string, MetricDef>)[name];
}

const PLAIN_BY_KIND: Record<MetricKind, string> = {
  latency: 'value', bytes: 'value', count: 'count', rate: 'rate', ratio: 'ratio', boolean: 'value',
};

/**
 * The key of ScenarioResult.metrics that holds `aggregation` of `metric` (see the header of this file). `def`: the
 * metric's definition when it is not in the catalogue (a config's own metric).
 */
export function metricKey(metric: string, aggregation: string, def: Pick<MetricDef<string>, 'kind'> | undefined = metricDef(metric)): string {
  if (aggregation === 'value') return metric;
  if (def && PLAIN_BY_KIND[def.kind] === aggregation) return metric;
  return `${metric}.${aggregation}`;
}
