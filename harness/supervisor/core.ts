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
 * - standby (`standby: N`, the SparePool of spare-pool.ts): N warm spares started once the live embedder is ready;
 *   on a crash a ready spare takes over at once (one still starting is adopted instead of a fresh spawn) and a
 *   replacement starts in the background; a spare that dies or fails to start is replaced (each replacement
 *   counts toward the breaker);
 * - start phases (backoff wait, spawn, runtime ready, model loaded) in `ready` / `standby-ready`, and the
 *   lifecycle events (spawn, ready, crash, restart, start-failed, give-up, hang-detected, standby-*).
 *
 * It is parameterised (embedder-driver.ts) by an EmbedderDriver (how one embedder is prepared, spawned, connected to, probed and let
 * go) and CoreHooks (what the owner does with its requests when an embedder becomes live, ready, crashes, or the
 * whole thing fails). Requests themselves are the owner's: a wire protocol with ids, or http calls.
 */
import { GauntletError, toError } from '../util/errors.ts';
import { sleep } from '../util/deadline.ts';
import { backoffDelay, RestartBreaker } from './backoff.ts';
import { HealthMonitor, type ProbeVia } from './health-monitor.ts';
import type { EmbedderExit } from './embedder-process.ts';
import type { CoreHooks, CoreOptions, CorePolicy, Embedder, EmbedderDriver, EmbedderRole, StartResult } from './embedder-driver.ts';
import { SparePool } from './spare-pool.ts';
import { gaveUpError } from './supervisor-errors.ts';
import type { CrashReason, LifecycleType, StartPhases, SupervisorCounters, SupervisorState } from './types.ts';

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
  private readonly spares: SparePool<E, I, P>;

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
    this.spares = new SparePool({
      policy: this.policy,
      driver: this.driver,
      breaker: this.breaker,
      counters: this.counters,
      signal: this.stopController.signal,
      closed: () => this.stopping() || this._state === 'failed',
      running: () => this._state === 'ready' || this._state === 'restarting',
      spawn: (plan) => this.spawn(plan, 'spare'),
      bringUp: (e) => this.bringUp(e),
      abandoned: () => this.abandoned(),
      emit: (type, details, pid) => this.out(type, details, pid),
      livePid: () => this._live?.proc.pid,
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
    return this.spares.pids;
  }
  /** Spares that are ready and wait to take over. */
  get readySpares(): number {
    return this.spares.ready;
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
    return this.spares.byGen(gen);
  }

  /** Kills the spare of generation `gen` on our own decision (it goes through replacement like any dead spare). */
  killSpare(gen: number, reason: CrashReason): void {
    this.spares.kill(gen, reason);
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
  stopSpares(): Promise<void> {
    return this.spares.stopAll();
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
        this.spares.keep();
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
      if (this.spares.anyAlive) {
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
    this.spares.killAll();
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

  /** The live embedder is gone: a ready spare (else one still starting) becomes the live one. */
  private async takeOver(): Promise<StartResult<I> | undefined> {
    const adopted = await this.spares.adopt();
    if (!adopted) return undefined;
    const { e, info, slot } = adopted;
    this.attempts++;
    this._live = e;
    this.hooks.onLive(e);
    this.counters.takeovers++;
    this.readyHr = performance.now();
    const phases: StartPhases = {
      backoffMs: this.restartFrom !== undefined ? this.readyHr - this.restartFrom : 0, spawnMs: 0, runtimeMs: this.driver.runtimePhase ? 0 : null, loadMs: 0,
    };
    this.emit('ready', { attempt: this.attempts, startMs: 0, ...this.driver.readyFields(e, info), via: 'standby', phases, slot });
    return { ok: true, info, phases };
  }
}
