/**
 * The supervisor core shared by process adapters (supervisor.ts: stdio/uds link, the gauntlet protocol) and http
 * adapters (adapters/http-supervisor.ts: a server the adapter starts on a port). It owns what both do the same way:
 *
 * - the state machine: idle -> starting -> ready <-> restarting, ending in stopped or failed;
 * - the loop, one live embedder at a time: spawn -> connect/handshake (the driver's, bounded by its readyTimeoutMs)
 *   -> ready -> ... -> the process goes away -> crash event (the owner settles its requests) -> breaker check ->
 *   backoff -> spawn again. The first restart after a healthy period (the embedder had become ready) waits no
 *   backoff; consecutive failed starts after it wait base, 2 x base, ...;
 * - the restart breaker: more than restart.maxRestarts restarts inside restart.windowMs is terminal
 *   (GAUNTLET_EMBEDDER_GAVE_UP); a start failure the driver calls terminal ends it at once;
 * - health monitoring (periodic ping, a probe on a missed request deadline): a hang is SIGKILLed and restarted;
 * - standby (`standby: N`): N warm spares started once the live embedder is ready; on a crash a ready spare takes
 *   over at once (one still starting is adopted instead of a fresh spawn) and a replacement starts in the
 *   background; a spare that dies or fails to start is replaced (each replacement counts toward the breaker);
 * - start phases (backoff wait, spawn, runtime ready, model loaded) in `ready` / `standby-ready`, and the
 *   lifecycle events (spawn, ready, crash, restart, start-failed, give-up, hang-detected, standby-*).
 *
 * It is parameterised by an EmbedderDriver (how one embedder is prepared, spawned, connected to, probed and let
 * go) and CoreHooks (what the owner does with its requests when an embedder becomes live, ready, crashes, or the
 * whole thing fails). Requests themselves are the owner's: a wire protocol with ids, or http calls.
 */
import { GauntletError, toError } from '../util/errors.ts';
import { sleep } from '../util/deadline.ts';
import { backoffDelay, RestartBreaker } from './backoff.ts';
import { HealthMonitor, type ProbeVia } from './health-monitor.ts';
import { describeExit, type EmbedderExit, type EmbedderProcess } from './embedder-process.ts';
import { stopEmbedder } from './stop-embedder.ts';
import { gaveUpError } from './supervisor-errors.ts';
import type { CrashReason, LifecycleType, ResolvedSupervisorOptions, StartPhases, SupervisorCounters, SupervisorState } from './types.ts';

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
   * Connects and hands shakes up to readiness within the driver's start deadline (every step racing the process's
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

/** A warm spare; `e` is undefined while the driver prepares its spawn. */
interface Spare<E extends Embedder, I> {
  slot: number;
  e: E | undefined;
  state: 'starting' | 'ready';
  info?: I;
  /** Settles once the spare is up or failed to start (or was abandoned before it spawned). */
  result: Promise<StartResult<I>>;
}

export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class SupervisorCore<E extends Embedder, I, P> {
  readonly counters: SupervisorCounters = {
    spawns: 0, restarts: 0, crashes: 0, hangs: 0, requests: 0, succeeded: 0, failed: 0, timedOut: 0, retried: 0, inFlight: 0, takeovers: 0,
  };
  private readonly policy: CorePolicy;
  private readonly driver: EmbedderDriver<E, I, P>;
  private readonly hooks: CoreHooks<E>;
  private readonly out: CoreOptions<E, I, P>['emit'];
  private readonly messages: CoreOptions<E, I, P>['messages'];
  private _state: SupervisorState = 'idle';
  private _live: E | undefined;
  private _info: I | undefined;
  private lastGen = 0;
  private attempts = 0;
  private failures = 0;
  private readyHr = 0;
  /** When the live embedder's crash (or a failed start) was noticed: the start of the next spawn's backoff phase. */
  private restartFrom: number | undefined;
  private _terminalError: GauntletError | undefined;
  private readonly breaker: RestartBreaker;
  private readonly stopController = new AbortController();
  private startPromise: Promise<I> | undefined;
  private loopDone: Promise<void> | undefined;
  private readonly health: HealthMonitor;
  private changed = deferred<void>();
  private readonly spares: Array<Spare<E, I>> = [];
  private spareSlots = 0;
  private spareFailures = 0;
  private spareTimer: Promise<void> | undefined;

  constructor(options: CoreOptions<E, I, P>) {
    this.policy = options.policy;
    this.driver = options.driver;
    this.hooks = options.hooks;
    this.out = options.emit;
    this.messages = options.messages;
    this.breaker = new RestartBreaker(this.policy.restart);
    this.health = new HealthMonitor({
      intervalMs: this.policy.healthIntervalMs,
      timeoutMs: this.policy.healthTimeoutMs,
      ready: () => this._state === 'ready' && this._live !== undefined,
      generation: () => this.generation,
      ping: (timeoutMs) => this.driver.ping(this._live!, timeoutMs),
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
  /** The live embedder (also between its exit and the next spawn: check `proc.alive`). */
  get live(): E | undefined {
    return this._live;
  }
  /** The live embedder's generation (0 before the first spawn). */
  get generation(): number {
    return this._live?.gen ?? 0;
  }
  /** The live embedder's pid while it runs. */
  get pid(): number | undefined {
    return this._live?.proc.alive ? this._live.proc.pid : undefined;
  }
  /** The info of the last embedder that became live. */
  get info(): I | undefined {
    return this._info;
  }
  get terminalError(): GauntletError | undefined {
    return this._terminalError;
  }
  get signal(): AbortSignal {
    return this.stopController.signal;
  }
  /** Pids of the spares (started or starting), in slot order. */
  get sparePids(): number[] {
    return this.spares.filter((s) => s.e?.proc.alive && s.e.proc.pid !== undefined).map((s) => s.e!.proc.pid!);
  }
  /** Spares that are ready and wait to take over. */
  get readySpares(): number {
    return this.spares.filter((s) => s.state === 'ready' && s.e?.proc.alive).length;
  }

  stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Resolves at the next state change (or stop). */
  nextChange(): Promise<void> {
    return this.changed.promise;
  }

  /** No way out of stopped, nor out of failed. */
  setState(state: SupervisorState): void {
    if (this._state === 'stopped' || (this._state === 'failed' && state !== 'failed')) return;
    this._state = state;
    this.notify();
  }

  /** The spare embedder of generation `gen`, if one is. */
  spareOf(gen: number): E | undefined {
    return this.spares.find((sp) => sp.e?.gen === gen)?.e;
  }

  /** Kills the spare of generation `gen` on our own decision (it goes through replacement like any dead spare). */
  killSpare(gen: number, reason: CrashReason): void {
    const e = this.spareOf(gen);
    if (!e?.proc.alive) return;
    e.killReason ??= reason;
    e.proc.kill('SIGKILL');
  }

  /** Kills the live embedder on our own decision; from now on new requests wait for its successor. */
  killCurrent(reason: CrashReason): void {
    const e = this._live;
    if (!e?.proc.alive) return;
    e.killReason ??= reason;
    if (this._state === 'ready') this.setState('restarting');
    this.health.stop();
    e.proc.kill('SIGKILL');
  }

  /** A probe of the live embedder now (a request missed its deadline); a hang gets it killed and replaced. */
  probe(via: ProbeVia): Promise<void> {
    return this.health.probe(via);
  }

  /** Spawns the embedder and resolves once it is ready (restarting failed starts within the breaker). */
  start(): Promise<I> {
    if (this.startPromise) return this.startPromise;
    if (this._state === 'stopped') return Promise.reject(new GauntletError('GAUNTLET_CLOSED', this.messages.startAfterStop));
    this.setState('starting');
    const started = deferred<I>();
    this.startPromise = started.promise;
    this.startPromise.catch(() => {});
    this.loopDone = this.loop(started.resolve, started.reject).catch((e) => {
      const error = new GauntletError('GAUNTLET_INTERNAL', `${this.messages.loopFailed}: ${toError(e).message}`, { cause: e });
      this.fail(error);
      started.reject(error);
    });
    return this.startPromise;
  }

  /** First step of a stop: no more restarts, spawns or health pings; waiters wake up. */
  beginStop(): void {
    this.stopController.abort();
    this.health.stop();
    this.notify();
  }

  /** SIGTERM, then SIGKILL, for every spare (they have no requests of their own to drain). */
  async stopSpares(): Promise<void> {
    const spares = this.spares.splice(0);
    await Promise.all(spares.map(async (sp) => {
      if (sp.e?.proc.alive) await stopEmbedder(sp.e.proc, this.policy.shutdownGraceMs, undefined);
      if (sp.e) this.driver.release(sp.e);
    }));
  }

  /** The loop's end after a stop (at most 1 s). */
  async settled(): Promise<void> {
    await Promise.race([this.loopDone, sleep(1_000)]);
  }

  emit(type: LifecycleType, details: Record<string, unknown>, pid = this._live?.proc.pid): void {
    this.out(type, details, pid);
  }

  // ------------------------------------------------------------------ lifecycle loop

  private async loop(resolveStart: (info: I) => void, rejectStart: (e: Error) => void): Promise<void> {
    let started = false;
    let next: StartResult<I> | undefined;
    while (!this.stopping()) {
      const result = next ?? (await this.attempt());
      next = undefined;
      if (this.stopping()) break;
      if (result.ok) {
        const live = this._live!;
        this.failures = 0;
        this.restartFrom = undefined;
        this._info = result.info;
        this.setState('ready');
        if (!started) {
          started = true;
          resolveStart(result.info);
        }
        this.hooks.onReady(live);
        this.health.start();
        this.keepSpares();
        const exit = await live.proc.exited;
        this.health.stop();
        if (this.stopping()) break;
        this.restartFrom = exit.hr;
        this.onCrash(live, exit);
      } else {
        this.restartFrom = performance.now();
        const exit = result.exit;
        this.emit('start-failed', {
          attempt: this.attempts, code: result.error.code, message: result.error.message,
          exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: this._live?.proc.stderrTail() ?? '',
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
        const error = gaveUpError(this.policy.restart, inWindow, this.counters.spawns, this._live?.proc.stderrTail() ?? '', result.ok ? undefined : result.error);
        this.fail(error);
        rejectStart(error);
        return;
      }
      this.breaker.record(now);
      this.failures++;
      this.counters.restarts++;
      this.setState('restarting');
      if (this.spares.some((sp) => sp.e?.proc.alive)) {
        this.emit('restart', { attempt: this.attempts + 1, delayMs: 0, restartsInWindow: inWindow + 1, via: 'standby' });
        next = await this.takeOver();
        continue; // no spare made it: spawn at once, as without standby (its failure went through the breaker)
      }
      // The first restart after a healthy period waits nothing; later ones grow.
      const healthy = started ? 1 : 0;
      const delayMs = this.failures - healthy <= 0 ? 0 : backoffDelay(this.policy.restart, this.failures - healthy, this.policy.random);
      this.emit('restart', { attempt: this.attempts + 1, delayMs, restartsInWindow: inWindow + 1, via: 'spawn' });
      if (delayMs > 0) await sleep(delayMs, this.stopController.signal);
    }
    rejectStart(new GauntletError('GAUNTLET_CLOSED', this.messages.closedBeforeReady));
  }

  /** One spawn through the driver (live or spare); counted at once. */
  private spawn(plan: P, role: EmbedderRole): E {
    const e = this.driver.spawn(plan, ++this.lastGen, role);
    e.backoffMs = role === 'live' && this.restartFrom !== undefined ? Math.max(0, e.spawnHr - this.restartFrom) : 0;
    this.counters.spawns++;
    return e;
  }

  /** A start that did not get anywhere because stop() came first. */
  private abandoned(): StartResult<I> {
    return { ok: false, error: new GauntletError('GAUNTLET_CLOSED', this.messages.closedBeforeReady), terminal: false };
  }

  /** One spawn + connect of the live embedder. */
  private async attempt(): Promise<StartResult<I>> {
    this.attempts++;
    const plan = await this.driver.prepare('live');
    if (this.stopping()) return this.abandoned();
    const e = this.spawn(plan, 'live');
    this._live = e;
    this.hooks.onLive(e);
    this.emit('spawn', { attempt: this.attempts, command: e.argv });
    const result = await this.bringUp(e);
    if (result.ok) {
      this.readyHr = performance.now();
      this.emit('ready', {
        attempt: this.attempts, startMs: this.readyHr - e.spawnHr, ...this.driver.readyFields(e, result.info), via: 'spawn', phases: result.phases,
      });
    }
    return result;
  }

  /** The driver's connect; a failure kills the process (unless stop() owns it) and waits for its exit. */
  private async bringUp(e: E): Promise<StartResult<I>> {
    try {
      const started = await this.driver.connect(e, this.stopController.signal);
      return { ok: true, ...started };
    } catch (err) {
      const error = err instanceof GauntletError ? err : new GauntletError('GAUNTLET_EMBEDDER_CRASHED', toError(err).message, { cause: err });
      // During stop(), the stop escalation owns the process.
      if (!this.stopping()) e.proc.kill('SIGKILL');
      const exit = this.stopping() ? e.proc.exit : await e.proc.waitExit(5_000);
      const failed = this.driver.startFailed(e, error, exit);
      this.driver.release(e);
      return { ok: false, ...failed, exit };
    }
  }

  private onCrash(e: E, exit: EmbedderExit): void {
    const reason = e.killReason ?? 'exit';
    const stderrTail = e.proc.stderrTail();
    this.counters.crashes++;
    this.setState('restarting');
    const { inFlight, settle } = this.hooks.onCrash(e, exit, reason, stderrTail);
    this.emit('crash', { reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail, inFlight, uptimeMs: exit.hr - this.readyHr });
    settle();
    this.driver.release(e);
  }

  private fail(error: GauntletError): void {
    this._terminalError = error;
    this.setState('failed');
    this.health.stop();
    for (const sp of this.spares.splice(0)) {
      if (!sp.e) continue;
      sp.e.proc.kill('SIGKILL');
      this.driver.release(sp.e);
    }
    this.hooks.onFail(error);
    this.emit('give-up', {
      restartsInWindow: this.breaker.inWindow(performance.now()), windowMs: this.policy.restart.windowMs, code: error.code, message: error.message,
    });
  }

  private notify(): void {
    const prev = this.changed;
    this.changed = deferred<void>();
    prev.resolve();
  }

  // ------------------------------------------------------------------ standby

  /** Starts spares until `standby` of them run (started once the live embedder is ready, never while failed). */
  private keepSpares(): void {
    if (this.spareTimer || this.stopping() || this._state === 'failed') return;
    // Counted once: a spare that fails at once gives its slot back without being restarted in this loop.
    for (let n = this.policy.standby - this.spares.length; n > 0; n--) {
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
      return `not replaced: the restart breaker is at ${this.breaker.inWindow(now)} restarts in ${this.policy.restart.windowMs} ms`;
    }
    this.breaker.record(now);
    this.counters.restarts++;
    this.spareFailures = failedStart ? this.spareFailures + 1 : 0;
    const delayMs = this.spareFailures === 0 ? 0 : backoffDelay(this.policy.restart, this.spareFailures, this.policy.random);
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
    const result = deferred<StartResult<I>>();
    // Pushed before the first await: keepSpares counts it at once.
    const spare: Spare<E, I> = { slot: ++this.spareSlots, e: undefined, state: 'starting', result: result.promise };
    this.spares.push(spare);
    let r: StartResult<I> | undefined;
    try {
      const plan = await this.driver.prepare('spare');
      if (!this.spares.includes(spare) || this.stopping()) return;
      spare.e = this.spawn(plan, 'spare');
      this.emit('standby-spawn', { slot: spare.slot, command: spare.e.argv }, spare.e.proc.pid);
      r = await this.bringUp(spare.e);
    } catch (err) {
      // A slot that never got a process must not hold its place.
      const i = this.spares.indexOf(spare);
      if (!spare.e && i >= 0) this.spares.splice(i, 1);
      throw err;
    } finally {
      result.resolve(r ?? this.abandoned());
    }
    const e = spare.e;
    if (!r || !e) return;
    const gone = (reason: string, exit: EmbedderExit | undefined, failedStart: boolean) => {
      const i = this.spares.indexOf(spare);
      if (i < 0) return; // it took over, or the supervisor let it go
      this.spares.splice(i, 1);
      this.driver.release(e);
      const what = this.stopping() ? 'stopped' : this.replaceSpare(failedStart);
      this.emit('standby-exit', {
        slot: spare.slot, reason: `${reason}; ${what}`, exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: e.proc.stderrTail(),
      }, e.proc.pid);
    };
    if (!r.ok) {
      gone(`failed to start: ${r.error.message}`, r.exit, true);
      return;
    }
    if (!this.spares.includes(spare)) return;
    spare.state = 'ready';
    spare.info = r.info;
    this.spareFailures = 0;
    this.emit('standby-ready', { slot: spare.slot, startMs: performance.now() - e.spawnHr, phases: r.phases, ...this.driver.spareReadyFields(e, r.info) }, e.proc.pid);
    const exit = await e.proc.exited;
    gone(e.killReason ? `killed by the supervisor (${e.killReason})` : `exited (${describeExit(exit)})`, exit, false);
  }

  /** The live embedder is gone: a ready spare (else one still starting) becomes the live one. */
  private async takeOver(): Promise<StartResult<I> | undefined> {
    let spare = this.spares.find((sp) => sp.state === 'ready' && sp.e?.proc.alive);
    if (!spare) {
      const starting = this.spares.find((sp) => sp.state === 'starting' && (sp.e === undefined || sp.e.proc.alive));
      if (!starting) return undefined;
      const r = await starting.result;
      if (this.stopping() || !r.ok || !starting.e?.proc.alive || !this.spares.includes(starting)) return undefined;
      starting.info = r.info;
      spare = starting;
    }
    this.spares.splice(this.spares.indexOf(spare), 1);
    const e = spare.e!;
    const info = spare.info!;
    this.attempts++;
    this._live = e;
    this.hooks.onLive(e);
    this.counters.takeovers++;
    this.readyHr = performance.now();
    const phases: StartPhases = {
      backoffMs: this.restartFrom !== undefined ? this.readyHr - this.restartFrom : 0, spawnMs: 0, runtimeMs: this.driver.runtimePhase ? 0 : null, loadMs: 0,
    };
    this.emit('ready', { attempt: this.attempts, startMs: 0, ...this.driver.readyFields(e, info), via: 'standby', phases, slot: spare.slot });
    return { ok: true, info, phases };
  }
}
