/**
 * One client interface for every kind of embedder the host can drive, and the config shape of each adapter.
 * The host process (harness/host/) loads exactly one adapter and talks to it only through `EmbedderClient`.
 */
import type { CodecName } from '../protocol/messages.ts';
import type { SupervisorOptions } from '../supervisor/types.ts';

export type AdapterKind = 'process' | 'in-process' | 'http';

/** Per-call options. `timeoutMs` overrides the adapter's request deadline; `signal` cancels the wait. */
export interface EmbedCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What `start()` resolves with once the embedder can answer. */
export interface StartInfo {
  dims: number;
  /** The model's name or path as the embedder reports it. */
  model: string;
  /** Context length in tokens, when the embedder says. */
  contextSize?: number;
}

/** Memory and counters of the embedder process (from its `stats` answer); bytes. */
export interface EmbedderStats {
  pid: number;
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  requests: number;
  inFlight: number;
}

/**
 * A lifecycle event (spawn, ready, exit, restart, give-up, ...). Process adapters forward the supervisor's events
 * as they are; the other adapters emit the few that apply to them. `type` names the event; the rest is its data.
 */
export interface LifecycleEvent {
  type: string;
  /** Epoch ms when it happened. */
  at: number;
  pid?: number;
  [key: string]: unknown;
}

export type LifecycleListener = (event: LifecycleEvent) => void;

export interface EmbedderClient {
  /** The adapter's name in the config (e.g. "reference-uds"). */
  readonly name: string;
  readonly kind: AdapterKind;
  /** Spawns / loads / connects, and resolves once the embedder answers. */
  start(): Promise<StartInfo>;
  embed(text: string, opts?: EmbedCallOptions): Promise<Float32Array>;
  embedBatch(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]>;
  /** Round-trip time of a no-op request, in ms. */
  ping(opts?: EmbedCallOptions): Promise<number>;
  /** The embedder's pid; undefined for in-process and for an external http server the harness did not start. */
  embedderPid(): number | undefined;
  /** The embedder's own stats, when it can report them. */
  embedderStats(opts?: EmbedCallOptions): Promise<EmbedderStats | undefined>;
  on(event: 'lifecycle', listener: LifecycleListener): void;
  /**
   * Fault hooks for pipe-disconnect scenarios, only where the adapter owns a byte stream to the embedder
   * (process adapters): write raw bytes past the codec, or close our write side (the embedder sees EOF).
   */
  writeRaw?(bytes: Uint8Array): boolean;
  closeInput?(): void;
  /** Stops the embedder (graceful, then escalating) and releases everything; idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------- adapter config

/** Options shared by every adapter kind. Missing values are filled from the top-level config. */
export interface AdapterCommon {
  /** Parallel lanes (embedding contexts) inside the embedder. */
  lanes?: number;
  /** Threads per context. */
  threads?: number;
  /** L2-normalise vectors. */
  normalize?: boolean;
  /** Context size in tokens; never above the model's context length. */
  contextSize?: number;
  /** Free text for reports. */
  description?: string;
  /**
   * A comparison adapter (e.g. in-process, the design the seeds reject): its verdicts are reported in full, but its
   * required-claim failures do not fail the run (exit code). Reports label it as such.
   */
  comparison?: boolean;
  /**
   * Whether the embedder enforces gauntlet's frame and batch limits (`limits.maxFrameBytes`, `limits.maxBatch`, the
   * seeds' 64 KiB and 10 texts). Default: true for process adapters (docs/protocol.md requires them), false for http
   * adapters (an OpenAI-compatible server promises neither). When false, the claims about those limits are
   * not-applicable, with this as the reason, instead of failing an engine for a feature it never offered.
   */
  enforcesLimits?: boolean;
}

/** Whether an adapter promises gauntlet's frame and batch limits (see AdapterCommon.enforcesLimits). */
export function enforcesLimits(config: AdapterConfig): boolean {
  return config.enforcesLimits ?? config.kind === 'process';
}

/** An embedder process speaking the gauntlet protocol, run under the supervisor. */
export interface ProcessAdapterConfig extends AdapterCommon {
  kind: 'process';
  /** argv; the first element is the executable. `{model}`, `{socket}`, `{lanes}`, `{threads}`, `{maxBatch}`, `{maxFrameBytes}` are substituted. */
  command: string[];
  transport: 'stdio' | 'uds';
  codec: CodecName;
  /**
   * Payloads (texts, vectors) through a /dev/shm region the embedder creates, control messages over the socket
   * (seed 004's shared memory; docs/protocol.md "Shared memory"). Needs transport 'uds' and codec 'msgpack', and the
   * optional shm addon (built on first use); where the addon cannot be had, starting the adapter fails with the reason.
   */
  sharedMemory?: boolean;
  env?: Record<string, string>;
  cwd?: string;
  /** Supervisor tuning passed as it is (restart policy, health pings, grace periods...). */
  supervisor?: SupervisorTuning;
}

export type SupervisorTuning = Pick<
  SupervisorOptions,
  'restart' | 'healthIntervalMs' | 'healthTimeoutMs' | 'retryOnceAfterRestart' | 'shutdownGraceMs' | 'maxPending' | 'readyTimeoutMs' | 'standby'
>;

/** node-llama-cpp loaded inside the host itself (the architecture the seeds reject; kept as the comparison). */
export interface InProcessAdapterConfig extends AdapterCommon {
  kind: 'in-process';
  /**
   * Memory-map the GGUF (node-llama-cpp's `loadModel({ useMmap })`). Default true: the weights stay file-backed
   * page cache (RssFile). false copies them into anonymous memory of the host (RssAnon), as a loader without mmap
   * would; memory-pressure uses it to test the thesis that a 100 MB+ allocation in the Node process crashes V8.
   */
  useMmap?: boolean;
  /**
   * What computes the vectors inside the host: 'llama' (default, node-llama-cpp on the GGUF) or 'onnx'
   * (transformers.js on ONNX Runtime over the GGUF's ONNX export, made on first use; transformers.js installed
   * under <cache>/engines/transformers-js). The reference embedder takes the same engines (`--engine`).
   */
  engine?: 'llama' | 'onnx';
}

/** An OpenAI-compatible `/v1/embeddings` server: external (baseUrl) or started by the harness (command). */
export interface HttpAdapterConfig extends AdapterCommon {
  kind: 'http';
  /**
   * e.g. http://127.0.0.1:8080. Omit when `command` prints its port in a `{"ready":true,"port":N}` stdout line, or
   * with `freePort`.
   */
  baseUrl?: string;
  /**
   * The harness picks a free loopback port before every start of `command` and substitutes it for `{port}`; the
   * server is then at http://127.0.0.1:PORT (and `readyUrl`'s path is polled there). For servers that take a port
   * but print no ready line (llama-server): hosts of parallel runs never collide on a fixed port.
   */
  freePort?: boolean;
  /** argv of a server to start; `{model}`, `{port}`, `{lanes}`, `{threads}`, `{maxBatch}`, `{maxFrameBytes}` are substituted. */
  command?: string[];
  /** Polled (GET, 2xx = ready) until `readyTimeoutMs`. Default `${baseUrl}/health`. */
  readyUrl?: string;
  readyTimeoutMs?: number;
  /** The `model` field sent in requests. */
  modelName?: string;
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Supervision of a server started from `command` (ignored for an external one): restart policy, health pings,
   * grace periods, as for process adapters, plus the exit codes that mean "will never start" (no restart).
   */
  supervisor?: HttpSupervisorTuning;
}

export type HttpSupervisorTuning = Partial<Pick<
  SupervisorOptions,
  'restart' | 'healthIntervalMs' | 'healthTimeoutMs' | 'retryOnceAfterRestart' | 'shutdownGraceMs' | 'standby'
>> & {
  /** Exit codes (before ready) after which the server is not restarted: it said it cannot load the model. */
  terminalExitCodes?: number[];
};

export type AdapterConfig = ProcessAdapterConfig | InProcessAdapterConfig | HttpAdapterConfig;

/** Everything a host needs to build one client: the adapter plus the run-wide settings, all resolved. */
export interface ResolvedAdapter {
  name: string;
  config: AdapterConfig;
  /** Absolute path of the GGUF model. */
  model: string;
  lanes: number;
  threads: number;
  normalize: boolean;
  /** Per-request deadline, ms. */
  requestTimeoutMs: number;
  /** Deadline for start(), ms. */
  startTimeoutMs: number;
  maxBatch: number;
  maxFrameBytes: number;
}
