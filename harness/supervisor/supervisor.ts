/**
 * Supervisor: runs one embedder process and keeps it answering.
 *
 * Lifecycle (one loop, one process at a time): spawn -> connect -> `initialize` (deadline readyTimeoutMs) ->
 * ready -> ... -> the process goes away -> crash event, in-flight requests failed (or queued once for retry) ->
 * breaker check -> backoff -> spawn again. The first restart after a healthy period (the embedder had answered
 * `initialize`) waits no backoff; consecutive failed starts after it wait base, 2 x base, ... as before.
 * With `standby: N`, N warm spares are started once the live embedder is ready; on a crash a ready spare takes over
 * at once (a spare still starting is adopted instead of a fresh spawn) and a replacement starts in the background;
 * a spare that dies or fails to start is replaced (each replacement counts toward the breaker). Terminal states:
 * - the breaker trips (more than restart.maxRestarts restarts inside restart.windowMs): GAUNTLET_EMBEDDER_GAVE_UP;
 * - `initialize` answered with a non-retryable error (e.g. model-invalid): terminal at once, no restart, since
 *   the same file gives the same answer (GAUNTLET_MODEL_INVALID). A crash or a deadline during initialize (e.g.
 *   a corrupt model that aborts the loader) is a failed start and goes through the breaker.
 * Requests made while starting/restarting wait for readiness within their own deadline.
 */
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import type { RequestBody, Response } from '../protocol/messages.ts';
import { mergeConnectionStats, type ConnectionStats, type MessageConnection } from '../protocol/connection.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { backoffDelay, RestartBreaker } from './backoff.ts';
import { HealthMonitor } from './health-monitor.ts';
import { defaultConnector } from './default-connector.ts';
import { describeExit, EmbedderProcess, type EmbedderExit } from './embedder-process.ts';
import { linkStdio, linkUds, type EmbedderLink, type StreamConnector } from './link.ts';
import { resolveSupervisorOptions } from './options.ts';
import { checkResponse, createPending, type Pending } from './pending.ts';
import { stopEmbedder } from './stop-embedder.ts';
import { RequestTable } from './request-table.ts';
import { LifecycleEmitter } from './lifecycle-emitter.ts';
import { crashedError, gaveUpError } from './supervisor-errors.ts';
import { sleep } from '../util/deadline.ts';
import type {
  CrashReason, InitInfo, LifecycleListener, RequestOptions, ResolvedSupervisorOptions, ResponseFor, StartPhases, StopResult,
  SupervisorCounters, SupervisorOptions, SupervisorState,
} from './types.ts';
import type { InitializedResponse, ShutdownAckResponse, StartTiming, StatsResponse } from '../protocol/messages.ts';

export interface SupervisorDeps {
  /** Builds the MessageConnection over the byte streams (default: harness/transport's connectStreams). */
  connector?: StreamConnector;
}

type AttemptResult = { ok: true; info: InitInfo; phases: StartPhases } | { ok: false; error: GauntletError; terminal: boolean; exit?: EmbedderExit };

/** One spawned embedder: the live one or a spare. */
interface Slot {
  gen: number;
  proc: EmbedderProcess;
  argv: string[];
  link: EmbedderLink | undefined;
  socketPath: string | undefined;
  spawnHr: number;
  /** Crash/failure noticed -> this spawn (the backoff phase), ms. */
  backoffMs: number;
}

interface Spare extends Slot {
  slot: number;
  state: 'starting' | 'ready';
  info?: InitInfo;
  result?: Promise<AttemptResult>;
  killReason?: CrashReason;
}

export class Supervisor {
  readonly options: ResolvedSupervisorOptions;
  private readonly connector: StreamConnector;
  private readonly events = new LifecycleEmitter();
  private _state: SupervisorState = 'idle';
  private proc: EmbedderProcess | undefined;
  private link: EmbedderLink | undefined;
  private generation = 0;
  private lastGen = 0;
  /** When the live embedder's crash (or a failed start) was noticed: the start of the next spawn's backoff phase. */
  private restartFrom: number | undefined;
  private readonly spares: Spare[] = [];
  private spareSlots = 0;
  private spareFailures = 0;
  private spareTimer: Promise<void> | undefined;
  private attempts = 0;
  private failures = 0;
  private readonly table = new RequestTable();
  private readonly breaker: RestartBreaker;
  private readonly stopController = new AbortController();
  private startPromise: Promise<InitInfo> | undefined;
  private stopPromise: Promise<StopResult> | undefined;
  private loopDone: Promise<void> | undefined;
  private terminalError: GauntletError | undefined;
  private killReason: CrashReason | undefined;
  private readonly health: HealthMonitor;
  private readyHr = 0;
  private socketPath: string | undefined;
  private _info: InitInfo | undefined;
  /** Byte counters of the connections to embedders that are gone (folded in when their link is cleaned up). */
  private pastIpc: ConnectionStats | undefined;
  private readonly counters: SupervisorCounters = {
    spawns: 0, restarts: 0, crashes: 0, hangs: 0, requests: 0, succeeded: 0, failed: 0, timedOut: 0, retried: 0, inFlight: 0, takeovers: 0,
  };

  constructor(options: SupervisorOptions, deps: SupervisorDeps = {}) {
    this.options = resolveSupervisorOptions(options);
    if (this.options.standby > 0 && this.options.socketPath) {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `supervisor.standby: ${this.options.standby} spares cannot share the fixed socketPath ${JSON.stringify(this.options.socketPath)}; leave socketPath unset (a fresh path per process)`);
    }
    this.connector = deps.connector ?? defaultConnector;
    this.breaker = new RestartBreaker(this.options.restart);
    this.health = new HealthMonitor({
      intervalMs: this.options.healthIntervalMs,
      timeoutMs: this.options.healthTimeoutMs,
      ready: () => this._state === 'ready',
      generation: () => this.generation,
      ping: async (timeoutMs) => {
        const { pending, promise } = this.makePending({ type: 'ping' }, timeoutMs, true);
        this.send(pending);
        await promise;
      },
      onHang: (via, waitedMs) => {
        this.counters.hangs++;
        this.emit('hang-detected', { via, waitedMs });
        this.killCurrent('hang');
      },
    });
  }

  get state(): SupervisorState {
    return this._state;
  }
  /** The live embedder's pid (undefined between processes). */
  get pid(): number | undefined {
    return this.proc?.alive ? this.proc.pid : undefined;
  }
  /** Pids of the spares (started or starting), in slot order. */
  get sparePids(): number[] {
    return this.spares.filter((s) => s.proc.alive && s.proc.pid !== undefined).map((s) => s.proc.pid!);
  }
  /** Spares that answered `initialize` and wait to take over. */
  get readySpares(): number {
    return this.spares.filter((s) => s.state === 'ready' && s.proc.alive).length;
  }
  /** The last `initialized` answer. */
  get info(): InitInfo | undefined {
    return this._info;
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
    if (this.startPromise) return this.startPromise;
    if (this._state === 'stopped') return Promise.reject(new GauntletError('GAUNTLET_CLOSED', 'start() after stop(): create a new Supervisor'));
    this._state = 'starting';
    let resolveStart!: (info: InitInfo) => void;
    let rejectStart!: (e: Error) => void;
    this.startPromise = new Promise<InitInfo>((res, rej) => {
      resolveStart = res;
      rejectStart = rej;
    });
    this.startPromise.catch(() => {});
    this.loopDone = this.loop(resolveStart, rejectStart).catch((e) => {
      this.fail(new GauntletError('GAUNTLET_INTERNAL', `supervisor loop failed: ${toError(e).message}`, { cause: e }));
    });
    return this.startPromise;
  }

  /** Sends one request and resolves with its typed answer; embedder `error` answers reject with a GauntletError. */
  request<B extends RequestBody>(body: B, opts: RequestOptions = {}): Promise<ResponseFor<B>> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (this.table.publicCount >= this.options.maxPending) {
      return Promise.reject(new GauntletError('GAUNTLET_OVERLOADED', `more than ${this.options.maxPending} requests pending (supervisor maxPending)`));
    }
    this.counters.requests++;
    const { pending, promise } = this.makePending(body, opts.timeoutMs ?? this.options.requestTimeoutMs, false, opts.signal);
    if (this._state === 'ready') this.send(pending);
    else this.table.queue(pending);
    return promise.then(
      (r) => {
        this.counters.succeeded++;
        return r as ResponseFor<B>;
      },
      (e: Error) => {
        this.counters.failed++;
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
    return { ...this.counters, inFlight: this.table.publicCount };
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
    if (!this.link) throw new GauntletError('GAUNTLET_CLOSED', `writeRaw: no embedder connection (state ${this._state})`);
    return this.link.writeRaw(bytes);
  }
  /** Half-closes our sending side (stdin EOF / socket FIN). */
  closeInput(): void {
    if (!this.link) throw new GauntletError('GAUNTLET_CLOSED', `closeInput: no embedder connection (state ${this._state})`);
    this.link.closeInput();
  }

  /** `shutdown`, then SIGTERM, then SIGKILL, each after shutdownGraceMs; idempotent. */
  stop(): Promise<StopResult> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  // ------------------------------------------------------------------ lifecycle loop

  private async loop(resolveStart: (info: InitInfo) => void, rejectStart: (e: Error) => void): Promise<void> {
    let started = false;
    let next: AttemptResult | undefined;
    while (!this.stopping()) {
      const result = next ?? (await this.attempt());
      next = undefined;
      if (this.stopping()) break;
      if (result.ok) {
        this.failures = 0;
        this.restartFrom = undefined;
        this._info = result.info;
        this._state = 'ready';
        if (!started) {
          started = true;
          resolveStart(result.info);
        }
        this.flushWaiting();
        this.health.start();
        this.keepSpares();
        const exit = await this.proc!.exited;
        this.health.stop();
        if (this.stopping()) break;
        this.restartFrom = exit.hr;
        this.onCrash(exit);
      } else {
        this.restartFrom = performance.now();
        const exit = result.exit;
        this.emit('start-failed', {
          attempt: this.attempts, code: result.error.code, message: result.error.message,
          exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: this.proc?.stderrTail() ?? '',
        });
        if (result.terminal) {
          this.fail(result.error);
          rejectStart(result.error);
          return;
        }
      }
      const now = performance.now();
      const inWindow = this.breaker.inWindow(now);
      if (this.breaker.tripped(now)) {
        const error = gaveUpError(this.options.restart, inWindow, this.counters.spawns, this.proc?.stderrTail() ?? '', result.ok ? undefined : result.error);
        this.fail(error);
        rejectStart(error);
        return;
      }
      this.breaker.record(now);
      this.failures++;
      this.counters.restarts++;
      this._state = 'restarting';
      if (this.spares.some((sp) => sp.proc.alive)) {
        this.emit('restart', { attempt: this.attempts + 1, delayMs: 0, restartsInWindow: inWindow + 1, via: 'standby' });
        next = await this.takeOver();
        if (next || this.stopping()) continue;
        // No spare made it: spawn as without standby, at once (the spare's failure went through the breaker).
        continue;
      }
      // The first restart after a healthy period (it had answered `initialize`) waits nothing; later ones grow.
      const healthy = started ? 1 : 0;
      const delayMs = this.failures - healthy <= 0 ? 0 : backoffDelay(this.options.restart, this.failures - healthy, this.options.random);
      this.emit('restart', { attempt: this.attempts + 1, delayMs, restartsInWindow: inWindow + 1, via: 'spawn' });
      if (delayMs > 0) await sleep(delayMs, this.stopController.signal);
    }
    rejectStart(new GauntletError('GAUNTLET_CLOSED', 'stop() was called before the embedder became ready'));
  }

  /** Spawns one embedder process (the live one or a spare); `{socket}` gets a fresh path per process. */
  private spawnSlot(): Slot {
    const o = this.options;
    const gen = ++this.lastGen;
    const socketPath = o.transport === 'uds' ? (o.socketPath ?? path.join(os.tmpdir(), `gauntlet-sup-${process.pid}-${gen}-${Math.random().toString(36).slice(2, 8)}.sock`)) : undefined;
    const argv = o.command.map((a) => a.replaceAll('{socket}', socketPath ?? '').replaceAll('{model}', o.modelPath));
    const spawnHr = performance.now();
    const backoffMs = this.restartFrom !== undefined ? Math.max(0, spawnHr - this.restartFrom) : 0;
    const proc = new EmbedderProcess({ argv, env: o.env, cwd: o.cwd });
    this.counters.spawns++;
    return { gen, proc, argv, link: undefined, socketPath, spawnHr, backoffMs };
  }

  /** One spawn + handshake of the live embedder, bounded by readyTimeoutMs. */
  private async attempt(): Promise<AttemptResult> {
    this.attempts++;
    this.killReason = undefined;
    this.link = undefined;
    this.table.newGeneration();
    const slot = this.spawnSlot();
    this.generation = slot.gen;
    this.socketPath = slot.socketPath;
    this.proc = slot.proc;
    this.emit('spawn', { attempt: this.attempts, command: slot.argv });
    const result = await this.handshake(slot);
    if (result.ok) {
      this.readyHr = performance.now();
      this.emit('ready', { attempt: this.attempts, startMs: this.readyHr - slot.spawnHr, dims: result.info.dims, model: result.info.model, via: 'spawn', phases: result.phases });
    }
    return result;
  }

  /** Connect + `initialize` of one spawned process (live or spare), bounded by readyTimeoutMs. */
  private async handshake(slot: Slot): Promise<AttemptResult> {
    const o = this.options;
    const { proc, argv, gen } = slot;
    const t0 = slot.spawnHr;
    const left = () => Math.max(1, o.readyTimeoutMs - (performance.now() - t0));
    // Every step of the start races the process's exit.
    const died = proc.exited.then((exit): never => {
      if (exit.spawnError) {
        throw new GauntletError('GAUNTLET_CONFIG_INVALID', `could not spawn the embedder ${JSON.stringify(argv[0])}: ${exit.spawnError.message.split('\n')[0]}; check the command`, {
          cause: exit.spawnError, details: { command: argv, terminal: true },
        });
      }
      throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `the embedder exited (${describeExit(exit)}) while starting`, {
        details: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: proc.stderrTail() },
      });
    });
    died.catch(() => {});
    try {
      let link: EmbedderLink;
      if (o.transport === 'stdio') {
        link = linkStdio(proc, this.connector, o.codec, o.limits);
      } else {
        const ready = await Promise.race([proc.readyLine(left(), this.stopController.signal), died]);
        link = await Promise.race([
          linkUds(ready.socket ?? slot.socketPath!, this.connector, o.codec, o.limits, left(), this.stopController.signal),
          died,
        ]);
      }
      slot.link = link;
      if (gen === this.generation) this.link = link;
      this.wire(link.connection, gen);
      const init = this.makePending({ type: 'initialize', modelPath: o.modelPath, options: o.initOptions }, left(), true);
      if (!this.table.send(init.pending, gen, link.connection)) proc.kill('SIGKILL');
      const response = (await Promise.race([init.promise, died])) as InitializedResponse;
      const { dims, vocabSize, model, contextSize, lanes } = response;
      const phases = startPhases(slot, performance.now(), response.timing);
      return { ok: true, phases, info: { dims, vocabSize, model, ...(contextSize !== undefined ? { contextSize } : {}), ...(lanes !== undefined ? { lanes } : {}) } };
    } catch (e) {
      const error = e instanceof GauntletError ? e : new GauntletError('GAUNTLET_EMBEDDER_CRASHED', toError(e).message, { cause: e });
      // Terminal at once: a refusal the embedder says is not retryable (e.g. model-invalid), or no process at all.
      const terminal = (error.details.retryable === false && error.details.requestType === 'initialize') || error.details.terminal === true;
      // During stop(), the stop escalation owns the process.
      if (!this.stopping()) proc.kill('SIGKILL');
      const exit = this.stopping() ? proc.exit : await proc.waitExit(5_000);
      this.failInflight(gen, () => error);
      if (gen === this.generation) this.cleanupLink();
      else this.cleanupSlot(slot);
      return { ok: false, error, terminal, exit };
    }
  }

  // ------------------------------------------------------------------ standby

  /** Starts spares until `standby` of them run (started once the live embedder is ready, never while failed). */
  private keepSpares(): void {
    if (this.spareTimer) return;
    while (!this.stopping() && this._state !== 'failed' && this.spares.length < this.options.standby) {
      void this.runSpare().catch((e) => {
        this.emit('protocol-fault', { code: 'GAUNTLET_INTERNAL', message: `standby: ${toError(e).message}`, fatal: false });
      });
    }
  }

  /** Replaces a spare that went away: through the breaker, with backoff after consecutive failed starts. */
  private replaceSpare(failedStart: boolean): string {
    if (this.stopping() || this._state === 'failed') return 'not replaced (stopping)';
    const now = performance.now();
    if (this.breaker.tripped(now)) {
      return `not replaced: the restart breaker is at ${this.breaker.inWindow(now)} restarts in ${this.options.restart.windowMs} ms`;
    }
    this.breaker.record(now);
    this.counters.restarts++;
    this.spareFailures = failedStart ? this.spareFailures + 1 : 0;
    const delayMs = this.spareFailures === 0 ? 0 : backoffDelay(this.options.restart, this.spareFailures, this.options.random);
    if (delayMs === 0) {
      this.keepSpares();
    } else {
      this.spareTimer = sleep(delayMs, this.stopController.signal).catch(() => {}).then(() => {
        this.spareTimer = undefined;
        if (this._state === 'ready' || this._state === 'restarting') this.keepSpares();
      });
    }
    return `replaced${delayMs ? ` after ${delayMs} ms` : ''}`;
  }

  private async runSpare(): Promise<void> {
    const slotNo = ++this.spareSlots;
    const base = this.spawnSlot();
    const spare: Spare = { ...base, backoffMs: 0, slot: slotNo, state: 'starting' };
    this.spares.push(spare);
    this.events.emit('standby-spawn', { slot: slotNo, command: spare.argv }, spare.proc.pid);
    spare.result = this.handshake(spare);
    const r = await spare.result;
    const gone = (reason: string, exit: EmbedderExit | undefined, failedStart: boolean) => {
      const i = this.spares.indexOf(spare);
      if (i < 0) return; // it took over
      this.spares.splice(i, 1);
      this.cleanupSlot(spare);
      const what = this.stopping() ? 'stopped' : this.replaceSpare(failedStart);
      this.events.emit('standby-exit', {
        slot: slotNo, reason: `${reason}; ${what}`, exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: spare.proc.stderrTail(),
      }, spare.proc.pid);
    };
    if (!r.ok) {
      gone(`failed to start: ${r.error.message}`, r.exit, true);
      return;
    }
    if (!this.spares.includes(spare)) return;
    spare.state = 'ready';
    spare.info = r.info;
    this.spareFailures = 0;
    this.events.emit('standby-ready', { slot: slotNo, startMs: performance.now() - spare.spawnHr, phases: r.phases }, spare.proc.pid);
    const exit = await spare.proc.exited;
    gone(spare.killReason ? `killed by the supervisor (${spare.killReason})` : `exited (${describeExit(exit)})`, exit, false);
  }

  /** The live embedder is gone: a ready spare (else one still starting) becomes the live one. */
  private async takeOver(): Promise<AttemptResult | undefined> {
    let spare = this.spares.find((sp) => sp.state === 'ready' && sp.proc.alive);
    if (!spare) {
      const starting = this.spares.find((sp) => sp.state === 'starting' && sp.proc.alive);
      if (!starting?.result) return undefined;
      const r = await starting.result;
      if (this.stopping() || !r.ok || !starting.proc.alive || !this.spares.includes(starting)) return undefined;
      spare = starting;
    }
    this.spares.splice(this.spares.indexOf(spare), 1);
    this.attempts++;
    this.killReason = undefined;
    this.table.newGeneration();
    this.generation = spare.gen;
    this.proc = spare.proc;
    this.link = spare.link;
    this.socketPath = spare.socketPath;
    this.counters.takeovers++;
    const waitedMs = this.restartFrom !== undefined ? performance.now() - this.restartFrom : 0;
    const phases: StartPhases = { backoffMs: waitedMs, spawnMs: 0, runtimeMs: 0, loadMs: 0 };
    this.readyHr = performance.now();
    this.emit('ready', { attempt: this.attempts, startMs: 0, dims: spare.info!.dims, model: spare.info!.model, via: 'standby', phases, slot: spare.slot });
    return { ok: true, info: spare.info!, phases };
  }

  private spareOf(gen: number): Spare | undefined {
    return this.spares.find((sp) => sp.gen === gen);
  }

  private wire(connection: MessageConnection, gen: number): void {
    connection.onMessage((message) => {
      // Ids are never reused: a spare's answers can only settle its own requests (its handshake).
      if (gen === this.generation || this.spareOf(gen)) this.onMessage(message as Response);
    });
    connection.onFault((fault) => {
      const spare = this.spareOf(gen);
      if (spare && gen !== this.generation) {
        if (fault.fatal && spare.proc.alive) {
          spare.killReason ??= 'protocol';
          spare.proc.kill('SIGKILL');
        }
        return;
      }
      if (gen !== this.generation) return;
      this.emit('protocol-fault', { code: fault.code, message: fault.message, fatal: fault.fatal });
      if (fault.fatal) this.killCurrent('protocol');
    });
    connection.onClose(() => {
      // The pipe usually closes a moment before the exit is reported: give the process shutdownGraceMs to go
      // on its own; one still alive without a stream is killed.
      const spare = this.spareOf(gen);
      if (spare && gen !== this.generation && !this.stopping()) {
        void spare.proc.waitExit(Math.max(100, this.options.shutdownGraceMs)).then((exit) => {
          if (!exit && this.spares.includes(spare)) {
            spare.killReason ??= 'connection-closed';
            spare.proc.kill('SIGKILL');
          }
        });
        return;
      }
      const proc = this.proc;
      if (gen !== this.generation || this.stopping() || !proc) return;
      void proc.waitExit(Math.max(100, this.options.shutdownGraceMs)).then((exit) => {
        if (!exit && gen === this.generation && !this.stopping()) this.killCurrent('connection-closed');
      });
    });
  }

  private onMessage(message: Response): void {
    const pending = this.table.take(message.id);
    if (!pending) {
      if (message.type === 'error' && message.id === 0) {
        this.emit('protocol-fault', { code: message.code, message: message.message, fatal: false });
      } else {
        const late = this.table.wasExpired(message.id);
        this.emit('unmatched-response', { id: message.id, responseType: message.type, late });
      }
      return;
    }
    const problem = checkResponse(pending.body, message);
    if (problem) pending.reject(problem);
    else pending.resolve(message);
  }

  private onCrash(exit: EmbedderExit): void {
    const reason = this.killReason ?? 'exit';
    const stderrTail = this.proc?.stderrTail() ?? '';
    this.counters.crashes++;
    this._state = 'restarting';
    // A spare's handshake is not the dead embedder's business.
    const dropped = this.table.drainInflightExcept((p) => p.generation !== undefined && p.generation !== this.generation && this.spareOf(p.generation) !== undefined);
    const inFlight = dropped.filter((p) => !p.internal);
    this.emit('crash', {
      reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail, inFlight: inFlight.length, uptimeMs: exit.hr - this.readyHr,
    });
    const error = crashedError(this.proc?.pid, reason, exit, stderrTail);
    const retry: Pending[] = [];
    for (const p of dropped) {
      if (this.options.retryOnceAfterRestart && !p.internal && !p.retried && p.body.type !== 'shutdown') {
        p.retried = true;
        this.counters.retried++;
        retry.push(p);
      } else {
        p.reject(error);
      }
    }
    this.table.requeueFirst(retry);
    this.cleanupLink();
  }

  // ------------------------------------------------------------------ requests

  private makePending(body: RequestBody, timeoutMs: number, internal: boolean, signal?: AbortSignal) {
    const made = createPending(body, { timeoutMs, internal, signal }, {
      onTimeout: (p) => {
        if (!p.internal) this.counters.timedOut++;
        this.table.markExpired(p, this.generation);
        // A request that the live embedder left unanswered: check whether it hangs.
        if (!p.internal && p.generation === this.generation && this._state === 'ready') void this.health.probe('request-deadline');
      },
      onSettle: (p) => {
        this.table.remove(p);
      },
    });
    return made;
  }

  private send(p: Pending): void {
    // A refused write means the stream is gone; the process exit (or our kill) settles this request.
    if (!this.table.send(p, this.generation, this.link!.connection)) this.killCurrent('connection-closed');
  }

  private flushWaiting(): void {
    for (const p of this.table.drainWaiting()) this.send(p);
  }

  private failInflight(gen: number, error: () => Error): void {
    for (const p of this.table.drainGeneration(gen)) p.reject(error());
  }

  private refusal(): GauntletError | undefined {
    if (this._state === 'idle') return new GauntletError('GAUNTLET_CLOSED', 'the supervisor is not started: call start() first');
    if (this._state === 'failed') return this.terminalError;
    if (this.stopping()) return new GauntletError('GAUNTLET_CLOSED', 'the supervisor is stopped');
    return undefined;
  }

  // ------------------------------------------------------------------ health

  /** Kills the live embedder on our own decision; from now on new requests wait for its successor. */
  private killCurrent(reason: CrashReason): void {
    if (!this.proc?.alive) return;
    this.killReason ??= reason;
    if (this._state === 'ready') this._state = 'restarting';
    this.health.stop();
    this.proc.kill('SIGKILL');
  }

  // ------------------------------------------------------------------ stop / fail

  private stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async doStop(): Promise<StopResult> {
    const t0 = performance.now();
    const wasIdle = this._state === 'idle';
    this.stopController.abort();
    this.health.stop();
    const closed = () => new GauntletError('GAUNTLET_CLOSED', 'the supervisor was stopped');
    for (const p of this.table.drainWaiting()) p.reject(closed());
    const proc = this.proc;
    let outcome: Awaited<ReturnType<typeof stopEmbedder>> = { how: wasIdle ? 'not-started' : 'already-exited', exit: proc?.exit, graceful: undefined };
    if (proc?.alive) {
      const link = this.link;
      const ask = link && !link.connection.closed
        ? async () => {
            const { pending, promise } = this.makePending({ type: 'shutdown' }, this.options.shutdownGraceMs || 1, true);
            this.send(pending);
            return ((await promise) as ShutdownAckResponse).graceful;
          }
        : undefined;
      outcome = await Promise.all([stopEmbedder(proc, this.options.shutdownGraceMs, ask), this.stopSpares()]).then(([o]) => o);
    } else {
      await this.stopSpares();
    }
    for (const p of this.table.drainInflight()) p.reject(closed());
    this.cleanupLink();
    if (this._state !== 'failed') this._state = 'stopped';
    await Promise.race([this.loopDone, sleep(1_000)]);
    this._state = this._state === 'failed' ? 'failed' : 'stopped';
    const result: StopResult = {
      how: outcome.how,
      pid: proc?.pid,
      exitCode: outcome.exit?.exitCode ?? null,
      signal: outcome.exit?.signal ?? null,
      graceful: outcome.graceful,
      durationMs: performance.now() - t0,
      stderrTail: proc?.stderrTail() ?? '',
    };
    this.emit('shutdown', { how: result.how, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs }, proc?.pid);
    return result;
  }

  /** SIGTERM, then SIGKILL, for every spare (they have no requests of their own to drain). */
  private async stopSpares(): Promise<void> {
    const spares = this.spares.splice(0);
    await Promise.all(spares.map(async (sp) => {
      if (sp.proc.alive) await stopEmbedder(sp.proc, this.options.shutdownGraceMs, undefined);
      this.cleanupSlot(sp);
    }));
  }

  private fail(error: GauntletError): void {
    this.terminalError = error;
    this._state = 'failed';
    this.health.stop();
    for (const sp of this.spares.splice(0)) {
      sp.proc.kill('SIGKILL');
      this.cleanupSlot(sp);
    }
    for (const p of this.table.drainWaiting()) p.reject(error);
    for (const p of this.table.drainInflight()) p.reject(error);
    this.emit('give-up', {
      restartsInWindow: this.breaker.inWindow(performance.now()), windowMs: this.options.restart.windowMs, code: error.code, message: error.message,
    });
  }

  /** Folds a spare's byte counters in, and drops its stream and socket file. */
  private cleanupSlot(slot: Slot): void {
    const last = slot.link?.connection.stats?.();
    if (last) this.pastIpc = this.pastIpc ? mergeConnectionStats(this.pastIpc, last) : last;
    slot.link?.destroy();
    slot.link = undefined;
    if (slot.socketPath && !this.options.socketPath) {
      try {
        rmSync(slot.socketPath, { force: true });
      } catch {
        // not ours to worry about
      }
    }
  }

  private cleanupLink(): void {
    const last = this.link?.connection.stats?.();
    if (last) this.pastIpc = this.pastIpc ? mergeConnectionStats(this.pastIpc, last) : last;
    this.link?.destroy();
    this.link = undefined;
    if (this.socketPath && !this.options.socketPath) {
      try {
        rmSync(this.socketPath, { force: true });
      } catch {
        // not ours to worry about
      }
    }
  }

  private emit(type: Parameters<LifecycleEmitter['emit']>[0], details: Record<string, unknown>, pid = this.proc?.pid): void {
    this.events.emit(type, details, pid);
  }
}

/**
 * The phases of one start from the supervisor's stamps and the embedder's own `timing` (epoch-based, so it maps onto
 * this process's clock through performance.timeOrigin). Milestones are kept in order: main <= runtime <= answer.
 */
export function startPhases(slot: Pick<Slot, 'spawnHr' | 'backoffMs'>, answeredHr: number, timing: StartTiming | undefined): StartPhases {
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
