/**
 * The host process (what the seeds call "the Node.js process") as the orchestrator sees it.
 * The orchestrator forks it (harness/host/host-main.ts) and drives it over Node's IPC channel through a HostHandle.
 */
import type { EmbedCallOptions, EmbedderStats, LifecycleEvent, ResolvedAdapter, StartInfo } from '../adapters/types.ts';
import type { ConnectionStats } from '../protocol/connection.ts';

/** process.memoryUsage() of the host, in bytes, plus whether a full GC ran just before. */
export interface HostMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** True when global.gc() ran right before sampling (the host is forked with --expose-gc). */
  gcRan: boolean;
  /** Anonymous / file-backed resident memory from /proc/self/status, when available. */
  rssAnon?: number;
  rssFile?: number;
}

/**
 * The host's side of its connection to the embedder (op `ipc-stats`): byte counters and buffer high-water marks
 * since the adapter started. `source` says what was counted: `stream` (the process adapters' framed byte stream:
 * frame reader buffer + writable queue), `http-client` (node:http: response bodies held until parsed, request
 * bodies still queued). Not applicable where there is no connection (in-process), with the reason.
 */
export type HostIpcStats =
  | { applicable: true; source: 'stream' | 'http-client'; stats: ConnectionStats }
  | { applicable: false; reason: string };

/** How the host process ended. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB of its stderr. */
  stderrTail: string;
  /** Milliseconds from fork to exit. */
  durationMs: number;
}

/** How `close()` ended the host: it obeyed `close`, or needed SIGTERM, or needed SIGKILL. */
export type HostCloseHow = 'graceful' | 'SIGTERM' | 'SIGKILL' | 'already-exited';

export interface HostCloseResult extends HostExit {
  how: HostCloseHow;
}

export interface StartHostOptions {
  /** Deadline for fork + adapter start, ms (default: the adapter's startTimeoutMs + 10 s). */
  startTimeoutMs?: number;
  /** Default deadline of every call, ms (default: requestTimeoutMs + 5 s). */
  callTimeoutMs?: number;
  /** Extra node flags for the host (e.g. --max-old-space-size=64). --expose-gc is always added. */
  execArgv?: string[];
  env?: Record<string, string>;
  /** Wrap the host in another command, e.g. ['prlimit', '--as=1000000000', '--']: argv run before node. */
  wrapper?: string[];
  /** Skip the start command (call handle.start() yourself, e.g. to time it). Default false. */
  deferStart?: boolean;
  /**
   * After the host exits, embedder pids it reported get this long to exit by themselves before they are
   * SIGKILLed (a lifecycle event `embedder-after-host-exit` says which did what). Default 2000 ms.
   */
  orphanGraceMs?: number;
}

export interface HostCallOptions extends EmbedCallOptions {
  /**
   * Why this embed / embed-batch is not a valid request (a deliberate edge case: an empty text, a huge one, a
   * corrupt model): the request ledger then does not count it in claim valid-requests-succeed. Never sent to the host.
   */
  invalid?: string;
}

export type HostEventMap = {
  lifecycle: LifecycleEvent;
  exit: HostExit;
  /** An error the host reported outside any call (e.g. an unhandled rejection in the adapter). */
  error: { code: string; message: string };
};

export interface HostHandle {
  /** The host process's pid. */
  readonly pid: number;
  readonly adapter: ResolvedAdapter;
  /** Set once start() resolved. */
  readonly info: StartInfo | undefined;
  /** False once the host exited. */
  readonly alive: boolean;
  /** Resolves (never rejects) when the host process exits, however it ends. */
  readonly exited: Promise<HostExit>;

  /** Starts the adapter (done by startHost unless deferStart). Resolves with dims/model. */
  start(opts?: HostCallOptions): Promise<StartInfo>;
  embed(text: string, opts?: HostCallOptions): Promise<Float32Array>;
  embedBatch(texts: string[], opts?: HostCallOptions): Promise<Float32Array[]>;
  /** Embedder round trip through the host, in ms (as the host measured it). */
  ping(opts?: HostCallOptions): Promise<number>;
  memory(opts?: { gc?: boolean } & HostCallOptions): Promise<HostMemory>;
  embedderPid(opts?: HostCallOptions): Promise<number | undefined>;
  embedderStats(opts?: HostCallOptions): Promise<EmbedderStats | undefined>;
  /** Byte counters and buffer high-water marks of the host's connection to the embedder. */
  ipcStats(opts?: HostCallOptions): Promise<HostIpcStats>;
  /**
   * Writes raw bytes to the embedder's input stream, past the codec (garbage, sliced or oversized frames).
   * Rejects with GAUNTLET_USAGE where the adapter has no byte stream (in-process, http).
   */
  writeRaw(bytes: Uint8Array, opts?: HostCallOptions): Promise<boolean>;
  /** Closes the host's write side of the embedder connection (the embedder sees EOF). Same rule as writeRaw. */
  closeInput(opts?: HostCallOptions): Promise<void>;

  on<E extends keyof HostEventMap>(event: E, listener: (data: HostEventMap[E]) => void): this;
  off<E extends keyof HostEventMap>(event: E, listener: (data: HostEventMap[E]) => void): this;

  /** Sends a signal to the host process; false if it already exited. */
  kill(signal?: NodeJS.Signals): boolean;
  /**
   * Asks the host to close its adapter and exit; escalates to SIGTERM, then SIGKILL, when a deadline passes.
   * Never rejects; idempotent.
   */
  close(opts?: { deadlineMs?: number; killAfterMs?: number }): Promise<HostCloseResult>;
}

// ---------------------------------------------------------------- IPC messages (orchestrator <-> host)

export type HostOp =
  | 'start' | 'embed' | 'embed-batch' | 'ping' | 'memory' | 'embedder-pid' | 'embedder-stats' | 'close'
  | 'write-raw' | 'close-input' | 'ipc-stats';

export interface HostRequest {
  id: number;
  op: HostOp;
  args?: { text?: string; texts?: string[]; gc?: boolean; timeoutMs?: number; /** base64, for write-raw */ bytes?: string };
}

export interface HostErrorPayload {
  code: string;
  message: string;
  name?: string;
  details?: Record<string, unknown>;
}

export type HostReply =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: HostErrorPayload }
  | { kind: 'lifecycle'; event: LifecycleEvent }
  | { kind: 'error'; error: HostErrorPayload }
  /** Sent once the host has loaded its adapter module and listens for requests. */
  | { kind: 'hello'; pid: number };

/** What the orchestrator passes to the host (as a JSON argv element). */
export interface HostBootConfig {
  adapter: ResolvedAdapter;
}
