/**
 * Types of the embedder supervisor: its options, states, lifecycle events and results.
 * The supervisor spawns one embedder process, keeps it answering, and restarts it within limits.
 */
import type {
  CodecName,
  EmbeddingResponse,
  EmbeddingsResponse,
  InitializeRequest,
  InitializedResponse,
  PongResponse,
  ProtocolLimits,
  RequestBody,
  ShutdownAckResponse,
  StatsResponse,
} from '../protocol/messages.ts';

export type SupervisorTransport = 'stdio' | 'uds';

export interface RestartPolicy {
  /** Most restarts inside `windowMs`; one more crash trips the breaker (terminal GAUNTLET_EMBEDDER_GAVE_UP). */
  maxRestarts: number;
  /** Sliding window of the breaker, ms. */
  windowMs: number;
  /** First backoff delay, ms; doubles with each consecutive failure. */
  backoffBaseMs: number;
  /** Cap of the backoff delay, ms. */
  backoffMaxMs: number;
  /** 0..1: the delay is spread uniformly over delay * [1 - jitter, 1 + jitter] (then capped). */
  jitter: number;
}

export interface SupervisorOptions {
  /** argv; the first element is the executable. `{socket}` and `{model}` are substituted in every element. */
  command: string[];
  transport: SupervisorTransport;
  codec: CodecName;
  /** uds only: where the embedder listens. Default: a fresh path under os.tmpdir() per spawn. The embedder's
   * `{"ready":true,"socket":PATH}` stdout line wins when it names one. */
  socketPath?: string;
  /** Sent in `initialize`. */
  modelPath: string;
  initOptions?: InitializeRequest['options'];
  limits?: Partial<ProtocolLimits>;
  env?: Record<string, string>;
  cwd?: string;
  /** Spawn -> `initialized` deadline of one attempt, ms. */
  readyTimeoutMs?: number;
  /** Default per-request deadline, ms (default: limits.requestTimeoutMs). */
  requestTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
  /** Ping period while ready, ms; 0 disables health pings. */
  healthIntervalMs?: number;
  /** A ping unanswered this long means the embedder hangs: it is killed and restarted. */
  healthTimeoutMs?: number;
  /** Requests in flight when the embedder dies are sent once more after the restart (instead of failing). */
  retryOnceAfterRestart?: boolean;
  /** Each step of stop(): `shutdown` message, then SIGTERM, then SIGKILL, each given this long, ms. */
  shutdownGraceMs?: number;
  /** Most requests waiting or in flight; beyond it request() fails with GAUNTLET_OVERLOADED. */
  maxPending?: number;
  /** Random source for the jitter (seed it for reproducible runs). Default Math.random. */
  random?: () => number;
  /**
   * Warm spare embedders kept started and initialized beside the live one (default 0). When the live embedder
   * goes away, a ready spare takes over at once (no spawn, no backoff) and a replacement spare starts in the
   * background; a spare that dies is replaced. Every replacement spawn counts toward the restart breaker. The
   * price is the spares' memory (each is a whole embedder process with the model loaded).
   */
  standby?: number;
}

export interface ResolvedSupervisorOptions
  extends Required<Omit<SupervisorOptions, 'socketPath' | 'initOptions' | 'limits' | 'env' | 'cwd' | 'restart'>> {
  socketPath: string | undefined;
  initOptions: NonNullable<InitializeRequest['options']>;
  limits: ProtocolLimits;
  env: Record<string, string>;
  cwd: string | undefined;
  restart: RestartPolicy;
}

export type SupervisorState = 'idle' | 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

/** The `initialized` answer, without the envelope. */
export interface InitInfo {
  dims: number;
  vocabSize: number;
  model: string;
  contextSize?: number;
  lanes?: number;
}

/** The answer type of each request type. */
export interface ResponseMap {
  initialize: InitializedResponse;
  embed: EmbeddingResponse;
  'embed-batch': EmbeddingsResponse;
  ping: PongResponse;
  stats: StatsResponse;
  shutdown: ShutdownAckResponse;
}
export type ResponseFor<B extends RequestBody> = ResponseMap[B['type']];

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Why an embedder process went away without being asked to. */
export type CrashReason =
  | 'exit'               // it exited or was killed by a signal on its own
  | 'hang'               // health ping or request deadline found it unresponsive; we killed it
  | 'connection-closed'  // the stream closed while the process lived; we killed it
  | 'protocol'           // a fatal framing fault; we killed it
  | 'start-failed';      // it did not get to `initialized` (exit, deadline or a retryable init error)

/** How stop() ended the process. */
export type StopHow = 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'already-exited' | 'not-started';

export interface StopResult {
  how: StopHow;
  pid: number | undefined;
  exitCode: number | null;
  signal: string | null;
  /** The embedder's `shutdown-ack`, when it sent one. */
  graceful: boolean | undefined;
  durationMs: number;
  stderrTail: string;
}

/**
 * Where one (re)start of an embedder spent its time, ms, on the supervisor's clock: `backoffMs` from the crash
 * being noticed to the spawn (0 on the first start and on the first restart after a healthy period), `spawnMs`
 * from the spawn to the embedder's code running, `runtimeMs` until its runtime was ready (node-llama-cpp's
 * getLlama), `loadMs` until `initialized` arrived (model load, contexts, the answer's trip). An embedder that
 * reports no `timing` in its `initialized` answer has everything in `spawnMs` and null for the other two.
 * A takeover by a warm spare has every phase 0 (`via: 'standby'`).
 */
export interface StartPhases {
  backoffMs: number;
  spawnMs: number;
  runtimeMs: number | null;
  loadMs: number | null;
}

/** Lifecycle event payloads (besides type, at, hr, pid). */
export interface LifecycleDetails {
  spawn: { attempt: number; command: string[] };
  /** The live embedder can answer: a fresh process, or a warm spare that took over (`via: 'standby'`). */
  ready: { attempt: number; startMs: number; dims: number; model: string; via: 'spawn' | 'standby'; phases: StartPhases };
  /** A spare was spawned (`slot` numbers the spares). */
  'standby-spawn': { slot: number; command: string[] };
  /** A spare answered `initialize` and waits; `phases` as for `ready`. */
  'standby-ready': { slot: number; startMs: number; phases: StartPhases };
  /** A spare went away before it took over (it died, or failed to start). */
  'standby-exit': { slot: number; reason: string; exitCode: number | null; signal: string | null; stderrTail: string };
  'start-failed': { attempt: number; code: string; message: string; exitCode: number | null; signal: string | null; stderrTail: string };
  crash: { reason: CrashReason; exitCode: number | null; signal: string | null; stderrTail: string; inFlight: number; uptimeMs: number };
  restart: { attempt: number; delayMs: number; restartsInWindow: number };
  'give-up': { restartsInWindow: number; windowMs: number; code: string; message: string };
  'hang-detected': { via: 'health-ping' | 'request-deadline'; waitedMs: number };
  'protocol-fault': { code: string; message: string; fatal: boolean };
  /** An answer to a waiting request that decodes to the wrong shape: that request failed with GAUNTLET_BAD_ANSWER. */
  'bad-answer': { id: number; message: string; fatal: boolean };
  /** An answer whose id matches no waiting request: `late` when that request had timed out, else a stray id. */
  'unmatched-response': { id: number; responseType: string; late: boolean };
  shutdown: { how: StopHow; exitCode: number | null; signal: string | null; durationMs: number };
}
export type LifecycleType = keyof LifecycleDetails;

/** Flat, so that it fits adapters' LifecycleEvent ({type, at, pid?, ...}) as it is. */
export type LifecycleEvent = {
  [K in LifecycleType]: { type: K; /** Date.now() */ at: number; /** performance.now() */ hr: number; pid: number | undefined } & LifecycleDetails[K];
}[LifecycleType];

export type LifecycleListener = (event: LifecycleEvent) => void;

export interface SupervisorCounters {
  spawns: number;
  restarts: number;
  crashes: number;
  hangs: number;
  requests: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  retried: number;
  inFlight: number;
  /** Restarts served by a warm spare (standby) instead of a spawn. */
  takeovers: number;
}
