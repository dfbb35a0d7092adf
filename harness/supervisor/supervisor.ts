/**
 * Supervisor: runs one embedder process over stdio or a Unix socket and keeps it answering.
 *
 * The lifecycle (restarts, backoff, breaker, health, standby spares, start phases, lifecycle events) is the shared
 * SupervisorCore's (core.ts); this file is how a process embedder is started and spoken to: spawn with `{socket}`
 * and `{model}` substituted -> connect (stdio pipes, or the uds ready line and the socket) -> `initialize`
 * (deadline readyTimeoutMs) -> requests by wire id over the MessageConnection. The first restart after a healthy
 * period (the embedder had answered `initialize`) waits no backoff; consecutive failed starts wait base, 2 x base...
 * Terminal states:
 * - the breaker trips (more than restart.maxRestarts restarts inside restart.windowMs): GAUNTLET_EMBEDDER_GAVE_UP;
 * - `initialize` answered with a non-retryable error (e.g. model-invalid): terminal at once, no restart, since
 *   the same file gives the same answer (GAUNTLET_MODEL_INVALID). A crash or a deadline during initialize (e.g.
 *   a corrupt model that aborts the loader) is a failed start and goes through the breaker.
 * Requests made while starting/restarting are queued and sent once an embedder is ready, within their own deadline;
 * those in flight when it dies fail with GAUNTLET_EMBEDDER_CRASHED (or are queued once more: retryOnceAfterRestart).
 */
import { spawnFailure } from './start-diagnosis.ts';
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import type { RequestBody, Response } from '../protocol/messages.ts';
import { mergeConnectionStats, type ConnectionStats, type MessageConnection } from '../protocol/connection.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { SupervisorCore } from './core.ts';
import type { Embedder, EmbedderDriver, Started } from './embedder-driver.ts';
import { defaultConnector } from './default-connector.ts';
import { describeExit, EmbedderProcess, type EmbedderExit } from './embedder-process.ts';
import { linkStdio, linkUds, type EmbedderLink, type StreamConnector } from './link.ts';
import { resolveSupervisorOptions } from './options.ts';
import { checkResponse, createPending, type Pending } from './pending.ts';
import { stopEmbedder } from './stop-embedder.ts';
import { RequestTable } from './request-table.ts';
import { LifecycleEmitter } from './lifecycle-emitter.ts';
import { crashedError, lastLines } from './supervisor-errors.ts';
import type {
  CrashReason, InitInfo, LifecycleListener, RequestOptions, ResolvedSupervisorOptions, ResponseFor, StartPhases, StopResult,
  SupervisorCounters, SupervisorOptions, SupervisorState,
} from './types.ts';
import type { InitializedResponse, ShutdownAckResponse, StartTiming, StatsResponse } from '../protocol/messages.ts';

export interface SupervisorDeps {
  /** Builds the MessageConnection over the byte streams (default: harness/transport's connectStreams). */
  connector?: StreamConnector;
}

/** One spawned embedder process: the live one or a spare. */
interface ProcessEmbedder extends Embedder {
  link: EmbedderLink | undefined;
  socketPath: string | undefined;
  /** While it starts: what it sent that was not the `initialized` answer (undecodable frames, other messages). */
  sentInstead?: string[];
}

/** How long a start waits for `initialized` after the embedder sent something else first. */
const SENT_INSTEAD_GRACE_MS = 1_000;

export class Supervisor {
  readonly options: ResolvedSupervisorOptions;
  private readonly connector: StreamConnector;
  private readonly events = new LifecycleEmitter();
  private readonly core: SupervisorCore<ProcessEmbedder, InitInfo, void>;
  private readonly table = new RequestTable();
  private stopPromise: Promise<StopResult> | undefined;
  /** Byte counters of the connections to embedders that are gone (folded in when their link is released). */
  private pastIpc: ConnectionStats | undefined;

  constructor(options: SupervisorOptions, deps: SupervisorDeps = {}) {
    this.options = resolveSupervisorOptions(options);
    if (this.options.standby > 0 && this.options.socketPath) {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `supervisor.standby: ${this.options.standby} spares cannot share the fixed socketPath ${JSON.stringify(this.options.socketPath)}; leave socketPath unset (a fresh path per process)`);
    }
    this.connector = deps.connector ?? defaultConnector;
    this.core = new SupervisorCore({
      policy: this.options,
      driver: this.driver(),
      hooks: {
        onLive: () => this.table.newGeneration(),
        onReady: () => this.flushWaiting(),
        onCrash: (e, exit, reason, stderrTail) => this.onCrash(e, exit, reason, stderrTail),
        onFail: (error) => {
          for (const p of this.table.drainWaiting()) p.reject(error);
          for (const p of this.table.drainInflight()) p.reject(error);
        },
      },
      emit: (type, details, pid) => this.events.emit(type, details, pid),
      messages: {
        startAfterStop: 'start() after stop(): create a new Supervisor',
        closedBeforeReady: 'stop() was called before the embedder became ready',
        loopFailed: 'supervisor loop failed',
      },
    });
  }

  get state(): SupervisorState {
    return this.core.state;
  }
  /** The live embedder's pid (undefined between processes). */
  get pid(): number | undefined {
    return this.core.pid;
  }
  /** Pids of the spares (started or starting), in slot order. */
  get sparePids(): number[] {
    return this.core.sparePids;
  }
  /** Spares that answered `initialize` and wait to take over. */
  get readySpares(): number {
    return this.core.readySpares;
  }
  /** The last `initialized` answer. */
  get info(): InitInfo | undefined {
    return this.core.info;
  }

  on(event: 'lifecycle', listener: LifecycleListener): this {
    this.events.on(listener);
    return this;
  }
  off(event: 'lifecycle', listener: LifecycleListener): this {
    this.events.off(listener);
    return this;
  }

  /** Spawns the embedder and resolves once it answered `initialize` (restarting failed starts within the breaker). */
  start(): Promise<InitInfo> {
    return this.core.start();
  }

  /** Sends one request and resolves with its typed answer; embedder `error` answers reject with a GauntletError. */
  request<B extends RequestBody>(body: B, opts: RequestOptions = {}): Promise<ResponseFor<B>> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (this.table.publicCount >= this.options.maxPending) {
      return Promise.reject(new GauntletError('GAUNTLET_OVERLOADED', `more than ${this.options.maxPending} requests pending (supervisor maxPending)`));
    }
    const counters = this.core.counters;
    counters.requests++;
    const { pending, promise } = this.makePending(body, opts.timeoutMs ?? this.options.requestTimeoutMs, false, opts.signal);
    if (this.core.state === 'ready') this.send(pending);
    else this.table.queue(pending);
    return promise.then(
      (r) => {
        counters.succeeded++;
        return r as ResponseFor<B>;
      },
      (e: Error) => {
        counters.failed++;
        throw e;
      },
    );
  }

  async embed(text: string, opts?: RequestOptions): Promise<Float32Array> {
    return (await this.request({ type: 'embed', text }, opts)).vector;
  }
  async embedBatch(texts: string[], opts?: RequestOptions): Promise<Float32Array[]> {
    return (await this.request({ type: 'embed-batch', texts }, opts)).vectors;
  }
  /** Round trip of a `ping`, ms. */
  async ping(opts?: RequestOptions): Promise<number> {
    const t0 = performance.now();
    await this.request({ type: 'ping' }, opts);
    return performance.now() - t0;
  }
  /** The embedder's own `stats` answer (memory, counters). */
  stats(opts?: RequestOptions): Promise<StatsResponse> {
    return this.request({ type: 'stats' }, opts);
  }
  /** The supervisor's counters (spawns, restarts, crashes, hangs, requests...). */
  counts(): SupervisorCounters {
    return { ...this.core.counters, inFlight: this.table.publicCount };
  }

  /**
   * Byte counters of the host side of the wire over every embedder this supervisor ran (maxima over all of them,
   * counts summed); undefined when the connector's connections keep none.
   */
  ipcStats(): ConnectionStats | undefined {
    const now = this.link?.connection.stats?.();
    if (!now) return this.pastIpc && { ...this.pastIpc };
    return this.pastIpc ? mergeConnectionStats(this.pastIpc, now) : now;
  }

  /** The current MessageConnection (tests); undefined between processes. */
  rawConnection(): MessageConnection | undefined {
    return this.link?.connection;
  }
  /** Writes bytes to the embedder as they are, bypassing the codec. */
  writeRaw(bytes: Uint8Array): boolean {
    if (!this.link) throw new GauntletError('GAUNTLET_CLOSED', `writeRaw: no embedder connection (state ${this.core.state})`);
    return this.link.writeRaw(bytes);
  }
  /** Half-closes our sending side (stdin EOF / socket FIN). */
  closeInput(): void {
    if (!this.link) throw new GauntletError('GAUNTLET_CLOSED', `closeInput: no embedder connection (state ${this.core.state})`);
    this.link.closeInput();
  }

  /** `shutdown`, then SIGTERM, then SIGKILL, each after shutdownGraceMs; idempotent. */
  stop(): Promise<StopResult> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  /** The live embedder's link (undefined before it connected and once it is gone). */
  private get link(): EmbedderLink | undefined {
    return this.core.live?.link;
  }

  // ------------------------------------------------------------------ the driver: spawn, connect, initialize

  private driver(): EmbedderDriver<ProcessEmbedder, InitInfo, void> {
    return {
      prepare: () => undefined,
      spawn: (_plan, gen) => this.spawnEmbedder(gen),
      connect: (e, signal) => this.handshake(e, signal),
      startFailed: (e, error) => {
        this.failInflight(e.gen, () => error);
        // Terminal at once: a refusal the embedder says is not retryable (e.g. model-invalid), or no process at all.
        const terminal = (error.details.retryable === false && error.details.requestType === 'initialize') || error.details.terminal === true;
        return { error, terminal };
      },
      ping: async (_e, timeoutMs) => {
        const { pending, promise } = this.makePending({ type: 'ping' }, timeoutMs, true);
        this.send(pending);
        await promise;
      },
      release: (e) => this.release(e),
      readyFields: (_e, info) => ({ dims: info.dims, model: info.model }),
      spareReadyFields: () => ({}),
      runtimePhase: true,
    };
  }

  /** Spawns one embedder process (the live one or a spare); `{socket}` gets a fresh path per process. */
  private spawnEmbedder(gen: number): ProcessEmbedder {
    const o = this.options;
    const socketPath = o.transport === 'uds' ? (o.socketPath ?? path.join(os.tmpdir(), `gauntlet-sup-${process.pid}-${gen}-${Math.random().toString(36).slice(2, 8)}.sock`)) : undefined;
    const argv = o.command.map((a) => a.replaceAll('{socket}', socketPath ?? '').replaceAll('{model}', o.modelPath));
    const spawnHr = performance.now();
    const proc = new EmbedderProcess({ argv, env: o.env, cwd: o.cwd });
    return { gen, proc, argv, link: undefined, socketPath, spawnHr, backoffMs: 0 };
  }

  /** Connect + `initialize` of one spawned process (live or spare), bounded by readyTimeoutMs. */
  private async handshake(e: ProcessEmbedder, signal: AbortSignal): Promise<Started<InitInfo>> {
    const o = this.options;
    const { proc, argv, gen } = e;
    const t0 = e.spawnHr;
    const left = () => Math.max(1, o.readyTimeoutMs - (performance.now() - t0));
    // Every step of the start races the process's exit.
    const died = proc.exited.then((exit): never => {
      if (exit.spawnError) {
        throw new GauntletError('GAUNTLET_CONFIG_INVALID', `could not spawn the embedder ${JSON.stringify(argv[0])}: ${spawnFailure(argv[0]!, exit.spawnError, o.cwd, o.env?.PATH ?? process.env.PATH)}`, {
          cause: exit.spawnError, details: { command: argv, terminal: true },
        });
      }
      throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `the embedder exited (${describeExit(exit)}) while starting`, {
        details: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: proc.stderrTail() },
      });
    });
    died.catch(() => {});
    let link: EmbedderLink;
    if (o.transport === 'stdio') {
      link = linkStdio(proc, this.connector, o.codec, o.limits);
    } else {
      const ready = await Promise.race([proc.readyLine(left(), signal), died]);
      link = await Promise.race([linkUds(ready.socket ?? e.socketPath!, this.connector, o.codec, o.limits, left(), signal), died]);
    }
    e.link = link;
    const sentInstead: string[] = [];
    e.sentInstead = sentInstead;
    this.wire(link.connection, gen);
    const init = this.makePending({ type: 'initialize', modelPath: o.modelPath, options: o.initOptions }, left(), true);
    if (!this.table.send(init.pending, gen, link.connection)) proc.kill('SIGKILL');
    // Something else first (a log line on stdout, another message): `initialized` gets SENT_INSTEAD_GRACE_MS more.
    const instead = new Promise<never>((_, reject) => {
      const timer = setInterval(() => {
        if (sentInstead.length === 0 || !proc.alive) return;
        clearInterval(timer);
        setTimeout(() => reject(new GauntletError('GAUNTLET_EMBEDDER_ERROR', 'sent something else first')), SENT_INSTEAD_GRACE_MS).unref();
      }, 50);
      timer.unref();
      void init.promise.then(() => clearInterval(timer), () => clearInterval(timer));
    });
    instead.catch(() => {});
    let response: InitializedResponse;
    try {
      response = (await Promise.race([init.promise, died, instead])) as InitializedResponse;
    } catch (err) {
      throw this.notInitialized(e, err, o.readyTimeoutMs);
    } finally {
      e.sentInstead = undefined;
    }
    const { dims, vocabSize, model, contextSize, lanes } = response;
    const phases = startPhases(e, performance.now(), response.timing);
    return { phases, info: { dims, vocabSize, model, ...(contextSize !== undefined ? { contextSize } : {}), ...(lanes !== undefined ? { lanes } : {}) } };
  }

  private wire(connection: MessageConnection, gen: number): void {
    const core = this.core;
    const starting = () => (core.live?.gen === gen ? core.live : core.spareOf(gen))?.sentInstead;
    connection.onMessage((message) => {
      const notes = starting();
      const m = message as Response;
      if (notes && m.type !== 'initialized') notes.push(m.type === 'error' ? `an error (id ${m.id}, ${m.code}: ${m.message})` : `a ${JSON.stringify(m.type)} message (id ${m.id})`);
      // Ids are never reused: a spare's answers can only settle its own requests (its handshake).
      if (gen === core.generation || core.spareOf(gen)) this.onMessage(message as Response);
    });
    connection.onFault((fault) => {
      starting()?.push(`${fault.fatal ? 'a fatal' : 'an'} undecodable frame (${fault.code}: ${fault.message})`);
      if (core.spareOf(gen) && gen !== core.generation) {
        if (fault.fatal) core.killSpare(gen, 'protocol');
        return;
      }
      if (gen !== core.generation) return;
      // An answer to a waiting request that decodes to the wrong shape is the engine's finding for that request
      // (GAUNTLET_BAD_ANSWER), not a fault of the stream: the request fails typed at once instead of timing out.
      const pending = fault.id !== undefined && fault.id > 0 ? this.table.take(fault.id) : undefined;
      if (pending) {
        pending.reject(new GauntletError('GAUNTLET_BAD_ANSWER', `embedder answered ${pending.body.type} #${fault.id} with a malformed frame: ${fault.message.slice(0, 300)}`, { details: { id: fault.id, fault: fault.code } }));
        core.emit('bad-answer', { id: fault.id!, message: fault.message, fatal: fault.fatal });
      } else {
        core.emit('protocol-fault', { code: fault.code, message: fault.message, fatal: fault.fatal });
      }
      if (fault.fatal) core.killCurrent('protocol');
    });
    connection.onClose(() => {
      // The pipe usually closes a moment before the exit is reported: give the process shutdownGraceMs to go
      // on its own; one still alive without a stream is killed.
      const spare = core.spareOf(gen);
      if (spare && gen !== core.generation && !core.stopping()) {
        void spare.proc.waitExit(Math.max(100, this.options.shutdownGraceMs)).then((exit) => {
          if (!exit) core.killSpare(gen, 'connection-closed');
        });
        return;
      }
      const proc = core.live?.proc;
      if (gen !== core.generation || core.stopping() || !proc) return;
      void proc.waitExit(Math.max(100, this.options.shutdownGraceMs)).then((exit) => {
        if (!exit && gen === core.generation && !core.stopping()) core.killCurrent('connection-closed');
      });
    });
  }

  private onMessage(message: Response): void {
    const pending = this.table.take(message.id);
    if (!pending) {
      if (message.type === 'error' && message.id === 0) {
        this.core.emit('protocol-fault', { code: message.code, message: message.message, fatal: false });
      } else {
        const late = this.table.wasExpired(message.id);
        this.core.emit('unmatched-response', { id: message.id, responseType: message.type, late });
      }
      return;
    }
    const problem = checkResponse(pending.body, message);
    if (problem) pending.reject(problem);
    else pending.resolve(message);
  }

  /** The live embedder is gone: its requests fail typed (or are queued once more), a spare's handshake stays. */
  private onCrash(e: ProcessEmbedder, exit: EmbedderExit, reason: CrashReason, stderrTail: string): { inFlight: number; settle(): void } {
    const core = this.core;
    const dropped = this.table.drainInflightExcept((p) => p.generation !== undefined && p.generation !== e.gen && core.spareOf(p.generation) !== undefined);
    const inFlight = dropped.filter((p) => !p.internal).length;
    const settle = () => {
      const error = crashedError(e.proc.pid, reason, exit, stderrTail);
      const retry: Pending[] = [];
      for (const p of dropped) {
        if (this.options.retryOnceAfterRestart && !p.internal && !p.retried && p.body.type !== 'shutdown') {
          p.retried = true;
          core.counters.retried++;
          retry.push(p);
        } else {
          p.reject(error);
        }
      }
      this.table.requeueFirst(retry);
    };
    return { inFlight, settle };
  }

  // ------------------------------------------------------------------ requests

  /**
   * The start's error when `initialize` got no `initialized`: what the embedder sent instead (or that it sent
   * nothing within readyTimeoutMs), its stderr tail, and the rule it broke. An error of the start itself (a refusal
   * such as model-invalid, a spawn failure) passes through as it is.
   */
  private notInitialized(e: ProcessEmbedder, err: unknown, readyTimeoutMs: number): GauntletError {
    const error = err instanceof GauntletError ? err : new GauntletError('GAUNTLET_EMBEDDER_CRASHED', toError(err).message, { cause: err });
    const notes = e.sentInstead ?? [];
    const stderr = e.proc.stderrTail();
    const tail = stderr.trim() ? `; its stderr ended: ${lastLines(stderr)}` : '';
    if (notes.length > 0 && error.details.requestType !== 'initialize') {
      const shown = notes.slice(0, 3).join('; ') + (notes.length > 3 ? `; and ${notes.length - 3} more` : '');
      return new GauntletError('GAUNTLET_EMBEDDER_ERROR',
        `the embedder (pid ${e.proc.pid}) did not answer initialize with initialized; it sent instead: ${shown}. Its ${this.options.transport === 'stdio' ? 'stdout' : 'socket'} must carry protocol frames only (${this.options.codec}; logs go to stderr; gauntlet's docs/protocol.md)${tail}`,
        // Terminal: the same program prints the same thing on its next start; restarting it only hides this message.
        { cause: error, details: { sentInstead: notes, stderrTail: stderr, terminal: true } });
    }
    if (error.code === 'GAUNTLET_TIMEOUT' && notes.length === 0) {
      return new GauntletError('GAUNTLET_TIMEOUT',
        `the embedder (pid ${e.proc.pid}) sent nothing within ${readyTimeoutMs} ms of initialize (no initialized, no frame at all): is it reading ${this.options.transport === 'stdio' ? 'stdin' : 'the socket'} and answering in ${this.options.codec}? (raise readyTimeoutMs if loading takes longer)${tail}`,
        { cause: error, details: { ...error.details, stderrTail: stderr } });
    }
    return error;
  }

  private makePending(body: RequestBody, timeoutMs: number, internal: boolean, signal?: AbortSignal) {
    return createPending(body, { timeoutMs, internal, signal }, {
      onTimeout: (p) => {
        if (!p.internal) this.core.counters.timedOut++;
        this.table.markExpired(p, this.core.generation);
        // A request that the live embedder left unanswered: check whether it hangs.
        if (!p.internal && p.generation === this.core.generation && this.core.state === 'ready') void this.core.probe('request-deadline');
      },
      onSettle: (p) => {
        this.table.remove(p);
      },
    });
  }

  private send(p: Pending): void {
    // A refused write means the stream is gone; the process exit (or our kill) settles this request.
    if (!this.table.send(p, this.core.generation, this.link!.connection)) this.core.killCurrent('connection-closed');
  }

  private flushWaiting(): void {
    for (const p of this.table.drainWaiting()) this.send(p);
  }

  private failInflight(gen: number, error: () => Error): void {
    for (const p of this.table.drainGeneration(gen)) p.reject(error());
  }

  private refusal(): GauntletError | undefined {
    const state = this.core.state;
    if (state === 'idle') return new GauntletError('GAUNTLET_CLOSED', 'the supervisor is not started: call start() first');
    if (state === 'failed') return this.core.terminalError;
    if (this.core.stopping()) return new GauntletError('GAUNTLET_CLOSED', 'the supervisor is stopped');
    return undefined;
  }

  // ------------------------------------------------------------------ stop

  private async doStop(): Promise<StopResult> {
    const t0 = performance.now();
    const core = this.core;
    const wasIdle = core.state === 'idle';
    core.beginStop();
    const closed = () => new GauntletError('GAUNTLET_CLOSED', 'the supervisor was stopped');
    for (const p of this.table.drainWaiting()) p.reject(closed());
    const live = core.live;
    const proc = live?.proc;
    let outcome: Awaited<ReturnType<typeof stopEmbedder>> = { how: wasIdle ? 'not-started' : 'already-exited', exit: proc?.exit, graceful: undefined };
    if (proc?.alive) {
      const link = live!.link;
      const ask = link && !link.connection.closed
        ? async () => {
            const { pending, promise } = this.makePending({ type: 'shutdown' }, this.options.shutdownGraceMs || 1, true);
            this.send(pending);
            return ((await promise) as ShutdownAckResponse).graceful;
          }
        : undefined;
      outcome = await Promise.all([stopEmbedder(proc, this.options.shutdownGraceMs, ask), core.stopSpares()]).then(([o]) => o);
    } else {
      await core.stopSpares();
    }
    for (const p of this.table.drainInflight()) p.reject(closed());
    if (live) this.release(live);
    core.setState('stopped');
    await core.settled();
    const result: StopResult = {
      how: outcome.how,
      pid: proc?.pid,
      exitCode: outcome.exit?.exitCode ?? null,
      signal: outcome.exit?.signal ?? null,
      graceful: outcome.graceful,
      durationMs: performance.now() - t0,
      stderrTail: proc?.stderrTail() ?? '',
    };
    core.emit('shutdown', { how: result.how, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs }, proc?.pid);
    return result;
  }

  /** Folds an embedder's byte counters in, and drops its stream and socket file. */
  private release(e: ProcessEmbedder): void {
    const last = e.link?.connection.stats?.();
    if (last) this.pastIpc = this.pastIpc ? mergeConnectionStats(this.pastIpc, last) : last;
    e.link?.destroy();
    e.link = undefined;
    if (e.socketPath && !this.options.socketPath) {
      try {
        rmSync(e.socketPath, { force: true });
      } catch {
        // not ours to worry about
      }
    }
  }
}

/**
 * The phases of one start from the supervisor's stamps and the embedder's own `timing` (epoch-based, so it maps onto
 * this process's clock through performance.timeOrigin). Milestones are kept in order: main <= runtime <= answer.
 */
export function startPhases(slot: Pick<Embedder, 'spawnHr' | 'backoffMs'>, answeredHr: number, timing: StartTiming | undefined): StartPhases {
  const total = Math.max(0, answeredHr - slot.spawnHr);
  if (!timing || timing.startedAt === undefined || timing.mainMs === undefined) {
    return { backoffMs: slot.backoffMs, spawnMs: total, runtimeMs: null, loadMs: null };
  }
  const toHr = (ms: number) => timing.startedAt! + ms - performance.timeOrigin;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const main = clamp(toHr(timing.mainMs), slot.spawnHr, answeredHr);
  const runtime = timing.runtimeMs !== undefined ? clamp(toHr(timing.runtimeMs), main, answeredHr) : main;
  return { backoffMs: slot.backoffMs, spawnMs: main - slot.spawnHr, runtimeMs: runtime - main, loadMs: answeredHr - runtime };
}
