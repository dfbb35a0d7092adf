/**
 * The contract between the supervisor core (core.ts) and what it supervises: an EmbedderDriver says how one
 * embedder is prepared, spawned, connected to, probed and let go (process: stdio/uds link and `initialize`;
 * http: a port, the ready line, a readiness poll and a dims probe); CoreHooks say what the owner does with its
 * requests when an embedder becomes live, ready or crashes, and when everything fails.
 */
import type { GauntletError } from '../util/errors.ts';
import type { EmbedderExit, EmbedderProcess } from './embedder-process.ts';
import type { CrashReason, LifecycleType, ResolvedSupervisorOptions, StartPhases } from './types.ts';

/** One spawned embedder (the live one or a spare), as the core sees it; a driver extends it with its link. */
export interface Embedder {
  /** Unique per spawn: answers, faults and probes of an embedder that is not (or no longer) live are told apart by it. */
  readonly gen: number;
  readonly proc: EmbedderProcess;
  readonly argv: string[];
  /** performance.now() just before the spawn. */
  readonly spawnHr: number;
  /** Crash/failure noticed -> this spawn (the backoff phase), ms; 0 for a first start and for a spare. */
  backoffMs: number;
  /** Set when the supervisor killed it on its own decision (hang, protocol fault, closed stream). */
  killReason?: CrashReason;
}

export type EmbedderRole = 'live' | 'spare';

/** What a successful start gives: the driver's info (dims...) and where the start spent its time. */
export interface Started<I> {
  info: I;
  phases: StartPhases;
}

export type StartResult<I> = ({ ok: true } & Started<I>) | { ok: false; error: GauntletError; terminal: boolean; exit?: EmbedderExit };

/** How one embedder is started and spoken to. */
export interface EmbedderDriver<E extends Embedder, I, P> {
  /** Whatever a spawn needs that can take a moment (e.g. a free port); nothing is started yet. */
  prepare(role: EmbedderRole): P | Promise<P>;
  /** Spawns one process (synchronously: the core counts and tracks it at once); `spawnHr` stamped just before. */
  spawn(plan: P, gen: number, role: EmbedderRole): E;
  /**
   * Connects and shakes hands up to readiness within the driver's start deadline (every step racing the process's
   * exit and `signal`, the core's stop). Rejects when the embedder does not get there; the core then kills it.
   */
  connect(e: E, signal: AbortSignal): Promise<Started<I>>;
  /** A failed start, after the kill and the exit: the error to report, and whether restarting cannot help. */
  startFailed(e: E, error: GauntletError, exit: EmbedderExit | undefined): { error: GauntletError; terminal: boolean };
  /** One health probe of the live embedder; rejects with GAUNTLET_TIMEOUT when unanswered within `timeoutMs`. */
  ping(e: E, timeoutMs: number): Promise<unknown>;
  /** Lets go of what the driver holds for a gone embedder (stream, socket file); called more than once at times. */
  release(e: E): void;
  /** The fields the driver adds to `ready` (dims, model, ...), in event order after attempt and startMs. */
  readyFields(e: E, info: I): Record<string, unknown>;
  /** The fields it adds at the end of `standby-ready`. */
  spareReadyFields(e: E, info: I): Record<string, unknown>;
  /** Whether its embedders can report a runtime-ready milestone: a takeover's runtimeMs is 0 if so, else null. */
  readonly runtimePhase: boolean;
}

/** What the owner does with its requests. */
export interface CoreHooks<E extends Embedder> {
  /** `e` becomes the live embedder: a fresh spawn (before its handshake), or a spare taking over. */
  onLive(e: E): void;
  /** The live embedder is ready (after start() resolved, before health pings and spares). */
  onReady(e: E): void;
  /** The live embedder went away: how many callers' requests were in flight, and how to settle them (after `crash`). */
  onCrash(e: E, exit: EmbedderExit, reason: CrashReason, stderrTail: string): { inFlight: number; settle(): void };
  /** Terminal: reject whatever waits. */
  onFail(error: GauntletError): void;
}

export type CorePolicy = Pick<ResolvedSupervisorOptions, 'restart' | 'healthIntervalMs' | 'healthTimeoutMs' | 'random' | 'standby' | 'shutdownGraceMs'>;

export interface CoreOptions<E extends Embedder, I, P> {
  policy: CorePolicy;
  driver: EmbedderDriver<E, I, P>;
  hooks: CoreHooks<E>;
  /** Delivers one lifecycle event; `pid` is the embedder's it is about. */
  emit(type: LifecycleType, details: Record<string, unknown>, pid: number | undefined): void;
  /** The owner's wording of its GAUNTLET_CLOSED / GAUNTLET_INTERNAL errors. */
  messages: { startAfterStop: string; closedBeforeReady: string; loopFailed: string };
}
