/**
 * Result shapes of `gauntlet bench` (issue 6). Times are medians or percentiles of samples taken in one run;
 * every section says its units in its field names (Us = microseconds, Ms = milliseconds).
 */
import type { EnvironmentInfo } from '../report/schema.ts';

/** How a target compares its measured value with its threshold. */
export type TargetOp = '<=' | '>=';

/** One checked target: the line `gauntlet bench` prints and the row report.html shows. */
export interface BenchTarget {
  /** Stable id, e.g. "control-rtt-uds-p50". */
  id: string;
  name: string;
  /** As printed, e.g. "<= 50 us". */
  target: string;
  value: number | null;
  unit: string;
  pass: boolean;
  op: TargetOp;
  threshold: number;
  /** Where the number comes from (seed file and section, or the issue). */
  source: string;
  /** What the figure is made of, in one sentence. */
  basis: string;
  /** 95 % interval of the value, in its unit (a row measured from samples); a null side: too few samples. */
  interval?: { lo: number | null; hi: number | null; n: number };
  /**
   * PASS / MISS as `pass` says, or 'too noisy to judge' when the interval is wider than +/-20 % of the value (or
   * open on a side): the row could come out either way in the next run, whatever `pass` says now.
   */
  judgement?: 'PASS' | 'MISS' | 'too noisy to judge';
}

/** Percentiles of one tinybench task (or of our own samples). */
export interface LatencyStats {
  samples: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations per second, from the mean latency. */
  opsPerSec: number;
  /** 95 % order-statistics interval of p50 (null: too few samples to bound that side). */
  p50LoMs?: number | null;
  p50HiMs?: number | null;
}

export interface CodecRow {
  /** "msgpack-bin" | "msgpack-array-f64" | "msgpack-array-f32" | "ndjson" */
  codec: string;
  /** "vector768" (one `embedding`) | "batch10x768" (one `embeddings` of 10). */
  payload: string;
  frameBytes: number;
  /** encode + decode of one frame. */
  p50Us: number;
  p99Us: number;
  opsPerSec: number;
  /** 95 % interval of p50, us (order statistics). */
  p50LoUs?: number | null;
  p50HiUs?: number | null;
  /** p50 of this codec / p50 of msgpack-bin for the same payload (1 for msgpack-bin itself). */
  slowdownVsBin: number;
}

export interface CodecResults {
  rows: CodecRow[];
  /** ndjson p50 / msgpack-bin p50 per payload: how many times faster the binary form is. */
  speedupBinVsNdjson: Record<string, number>;
}

/** `shm` = payloads through a /dev/shm region, control messages over a Unix socket + MessagePack (seed 004). */
export type PeerTransport = 'stdio' | 'uds' | 'http' | 'shm';
/** `raw` = length-prefixed bytes with no codec at all (the baseline that shows what the codec costs). */
export type PeerCodec = 'msgpack' | 'ndjson' | 'raw' | 'json-http';

export interface PingRow {
  transport: PeerTransport;
  codec: PeerCodec;
  p50Us: number;
  p99Us: number;
  /** One request at a time: 1 / mean round trip. */
  sequentialMsgsPerSec: number;
  /** Many in flight (window `pipelineWindow`): what the link can carry. */
  pipelinedMsgsPerSec: number | null;
  pipelineWindow: number;
  /** 95 % interval of p50 (order statistics of the round trips), us; null: too few samples for that side. */
  p50LoUs?: number | null;
  p50HiUs?: number | null;
  samples?: number;
  /** Share of all cores busy while the pings ran, and the share other processes took (0..1; Linux). */
  machineBusy?: number;
  othersBusy?: number;
}

export interface TransferRow {
  transport: PeerTransport;
  codec: PeerCodec;
  bytes: number;
  /** text: an `embed` text (a file's content, as seed 004 sends it); binary: a msgpack `bin` (an `embedding`'s
   * Float32 bytes, the form seed 004's FastMessage.params takes); raw links send bytes, HTTP sends JSON text. */
  payload: 'text' | 'binary';
  /** Payload to the peer, a small ack back. */
  p50Ms: number;
  p99Ms: number;
  msgsPerSec: number;
  /** bytes / p50. */
  mbPerSec: number;
  samples: number;
  /** 95 % interval of p50 (order statistics of the round trips), ms; null: too few samples for that side. */
  p50LoMs?: number | null;
  p50HiMs?: number | null;
  /** Share of all cores busy while this row was measured, and the share other processes took (0..1; Linux). */
  machineBusy?: number;
  othersBusy?: number;
}

export interface TransportResults {
  /** Peers are separate processes (harness/bench/echo-peer.ts) using the project's codecs and transports. */
  peer: string;
  pings: PingRow[];
  transfers: TransferRow[];
  /** maxFrameBytes used for the transfer peers (both ends), and why. */
  transferFrameLimitBytes: number;
  /** Share of the NDJSON 1 KiB round trip (stdio) spent in JSON and in UTF-8 text encoding, when that link ran. */
  ndjsonCodecShare?: NdjsonCodecShare;
  /** Connection stress and per-connection memory of a Unix-socket server, when it ran. */
  connections?: ConnectionResults;
  /**
   * How busy the machine was during each transfer size's measurements (all links of that size), and how much of it
   * other processes took (share of all cores, 0..1): two-process round trips swing with it.
   */
  contention?: Array<{ bytes: number; machineBusy: number; othersBusy: number; cores: number }>;
  /** The shared-memory link: whether it could be measured on this machine (and why not), its rings, its server's memory per connection. */
  shm?: ShmBenchInfo;
  notes: string[];
}

export interface NdjsonCodecShare {
  /** The message timed: the same `embed` of a 1 KiB text the transfer row sends, and the `pong` ack back. */
  message: string;
  /** JSON.stringify + JSON.parse of the request and of the ack (both ends' work in one round trip), p50, us. */
  jsonUs: number;
  /** UTF-8 encode (Buffer.from) + decode (TextDecoder) of both lines, p50, us. */
  textUs: number;
  /** The stdio/ndjson 1 KiB text transfer p50 of this run, us. */
  roundTripP50Us: number;
  /** jsonUs / roundTripP50Us. */
  jsonShare: number;
  /** textUs / roundTripP50Us. */
  textShare: number;
}

export interface ConnectionResults {
  server: string;
  serverPid: number;
  /** Connections opened at once (besides the warm-up one). */
  connections: number;
  /** Of those, still open when the RSS was read after. */
  openAtMeasure: number;
  /** Round trips answered correctly. */
  answered: number;
  /** Connections that failed: connect error or timeout, closed early, no answer, wrong answer. */
  errors: number;
  /** Errors grouped by what happened (numbers masked). */
  errorKinds: Array<{ what: string; count: number }>;
  /** From the first connect to the last answer, ms. */
  wallMs: number;
  /** VmRSS of the server after the warm-up connection, and with every stress connection open. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** (rssAfterBytes - rssBeforeBytes) / connections. */
  perConnectionBytes: number;
  notes: string[];
}

export interface HostRssRow {
  adapter: string;
  design: 'in-process' | 'external';
  hostPid: number;
  /** The host's process.memoryUsage().rss after a full GC, and its anon / file-backed parts (/proc). */
  hostRssBytes: number;
  hostRssAnonBytes: number | null;
  hostRssFileBytes: number | null;
  hostHeapUsedBytes: number;
  /** The external embedder process's VmRSS (external design only). */
  embedderRssBytes: number | null;
}

export interface HostRssResults {
  model: string;
  modelBytes: number;
  rows: HostRssRow[];
  /** (in-process host RSS - external host RSS) / in-process host RSS. */
  reduction: number;
  notes: string[];
}

export type IsolationMode = 'single' | 'batch10';

export interface IsolationRow {
  model: string;
  adapter: string;
  kind: 'process' | 'in-process';
  transport: 'stdio' | 'uds' | 'in-process';
  lanes: number;
  mode: IsolationMode;
  /** Median over rounds of embeddings per second. */
  embeddingsPerSec: number;
  rounds: number[];
  /** CPU time per embedding, all processes involved (caller + embedder), median over rounds, microseconds.
   * Unlike throughput, it does not grow while a process waits for a core on a loaded machine. */
  cpuUsPerEmbedding: number | null;
}

export interface IsolationRatio {
  model: string;
  adapter: string;
  lanes: number;
  mode: IsolationMode;
  /** external embeddings/s / in-process embeddings/s: median of the per-round ratios (measured back to back). */
  ratio: number;
  /** Per-round ratios behind `ratio`. */
  roundRatios: number[];
  /** CPU per embedding, external / in-process (> 1: isolation costs that much more CPU per embedding). */
  cpuRatio: number | null;
}

export interface IsolationResults {
  models: Array<{ label: string; preset: string; path: string; dims: number; bytes: number }>;
  rows: IsolationRow[];
  ratios: IsolationRatio[];
  /** Control round trip through each external adapter (supervisor -> reference embedder -> back). */
  adapterPings: Array<{ model: string; adapter: string; lanes: number; p50Us: number; p99Us: number }>;
  /** Host RSS per design (harness/bench/host-rss.ts), measured after the throughput rounds. */
  hostRss?: HostRssResults;
  notes: string[];
}

export interface OverheadResults {
  /** What was sampled: harness/metrics Sampler with these probes, at its default interval. */
  sampler: string;
  probes: string[];
  intervalMs: number;
  /** CPU time of one tick (its probes run in a loop, process.cpuUsage() over the loop / ticks), microseconds. */
  tickCpuUs: number;
  /** Wall time of one tick in that loop (tinybench p50), microseconds. */
  tickWallP50Us: number;
  /** tickCpuUs x ticks per second at the default interval, % of one core: the figure the target checks. */
  cpuPercentOfCore: number;
  /** The Sampler's own account over every sampler-on half (an upper bound: async probes count work done meanwhile). */
  selfReportedCpuPercentOfCore: number;
  ticks: number;
  meanTickMs: number;
  /** Heap kept per tick (the sampled points), after a forced GC, from a fast run of the same probes. */
  heapBytesPerTick: number | null;
  /** Sequential embeds through the reference adapter (UDS, tiny model) with the sampler off and on, alternated. */
  latencyOffP50Us: number | null;
  latencyOnP50Us: number | null;
  /** (on - off) / off, in %, of the medians of per-round p50s. */
  latencyShiftPercent: number | null;
  rounds: number;
  notes: string[];
}

export interface BenchEnvironment extends EnvironmentInfo {
  loadavgBefore: number[];
  loadavgAfter: number[];
  quick: boolean;
  durationMs: number;
  startedAt: string;
}

export interface BenchResult {
  targets: BenchTarget[];
  codecs?: CodecResults;
  transports?: TransportResults;
  isolation?: IsolationResults;
  overhead?: OverheadResults;
  environment: BenchEnvironment;
  /** Sections that could not run, with why. */
  skipped: Array<{ section: string; reason: string }>;
}

/** Sizes of one run; `quick` and the tests shrink them. */
export interface BenchSizes {
  /** tinybench time budget per codec task, ms. */
  codecTimeMs: number;
  /** tinybench time budget per ping task, ms. */
  pingTimeMs: number;
  /** Messages sent in the pipelined throughput measure. */
  pipelineMessages: number;
  /** Transfer sizes in bytes and the time budget of each. */
  transferBytes: number[];
  transferTimeMs: number;
  /** Isolation: slice per adapter per round, rounds, lanes to try, model presets. */
  isolationSliceMs: number;
  isolationRounds: number;
  isolationLanes: number[];
  isolationPresets: Array<'tiny' | 'small'>;
  /** Overhead: rounds (each: sampler off, then on) and the length of each half, ms. */
  overheadRounds: number;
  overheadHalfMs: number;
  /** Transports: connections the stress opens at once (0 skips it). */
  stressConnections: number;
}

export type BenchSection = 'codecs' | 'transports' | 'isolation' | 'overhead';

/** Progress events; the CLI prints them on stderr. */
export type BenchEvent =
  | { type: 'section-start'; section: BenchSection }
  | { type: 'section-end'; section: BenchSection; ms: number }
  | { type: 'step'; section: BenchSection; label: string }
  | { type: 'skipped'; section: BenchSection; reason: string };

export interface ShmBenchInfo {
  available: boolean;
  /** Why there are no shm rows (the addon could not be built or loaded, GAUNTLET_SHM=off, no /dev/shm...). */
  reason?: string;
  /** Bytes of each of the region's two rings in the bench's echo peer. */
  ringBytes?: number;
  /** The compiled addon that mapped the region. */
  addon?: string;
  /** Memory per open shm connection of the echo peer (each connection has a region of its own), when measured. */
  connections?: ConnectionResults;
}
