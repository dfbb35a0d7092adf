/**
 * Supervises an http server the http adapter starts itself (`command`), the way harness/supervisor runs a
 * stdio/uds embedder: spawn -> ready line / readiness poll -> dims probe -> ready -> ... -> the process goes away
 * -> crash event, in-flight requests failed with GAUNTLET_EMBEDDER_CRASHED (or sent once more with
 * retryOnceAfterRestart) -> breaker check -> backoff -> spawn again.
 *
 * Hangs: a request that misses its deadline against the live server, and a periodic health ping
 * (`healthIntervalMs`), GET the readiness URL with `healthTimeoutMs`; no answer means a hang: the server is
 * SIGKILLed and restarted. Terminal states: the breaker trips (GAUNTLET_EMBEDDER_GAVE_UP), the command cannot be
 * spawned at all, or the server exits before ready with one of `terminalExitCodes` (a server that says it cannot
 * load the model gives the same answer on every restart). Requests made while (re)starting wait for readiness
 * within their own deadline. An external server (baseUrl, no command) is not supervised.
 *
 * Standby (`standby: N`, as the process supervisor): N warm spare servers, each on a port of its own (a free port
 * per spawn, or port 0 and the ready line; a fixed baseUrl port cannot be shared), started once the live server is
 * ready; on a crash a ready spare takes over at once, a replacement starts in the background, a spare that dies is
 * replaced through the breaker.
 */
import { GauntletError, toError } from '../util/errors.ts';
import { sleep, withDeadline } from '../util/deadline.ts';
import { backoffDelay, RestartBreaker } from '../supervisor/backoff.ts';
import { HealthMonitor } from '../supervisor/health-monitor.ts';
import { describeExit, type EmbedderExit } from '../supervisor/embedder-process.ts';
import { resolveSupervisorOptions } from '../supervisor/options.ts';
import { gaveUpError, lastLines } from '../supervisor/supervisor-errors.ts';
import type { CrashReason, RestartPolicy, SupervisorCounters, SupervisorState } from '../supervisor/types.ts';
import { httpHealth } from '../transport/http-client.ts';
import type { LifecycleEmitter } from './emitter.ts';
import { getOk } from './http-ready.ts';
import { HttpServerProcess } from './http-server.ts';
import { substituteArgs } from './substitute.ts';
import { pickFreePort } from './free-port.ts';
import type { HttpSupervisorTuning } from './types.ts';

/** Readiness poll period while a server loads its model (a GET to a loopback server costs well under 1 ms). */
const POLL_MS = 10;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface HttpSupervisorOptions {
  /** The adapter's name, for messages. */
  name: string;
  /** argv with every placeholder but `{port}` substituted. */
  command: string[];
  /** Substituted for `{port}`: the port of `baseUrl`, or 0 (the server then names its port in its ready line). */
  port: string;
  /** Fixed address of the server (from the adapter's baseUrl); otherwise read from each spawn's ready line. */
  baseUrl?: string;
  /** Pick a free loopback port before each spawn (for `{port}`); the server is then at http://127.0.0.1:PORT. */
  freePort?: boolean;
  /** Custom readiness URL (GET, 2xx = ready); default `${baseUrl}/health`. */
  readyUrl?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Spawn -> ready deadline of one attempt, ms. */
  readyTimeoutMs: number;
  requestTimeoutMs: number;
  modelPath: string;
  tuning?: HttpSupervisorTuning;
  /** Embeds one probe text against a fresh server; resolves with the dims. */
  probe: (baseUrl: string, timeoutMs: number) => Promise<number>;
  events: LifecycleEmitter;
  random?: () => number;
}

interface Resolved {
  restart: RestartPolicy;
  healthIntervalMs: number;
  healthTimeoutMs: number;
  retryOnceAfterRestart: boolean;
  shutdownGraceMs: number;
  terminalExitCodes: number[];
  random: () => number;
  standby: number;
}

/** Validates the tuning with the process supervisor's rules (same fields, same messages) plus terminalExitCodes. */
export function resolveHttpTuning(name: string, command: string[], modelPath: string, tuning: HttpSupervisorTuning = {}, random?: () => number): Resolved {
  const { terminalExitCodes, ...rest } = tuning;
  let o;
  try {
    o = resolveSupervisorOptions({ command, transport: 'stdio', codec: 'ndjson', modelPath, ...rest, ...(random ? { random } : {}) });
  } catch (e) {
    const err = toError(e);
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', err.message.replace(/^supervisor\./gm, `adapters.${name}.supervisor.`), { cause: err });
  }
  if (terminalExitCodes !== undefined && (!Array.isArray(terminalExitCodes) || !terminalExitCodes.every((c) => Number.isInteger(c) && c >= 0 && c <= 255))) {
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${name}.supervisor.terminalExitCodes: expected an array of exit codes 0..255, got ${JSON.stringify(terminalExitCodes)}`);
  }
  return {
    restart: o.restart,
    healthIntervalMs: o.healthIntervalMs,
    healthTimeoutMs: o.healthTimeoutMs,
    retryOnceAfterRestart: o.retryOnceAfterRestart,
    shutdownGraceMs: o.shutdownGraceMs,
    terminalExitCodes: terminalExitCodes ?? [],
    random: o.random,
    standby: o.standby,
  };
}

/** Whether the connection was refused (nothing was delivered), looking through the error's causes. */
function refused(e: unknown): boolean {
  for (let cur = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    if (cur.code === 'ECONNREFUSED') return true;
  }
  return false;
}

interface Phases { backoffMs: number; spawnMs: number; runtimeMs: null; loadMs: number }
type Attempt = { ok: true; dims: number; baseUrl: string; phases: Phases } | { ok: false; error: GauntletError; terminal: boolean; exit?: EmbedderExit };

/** A warm spare server (standby). */
interface HttpSpare {
  slot: number;
  server: HttpServerProcess | undefined;
  state: 'starting' | 'ready';
  baseUrl?: string;
  dims?: number;
  result?: Promise<Attempt>;
}

/** What a request runs against: the live server of one generation. */
export interface Live {
  baseUrl: string;
  gen: number;
  server: HttpServerProcess;
}

export class HttpServerSupervisor {
  private readonly o: Resolved;
  private _state: SupervisorState = 'idle';
  private server: HttpServerProcess | undefined;
  private baseUrl: string | undefined;
  private generation = 0;
  private attempts = 0;
  private failures = 0;
  private readyHr = 0;
  /** When the live server's crash (or a failed start) was noticed: the start of the next spawn's backoff phase. */
  private restartFrom: number | undefined;
  private killReason: CrashReason | undefined;
  private terminalError: GauntletError | undefined;
  private readonly breaker: RestartBreaker;
  private readonly stopController = new AbortController();
  private startPromise: Promise<number> | undefined;
  private loopDone: Promise<void> | undefined;
  private readonly health: HealthMonitor;
  private inFlight = 0;
  private changed = deferred<void>();
  private readonly spares: HttpSpare[] = [];
  private spareSlots = 0;
  private spareFailures = 0;
  private spareTimer: Promise<void> | undefined;
  private readonly counters: SupervisorCounters = {
    spawns: 0, restarts: 0, crashes: 0, hangs: 0, requests: 0, succeeded: 0, failed: 0, timedOut: 0, retried: 0, inFlight: 0, takeovers: 0,
  };

  constructor(private readonly opts: HttpSupervisorOptions) {
    this.o = resolveHttpTuning(opts.name, opts.command, opts.modelPath, opts.tuning, opts.random);
    this.breaker = new RestartBreaker(this.o.restart);
    if (this.o.standby > 0 && opts.baseUrl && !opts.freePort && opts.port !== '0') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${opts.name}.supervisor.standby: ${this.o.standby} spare server(s) cannot share the fixed port of baseUrl ${opts.baseUrl}; use freePort: true or let the server pick its port (no baseUrl)`);
    }
    this.health = new HealthMonitor({
      intervalMs: this.o.healthIntervalMs,
      timeoutMs: this.o.healthTimeoutMs,
      ready: () => this._state === 'ready' && this.baseUrl !== undefined,
      generation: () => this.generation,
      ping: (timeoutMs) => this.healthOnce(this.baseUrl!, timeoutMs),
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
  get pid(): number | undefined {
    return this.server?.pid;
  }
  /** Pids of the spare servers. */
  get sparePids(): number[] {
    return this.spares.map((sp) => sp.server?.pid).filter((p): p is number => p !== undefined);
  }
  get restartPolicy(): RestartPolicy {
    return this.o.restart;
  }
  counts(): SupervisorCounters {
    return { ...this.counters, inFlight: this.inFlight };
  }

  /** Spawns the server and resolves with the dims once it answered (restarting failed starts within the breaker). */
  start(): Promise<number> {
    if (this.startPromise) return this.startPromise;
    if (this._state === 'stopped') return Promise.reject(new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} is closed`));
    this.setState('starting');
    const started = deferred<number>();
    this.startPromise = started.promise;
    this.startPromise.catch(() => {});
    this.loopDone = this.loop(started.resolve, started.reject).catch((e) => {
      const error = new GauntletError('GAUNTLET_INTERNAL', `http supervisor loop failed: ${toError(e).message}`, { cause: e });
      this.fail(error);
      started.reject(error);
    });
    return this.startPromise;
  }

  /**
   * Runs `fn` against the live server within one deadline that covers waiting for readiness too. A connection
   * failure of a server that exits is GAUNTLET_EMBEDDER_CRASHED (sent once more after the restart with
   * retryOnceAfterRestart); a missed deadline makes the supervisor check the server for a hang.
   */
  async call<T>(fn: (baseUrl: string, timeoutMs: number) => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const end = performance.now() + timeoutMs;
    this.counters.requests++;
    let retried = false;
    for (;;) {
      let live: Live;
      try {
        live = await this.whenReady(end, timeoutMs, signal);
      } catch (e) {
        this.counters.failed++;
        throw e;
      }
      this.inFlight++;
      try {
        const value = await fn(live.baseUrl, Math.max(1, Math.round(end - performance.now())));
        this.counters.succeeded++;
        return value;
      } catch (e) {
        const error = await this.classify(e, live);
        const again = performance.now() < end && !signal?.aborted && error.code === 'GAUNTLET_EMBEDDER_CRASHED';
        // A refused connection never reached the dead server: it goes to its successor, like a queued request.
        if (again && refused(e)) continue;
        if (again && this.o.retryOnceAfterRestart && !retried) {
          retried = true;
          this.counters.retried++;
          continue;
        }
        this.counters.failed++;
        throw error;
      } finally {
        this.inFlight--;
      }
    }
  }

  /** SIGTERM, then SIGKILL after shutdownGraceMs; idempotent. */
  async stop(): Promise<{ how: string; pid: number | undefined; exitCode: number | null; signal: string | null; durationMs: number } | undefined> {
    if (this.stopController.signal.aborted) return undefined;
    const t0 = performance.now();
    this.stopController.abort();
    this.health.stop();
    if (this._state !== 'failed') this.setState('stopped');
    this.notify();
    const server = this.server;
    const spares = this.spares.splice(0).map((sp) => sp.server).filter((sv): sv is HttpServerProcess => sv !== undefined);
    const stoppingSpares = Promise.all(spares.map((sv) => sv.stop(this.o.shutdownGraceMs)));
    if (!server) {
      await stoppingSpares;
      return undefined;
    }
    const [outcome] = await Promise.all([server.stop(this.o.shutdownGraceMs), stoppingSpares]);
    await Promise.race([this.loopDone, sleep(1_000)]);
    const result = { how: outcome.how, pid: server.proc.pid, exitCode: outcome.exit?.exitCode ?? null, signal: outcome.exit?.signal ?? null, durationMs: performance.now() - t0 };
    this.opts.events.emit('shutdown', { pid: server.proc.pid, how: result.how, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs });
    return result;
  }

  // ------------------------------------------------------------------ lifecycle loop

  private async loop(resolveStart: (dims: number) => void, rejectStart: (e: Error) => void): Promise<void> {
    let started = false;
    let next: Attempt | undefined;
    while (!this.stopping()) {
      const result = next ?? (await this.attempt());
      next = undefined;
      if (this.stopping()) break;
      let lastStartError: GauntletError | undefined;
      if (result.ok) {
        this.failures = 0;
        this.restartFrom = undefined;
        this.setState('ready');
        if (!started) {
          started = true;
          resolveStart(result.dims);
        }
        this.health.start();
        this.keepSpares();
        const exit = await this.server!.proc.exited;
        this.health.stop();
        if (this.stopping()) break;
        this.restartFrom = exit.hr;
        this.onCrash(exit);
      } else {
        this.restartFrom = performance.now();
        lastStartError = result.error;
        const exit = result.exit;
        this.emit('start-failed', {
          attempt: this.attempts, code: result.error.code, message: result.error.message,
          exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: this.server?.proc.stderrTail() ?? '',
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
        const error = gaveUpError(this.o.restart, inWindow, this.counters.spawns, this.server?.proc.stderrTail() ?? '', lastStartError);
        this.fail(error);
        rejectStart(error);
        return;
      }
      this.breaker.record(now);
      this.failures++;
      this.counters.restarts++;
      if (this.spares.some((sp) => sp.server?.proc.alive)) {
        this.setState('restarting');
        this.emit('restart', { attempt: this.attempts + 1, delayMs: 0, restartsInWindow: inWindow + 1, via: 'standby' });
        next = await this.takeOver();
        continue; // no spare made it: spawn at once (its failure went through the breaker)
      }
      // As the process supervisor: the first restart after a healthy period waits nothing; later ones grow.
      const healthy = started ? 1 : 0;
      const delayMs = this.failures - healthy <= 0 ? 0 : backoffDelay(this.o.restart, this.failures - healthy, this.o.random);
      this.setState('restarting');
      this.emit('restart', { attempt: this.attempts + 1, delayMs, restartsInWindow: inWindow + 1, via: 'spawn' });
      if (delayMs > 0) await sleep(delayMs, this.stopController.signal);
    }
    rejectStart(new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} was closed before its http server became ready`));
  }

  /** One spawn, ready line (when the port is not fixed), readiness poll and dims probe, bounded by readyTimeoutMs. */
  private async attempt(): Promise<Attempt> {
    const o = this.opts;
    this.generation++;
    this.attempts++;
    this.killReason = undefined;
    this.baseUrl = undefined;
    const freePort = o.freePort ? await pickFreePort() : undefined;
    const argv = substituteArgs(o.command, { port: freePort ?? o.port });
    const t0 = performance.now();
    const backoffMs = this.restartFrom !== undefined ? Math.max(0, t0 - this.restartFrom) : 0;
    const server = new HttpServerProcess({ argv, ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
    this.server = server;
    this.counters.spawns++;
    this.emit('spawn', { attempt: this.attempts, command: argv });
    const result = await this.bringUp(server, argv, freePort, t0, backoffMs);
    if (result.ok) {
      this.baseUrl = result.baseUrl;
      this.readyHr = performance.now();
      this.emit('ready', { attempt: this.attempts, startMs: this.readyHr - t0, dims: result.dims, model: o.modelPath, baseUrl: result.baseUrl, via: 'spawn', phases: result.phases });
    }
    return result;
  }

  /** Ready line (when the port is not fixed), readiness poll and dims probe of one spawned server, bounded by readyTimeoutMs. */
  private async bringUp(server: HttpServerProcess, argv: string[], freePort: number | undefined, t0: number, backoffMs: number): Promise<Attempt> {
    const o = this.opts;
    const end = t0 + o.readyTimeoutMs;
    const left = () => Math.max(1, Math.round(end - performance.now()));
    const died = server.exitedAsError();
    died.catch(() => {});
    try {
      let baseUrl = freePort === undefined ? o.baseUrl : `http://127.0.0.1:${freePort}`;
      if (!baseUrl) {
        const line = await withDeadline(Promise.race([server.readyLine, died]), left(), `the http server's {"ready":true,"port":N} line`, this.stopController.signal);
        if (line.port === undefined) {
          throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${o.name}: no baseUrl, and the server's ready line names no port; set baseUrl`, { details: { terminal: true } });
        }
        baseUrl = `http://127.0.0.1:${line.port}`;
      }
      const listening = performance.now();
      await Promise.race([this.pollReady(baseUrl, end, server), died]);
      const dims = await Promise.race([o.probe(baseUrl, Math.max(1_000, left())), died]);
      // Phases as the process supervisor reports them: spawn = up to the ready line (or the first poll with a
      // fixed port), load = readiness poll + dims probe; an http server reports no runtime milestone.
      const phases: Phases = { backoffMs, spawnMs: listening - t0, runtimeMs: null, loadMs: performance.now() - listening };
      return { ok: true, dims, baseUrl, phases };
    } catch (e) {
      const error = e instanceof GauntletError ? e : new GauntletError('GAUNTLET_EMBEDDER_CRASHED', toError(e).message, { cause: e });
      if (!this.stopping()) server.proc.kill('SIGKILL');
      const exit = this.stopping() ? server.proc.exit : await server.proc.waitExit(5_000);
      const spawnFailed = !!exit?.spawnError;
      const refused = exit !== undefined && exit.signal === null && exit.exitCode !== null && this.o.terminalExitCodes.includes(exit.exitCode) && error.code === 'GAUNTLET_EMBEDDER_CRASHED';
      let out = error;
      if (spawnFailed) {
        out = new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${o.name}: could not spawn the http server ${JSON.stringify(argv[0])}: ${describeExit(exit!)}; check the command`, { cause: error, details: { command: argv } });
      } else if (refused) {
        out = new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `${error.message}; exit code ${exit!.exitCode} is in supervisor.terminalExitCodes, so it is not restarted`, { cause: error, details: error.details });
      }
      return { ok: false, error: out, terminal: spawnFailed || refused || error.details.terminal === true, exit };
    }
  }

  // ------------------------------------------------------------------ standby

  private keepSpares(): void {
    if (this.spareTimer) return;
    while (!this.stopping() && this._state !== 'failed' && this.spares.length < this.o.standby) {
      void this.runSpare().catch((e) => this.emit('protocol-fault', { code: 'GAUNTLET_INTERNAL', message: `standby: ${toError(e).message}`, fatal: false }));
    }
  }

  /** Replaces a spare that went away: through the breaker, with backoff after consecutive failed starts. */
  private replaceSpare(failedStart: boolean): string {
    if (this.stopping() || this._state === 'failed') return 'not replaced (stopping)';
    const now = performance.now();
    if (this.breaker.tripped(now)) return `not replaced: the restart breaker is at ${this.breaker.inWindow(now)} restarts in ${this.o.restart.windowMs} ms`;
    this.breaker.record(now);
    this.counters.restarts++;
    this.spareFailures = failedStart ? this.spareFailures + 1 : 0;
    const delayMs = this.spareFailures === 0 ? 0 : backoffDelay(this.o.restart, this.spareFailures, this.o.random);
    if (delayMs === 0) this.keepSpares();
    else {
      this.spareTimer = sleep(delayMs, this.stopController.signal).catch(() => {}).then(() => {
        this.spareTimer = undefined;
        if (this._state === 'ready' || this._state === 'restarting') this.keepSpares();
      });
    }
    return `replaced${delayMs ? ` after ${delayMs} ms` : ''}`;
  }

  private async runSpare(): Promise<void> {
    const o = this.opts;
    const spare: HttpSpare = { slot: ++this.spareSlots, server: undefined, state: 'starting' };
    this.spares.push(spare);
    const freePort = o.freePort ? await pickFreePort() : undefined;
    if (!this.spares.includes(spare) || this.stopping()) return;
    const argv = substituteArgs(o.command, { port: freePort ?? (o.baseUrl ? o.port : '0') });
    const t0 = performance.now();
    const server = new HttpServerProcess({ argv, ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
    spare.server = server;
    this.counters.spawns++;
    this.emit('standby-spawn', { slot: spare.slot, command: argv, pid: server.proc.pid });
    spare.result = this.bringUp(server, argv, freePort, t0, 0);
    const r = await spare.result;
    const gone = (reason: string, exit: EmbedderExit | undefined, failedStart: boolean) => {
      const i = this.spares.indexOf(spare);
      if (i < 0) return; // it took over
      this.spares.splice(i, 1);
      const what = this.stopping() ? 'stopped' : this.replaceSpare(failedStart);
      this.emit('standby-exit', {
        slot: spare.slot, pid: server.proc.pid, reason: `${reason}; ${what}`, exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, stderrTail: server.proc.stderrTail(),
      });
    };
    if (!r.ok) {
      gone(`failed to start: ${r.error.message}`, r.exit, true);
      return;
    }
    if (!this.spares.includes(spare)) return;
    spare.state = 'ready';
    spare.baseUrl = r.baseUrl;
    spare.dims = r.dims;
    this.spareFailures = 0;
    this.emit('standby-ready', { slot: spare.slot, pid: server.proc.pid, startMs: performance.now() - t0, phases: r.phases, baseUrl: r.baseUrl });
    const exit = await server.proc.exited;
    gone(`exited (${describeExit(exit)})`, exit, false);
  }

  /** The live server is gone: a ready spare (else one still starting) becomes the live one. */
  private async takeOver(): Promise<Attempt | undefined> {
    let spare = this.spares.find((sp) => sp.state === 'ready' && sp.server?.proc.alive);
    if (!spare) {
      const starting = this.spares.find((sp) => sp.state === 'starting');
      if (!starting) return undefined;
      // Its port and process may still be on their way.
      while (!starting.result && this.spares.includes(starting) && !this.stopping()) await sleep(5);
      const r = starting.result ? await starting.result : undefined;
      if (this.stopping() || !r?.ok || !starting.server?.proc.alive || !this.spares.includes(starting)) return undefined;
      starting.baseUrl = r.baseUrl;
      starting.dims = r.dims;
      spare = starting;
    }
    this.spares.splice(this.spares.indexOf(spare), 1);
    this.generation++;
    this.attempts++;
    this.killReason = undefined;
    this.server = spare.server!;
    this.baseUrl = spare.baseUrl!;
    this.counters.takeovers++;
    this.readyHr = performance.now();
    const phases: Phases = { backoffMs: this.restartFrom !== undefined ? this.readyHr - this.restartFrom : 0, spawnMs: 0, runtimeMs: null, loadMs: 0 };
    this.emit('ready', { attempt: this.attempts, startMs: 0, dims: spare.dims!, model: this.opts.modelPath, baseUrl: spare.baseUrl, via: 'standby', phases, slot: spare.slot });
    return { ok: true, dims: spare.dims!, baseUrl: spare.baseUrl!, phases };
  }

  private async pollReady(baseUrl: string, end: number, server: HttpServerProcess): Promise<void> {
    const url = this.readyUrlFor(baseUrl) ?? new URL('/health', baseUrl).href;
    let last = '';
    for (;;) {
      if (this.stopping()) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} was closed while its http server started`);
      const left = end - performance.now();
      if (left <= 0) {
        throw new GauntletError('GAUNTLET_TIMEOUT', `${url} was not ready before the deadline${last ? ` (last: ${last})` : ''}`, {
          details: { stderrTail: server.proc.stderrTail() },
        });
      }
      if (!server.proc.alive) return; // the race with `died` reports it
      try {
        if ((await this.healthOnce(baseUrl, Math.min(left, 2_000))) === 'ok') return;
        last = `${url} says the model is loading`;
      } catch (e) {
        last = toError(e).message;
      }
      await sleep(Math.min(POLL_MS, Math.max(0, end - performance.now())), this.stopController.signal);
    }
  }

  /** The custom readiness URL, if any; with a free port, its path on this spawn's port. */
  private readyUrlFor(baseUrl: string): string | undefined {
    const r = this.opts.readyUrl;
    return r && this.opts.freePort ? new URL(new URL(r).pathname, baseUrl).href : r;
  }

  private async healthOnce(baseUrl: string, timeoutMs: number): Promise<'ok' | 'loading'> {
    const ready = this.readyUrlFor(baseUrl);
    if (ready) {
      await getOk(ready, { timeoutMs });
      return 'ok';
    }
    return httpHealth(baseUrl, { timeoutMs });
  }

  private onCrash(exit: EmbedderExit): void {
    const reason = this.killReason ?? 'exit';
    this.counters.crashes++;
    this.setState('restarting');
    this.emit('crash', {
      reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.server?.proc.stderrTail() ?? '',
      inFlight: this.inFlight, uptimeMs: exit.hr - this.readyHr,
    });
  }

  private fail(error: GauntletError): void {
    this.terminalError = error;
    this.setState('failed');
    this.health.stop();
    for (const sp of this.spares.splice(0)) sp.server?.proc.kill('SIGKILL');
    this.emit('give-up', {
      restartsInWindow: this.breaker.inWindow(performance.now()), windowMs: this.o.restart.windowMs, code: error.code, message: error.message,
    });
  }

  // ------------------------------------------------------------------ requests

  /** The live server, waiting through (re)starts until `end`; throws the terminal error once failed. */
  private async whenReady(end: number, timeoutMs: number, signal?: AbortSignal): Promise<Live> {
    for (;;) {
      if (this._state === 'idle') throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `adapter ${this.opts.name} is not started: call start() first`);
      if (this._state === 'failed') throw this.terminalError!;
      if (this.stopping()) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} is closed`);
      if (this._state === 'ready' && this.server?.proc.alive && this.baseUrl) return { baseUrl: this.baseUrl, gen: this.generation, server: this.server };
      const left = end - performance.now();
      if (left <= 0) {
        this.counters.timedOut++;
        throw new GauntletError('GAUNTLET_TIMEOUT', `no ready http server within ${timeoutMs} ms (adapter ${this.opts.name} is ${this._state})`);
      }
      await withDeadline(this.changed.promise, left, 'a ready http server', signal).catch((e: GauntletError) => {
        if (e.code !== 'GAUNTLET_TIMEOUT') throw e;
      });
    }
  }

  private async classify(e: unknown, live: Live): Promise<GauntletError> {
    const err = e instanceof GauntletError ? e : new GauntletError('GAUNTLET_EMBEDDER_ERROR', toError(e).message, { cause: e });
    if (this.stopping() && this._state !== 'failed') return new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} was closed`, { cause: err });
    if (err.code === 'GAUNTLET_CLOSED') {
      // A refused or reset connection usually arrives a moment before the exit of a server that just died.
      const exit = await live.server.proc.waitExit(250);
      if (exit) {
        const stderrTail = live.server.proc.stderrTail();
        const reason = live.gen === this.generation && this.killReason ? this.killReason : 'exit';
        return new GauntletError('GAUNTLET_EMBEDDER_CRASHED',
          `the http server (pid ${live.server.proc.pid}) is gone (${describeExit(exit)}${reason !== 'exit' ? `, killed by the supervisor: ${reason}` : ''}) with the request in flight${stderrTail ? `; stderr: ${lastLines(stderrTail)}` : ''}`,
          { cause: err, details: { reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail, pid: live.server.proc.pid } });
      }
    }
    if (err.code === 'GAUNTLET_TIMEOUT') {
      this.counters.timedOut++;
      if (live.gen === this.generation && this._state === 'ready') void this.health.probe('request-deadline');
    }
    return err;
  }

  // ------------------------------------------------------------------ health

  private killCurrent(reason: CrashReason): void {
    if (!this.server?.proc.alive) return;
    this.killReason ??= reason;
    if (this._state === 'ready') this.setState('restarting');
    this.health.stop();
    this.server.proc.kill('SIGKILL');
  }

  // ------------------------------------------------------------------ plumbing

  private stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private setState(state: SupervisorState): void {
    if (this._state === 'stopped' || (this._state === 'failed' && state !== 'failed')) return;
    this._state = state;
    this.notify();
  }

  private notify(): void {
    const prev = this.changed;
    this.changed = deferred<void>();
    prev.resolve();
  }

  private emit(type: string, details: Record<string, unknown>): void {
    this.opts.events.emit(type, { pid: this.server?.proc.pid, ...details });
  }
}
