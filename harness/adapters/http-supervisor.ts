/**
 * Supervises an http server the http adapter starts itself (`command`), with the same SupervisorCore as a
 * stdio/uds embedder (harness/supervisor/core.ts: restarts with backoff, the breaker, health, standby spares,
 * start phases, lifecycle events). This file is how an http embedder is started and spoken to: spawn with
 * `{port}` substituted (a free port per spawn, the baseUrl's port, or 0 and the ready line) -> ready line /
 * readiness poll -> dims probe -> ready; requests are http calls against the live server's baseUrl. When the
 * process goes away, requests in flight fail with GAUNTLET_EMBEDDER_CRASHED (or are sent once more with
 * retryOnceAfterRestart).
 *
 * Hangs: a request that misses its deadline against the live server, and a periodic health ping
 * (`healthIntervalMs`), GET the readiness URL with `healthTimeoutMs`; no answer means a hang: the server is
 * SIGKILLed and restarted. Terminal states: the breaker trips (GAUNTLET_EMBEDDER_GAVE_UP), the command cannot be
 * spawned at all, or the server exits before ready with one of `terminalExitCodes` (a server that says it cannot
 * load the model gives the same answer on every restart). Requests made while (re)starting wait for readiness
 * within their own deadline. An external server (baseUrl, no command) is not supervised.
 *
 * Standby (`standby: N`): N warm spare servers, each on a port of its own (a free port per spawn, or port 0 and
 * the ready line; a fixed baseUrl port cannot be shared).
 */
import { GauntletError, toError } from '../util/errors.ts';
import { sleep, withDeadline } from '../util/deadline.ts';
import { SupervisorCore } from '../supervisor/core.ts';
import type { Embedder, EmbedderDriver, EmbedderRole, Started } from '../supervisor/embedder-driver.ts';
import { describeExit } from '../supervisor/embedder-process.ts';
import { resolveSupervisorOptions } from '../supervisor/options.ts';
import { lastLines } from '../supervisor/supervisor-errors.ts';
import { listeningPorts, outputTails, spawnFailure } from '../supervisor/start-diagnosis.ts';
import { StartWatch } from './http-start-watch.ts';
import type { RestartPolicy, SupervisorCounters, SupervisorState } from '../supervisor/types.ts';
import { httpHealth } from '../transport/http-client.ts';
import type { LifecycleEmitter } from './emitter.ts';
import { getOk } from './http-ready.ts';
import { probeUntilReady } from './http-probe.ts';
import { HttpServerProcess } from './http-server.ts';
import { substituteArgs } from './substitute.ts';
import { pickFreePort } from './free-port.ts';
import type { HttpSupervisorTuning } from './types.ts';

/** Readiness poll period while a server loads its model (a GET to a loopback server costs well under 1 ms). */
const POLL_MS = 10;
/** How often a server without a ready line is checked for a listening socket, and how long it may listen silently. */
const READY_LINE_CHECK_MS = 250;
const READY_LINE_GRACE_MS = 1_500;

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

/** What a request runs against: the live server of one generation. */
export interface Live {
  baseUrl: string;
  gen: number;
  server: HttpServerProcess;
}


/** One spawned server (the live one or a spare). */
interface HttpEmbedder extends Embedder {
  server: HttpServerProcess;
  /** The port picked for this spawn (freePort). */
  freePort: number | undefined;
  /** Where it answers, once it is ready. */
  baseUrl?: string;
}

interface HttpInfo {
  dims: number;
}

export class HttpServerSupervisor {
  private readonly o: Resolved;
  private readonly core: SupervisorCore<HttpEmbedder, HttpInfo, number | undefined>;
  private inFlight = 0;
  private started: Promise<number> | undefined;

  constructor(private readonly opts: HttpSupervisorOptions) {
    this.o = resolveHttpTuning(opts.name, opts.command, opts.modelPath, opts.tuning, opts.random);
    if (this.o.standby > 0 && opts.baseUrl && !opts.freePort && opts.port !== '0') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${opts.name}.supervisor.standby: ${this.o.standby} spare server(s) cannot share the fixed port of baseUrl ${opts.baseUrl}; use freePort: true or let the server pick its port (no baseUrl)`);
    }
    this.core = new SupervisorCore({
      policy: this.o,
      driver: this.driver(),
      hooks: {
        onLive: () => {},
        onReady: () => {},
        // Calls in flight find out themselves (classify): the connection fails, the exit is seen.
        onCrash: () => ({ inFlight: this.inFlight, settle: () => {} }),
        onFail: () => {},
      },
      emit: (type, details, pid) => opts.events.emit(type, { pid, ...details }),
      messages: {
        startAfterStop: `adapter ${opts.name} is closed`,
        closedBeforeReady: `adapter ${opts.name} was closed before its http server became ready`,
        loopFailed: 'http supervisor loop failed',
      },
    });
  }

  get state(): SupervisorState {
    return this.core.state;
  }
  get pid(): number | undefined {
    return this.core.pid;
  }
  /** Pids of the spare servers. */
  get sparePids(): number[] {
    return this.core.sparePids;
  }
  get restartPolicy(): RestartPolicy {
    return this.o.restart;
  }
  counts(): SupervisorCounters {
    return { ...this.core.counters, inFlight: this.inFlight };
  }

  /** Spawns the server and resolves with the dims once it answered (restarting failed starts within the breaker). */
  start(): Promise<number> {
    if (!this.started) {
      this.started = this.core.start().then((info) => info.dims);
      this.started.catch(() => {});
    }
    return this.started;
  }

  /**
   * Runs `fn` against the live server within one deadline that covers waiting for readiness too. A connection
   * failure of a server that exits is GAUNTLET_EMBEDDER_CRASHED (sent once more after the restart with
   * retryOnceAfterRestart); a missed deadline makes the supervisor check the server for a hang.
   */
  async call<T>(fn: (baseUrl: string, timeoutMs: number) => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const end = performance.now() + timeoutMs;
    const counters = this.core.counters;
    counters.requests++;
    let retried = false;
    for (;;) {
      let live: Live;
      try {
        live = await this.whenReady(end, timeoutMs, signal);
      } catch (e) {
        counters.failed++;
        throw e;
      }
      this.inFlight++;
      try {
        const value = await fn(live.baseUrl, Math.max(1, Math.round(end - performance.now())));
        counters.succeeded++;
        return value;
      } catch (e) {
        const error = await this.classify(e, live);
        const again = performance.now() < end && !signal?.aborted && error.code === 'GAUNTLET_EMBEDDER_CRASHED';
        // A refused connection never reached the dead server: it goes to its successor, like a queued request.
        if (again && refused(e)) continue;
        if (again && this.o.retryOnceAfterRestart && !retried) {
          retried = true;
          counters.retried++;
          continue;
        }
        counters.failed++;
        throw error;
      } finally {
        this.inFlight--;
      }
    }
  }

  /** SIGTERM, then SIGKILL after shutdownGraceMs; idempotent. */
  async stop(): Promise<{ how: string; pid: number | undefined; exitCode: number | null; signal: string | null; durationMs: number } | undefined> {
    const core = this.core;
    if (core.stopping()) return undefined;
    const t0 = performance.now();
    core.beginStop();
    core.setState('stopped');
    const server = core.live?.server;
    const stoppingSpares = core.stopSpares();
    if (!server) {
      await stoppingSpares;
      return undefined;
    }
    const [outcome] = await Promise.all([server.stop(this.o.shutdownGraceMs), stoppingSpares]);
    await core.settled();
    const result = { how: outcome.how, pid: server.proc.pid, exitCode: outcome.exit?.exitCode ?? null, signal: outcome.exit?.signal ?? null, durationMs: performance.now() - t0 };
    this.opts.events.emit('shutdown', { pid: server.proc.pid, how: result.how, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs });
    return result;
  }

  // ------------------------------------------------------------------ the driver: spawn, ready line, poll, probe

  private driver(): EmbedderDriver<HttpEmbedder, HttpInfo, number | undefined> {
    const o = this.opts;
    return {
      prepare: async () => (o.freePort ? pickFreePort() : undefined),
      spawn: (freePort, gen, role) => this.spawnServer(freePort, gen, role),
      connect: (e, signal) => this.bringUp(e, signal),
      startFailed: (e, error, exit) => {
        const spawnFailed = !!exit?.spawnError;
        const refusal = exit !== undefined && exit.signal === null && exit.exitCode !== null && this.o.terminalExitCodes.includes(exit.exitCode) && error.code === 'GAUNTLET_EMBEDDER_CRASHED';
        let out = error;
        if (spawnFailed) {
          const why = spawnFailure(e.argv[0]!, exit!.spawnError!, o.cwd, o.env?.PATH ?? process.env.PATH);
          out = new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${o.name}: could not spawn the http server ${JSON.stringify(e.argv[0])}: ${why}`, { cause: error, details: { command: e.argv } });
        } else if (refusal) {
          out = new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `${error.message}; exit code ${exit!.exitCode} is in supervisor.terminalExitCodes, so it is not restarted`, { cause: error, details: error.details });
        }
        return { error: out, terminal: spawnFailed || refusal || error.details.terminal === true };
      },
      ping: (e, timeoutMs) => this.healthOnce(e.baseUrl!, timeoutMs),
      release: () => {},
      readyFields: (e, info) => ({ dims: info.dims, model: o.modelPath, baseUrl: e.baseUrl }),
      spareReadyFields: (e) => ({ baseUrl: e.baseUrl }),
      // An http server reports no runtime milestone.
      runtimePhase: false,
    };
  }

  private spawnServer(freePort: number | undefined, gen: number, role: EmbedderRole): HttpEmbedder {
    const o = this.opts;
    const argv = substituteArgs(o.command, { port: freePort ?? (role === 'live' || o.baseUrl ? o.port : '0') });
    const spawnHr = performance.now();
    const server = new HttpServerProcess({ argv, ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
    return { gen, proc: server.proc, argv, spawnHr, backoffMs: 0, server, freePort };
  }

  /** Ready line (when the port is not fixed), readiness poll and dims probe of one spawned server, bounded by readyTimeoutMs. */
  private async bringUp(e: HttpEmbedder, signal: AbortSignal): Promise<Started<HttpInfo>> {
    const o = this.opts;
    const { server, spawnHr: t0 } = e;
    const end = t0 + o.readyTimeoutMs;
    const left = () => Math.max(1, Math.round(end - performance.now()));
    const died = server.exitedAsError();
    died.catch(() => {});
    let baseUrl = e.freePort === undefined ? o.baseUrl : `http://127.0.0.1:${e.freePort}`;
    if (!baseUrl) {
      const line = await Promise.race([this.readyLineOrWhy(e, left(), signal), died]);
      if (line.port === undefined) {
        throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${o.name}: no baseUrl, and the server's ready line names no port; set baseUrl`, { details: { terminal: true } });
      }
      baseUrl = `http://127.0.0.1:${line.port}`;
    }
    const listening = performance.now();
    await Promise.race([this.pollReady(baseUrl, end, server, signal), died]);
    // Ready at the first good embedding: a 503, a refused connection or "loading" on the probe is waited out.
    const url = baseUrl;
    const { dims } = await Promise.race([probeUntilReady({ probe: (ms) => o.probe(url, ms), end, signal, what: `the http server (pid ${server.proc.pid})` }), died]);
    e.baseUrl = baseUrl;
    // Phases as the process supervisor reports them: spawn = up to the ready line (or the first poll with a
    // fixed port), load = readiness poll + dims probe; an http server reports no runtime milestone.
    return { info: { dims }, phases: { backoffMs: e.backoffMs, spawnMs: listening - t0, runtimeMs: null, loadMs: performance.now() - listening } };
  }

  private async pollReady(baseUrl: string, end: number, server: HttpServerProcess, signal: AbortSignal): Promise<void> {
    const url = this.readyUrlFor(baseUrl) ?? new URL('/health', baseUrl).href;
    const watch = new StartWatch(this.opts.name, baseUrl, url, this.opts.readyUrl !== undefined, server, this.opts.command);
    let last = '';
    for (;;) {
      if (signal.aborted) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} was closed while its http server started`);
      const left = end - performance.now();
      if (left <= 0) {
        throw new GauntletError('GAUNTLET_TIMEOUT', `${url} was not ready before the deadline${last ? ` (last: ${last})` : ''}${watch.atDeadline()}`, {
          details: { stderrTail: server.proc.stderrTail() },
        });
      }
      if (!server.proc.alive) return; // the race with `died` reports it
      try {
        if ((await this.healthOnce(baseUrl, Math.max(1, Math.round(Math.min(left, 2_000))))) === 'ok') return;
        last = `${url} says the model is loading`;
        watch.answered(undefined);
      } catch (e) {
        last = toError(e).message;
        watch.answered(e);
      }
      watch.check(); // throws, naming the fix, once the cause is certain (a 404 route, a server listening elsewhere)
      await sleep(Math.min(POLL_MS, Math.max(0, end - performance.now())), signal);
    }
  }

  /**
   * The `{"ready":true,"port":N}` line of a server started with {port} = 0 (or without {port}), within `ms`. A server
   * that already listens but printed no such line is told apart from one still loading: after READY_LINE_GRACE_MS of
   * listening without a line, the start fails terminally, quoting what it printed and naming freePort / baseUrl.
   */
  private async readyLineOrWhy(e: HttpEmbedder, ms: number, signal: AbortSignal): Promise<{ port?: number }> {
    const o = this.opts;
    const { server } = e;
    const hasPort = o.command.some((w) => w.includes('{port}'));
    const fix = hasPort
      ? 'gauntlet started it with {port} = 0 (no baseUrl, no freePort), so it can only learn the port from that line: add freePort: true (gauntlet picks a free port and passes it as {port}), or set baseUrl to a fixed address'
      : 'its command has no {port} and there is no baseUrl: add {port} to the command with freePort: true, or set baseUrl to the address it listens on';
    const noLine = (detail: string) => `adapters.${o.name}: the http server (pid ${server.proc.pid}) ${detail} but printed no {"ready": true, "port": N} line on stdout; ${fix}; ${outputTails(server.stdoutTail(), server.proc.stderrTail())}`;
    const end = performance.now() + ms;
    let listeningSince: number | undefined;
    for (;;) {
      const line = await withDeadline(server.readyLine, Math.max(1, Math.min(READY_LINE_CHECK_MS, end - performance.now())), 'ready line', signal).catch((err: GauntletError) => {
        if (err.code !== 'GAUNTLET_TIMEOUT') throw err;
        return undefined;
      });
      if (line) return line;
      const ports = listeningPorts(server.proc.pid);
      if (ports?.length) {
        listeningSince ??= performance.now();
        if (performance.now() - listeningSince >= READY_LINE_GRACE_MS) {
          throw new GauntletError('GAUNTLET_CONFIG_INVALID', noLine(`has listened on port ${ports.join(', ')} for ${READY_LINE_GRACE_MS} ms`), { details: { terminal: true, ports, stdoutTail: server.stdoutTail(), stderrTail: server.proc.stderrTail() } });
        }
      }
      if (performance.now() >= end) {
        throw new GauntletError('GAUNTLET_TIMEOUT', noLine(`ran ${o.readyTimeoutMs} ms (readyTimeoutMs)${ports ? ', listening on no port,' : ''}`), { details: { stdoutTail: server.stdoutTail(), stderrTail: server.proc.stderrTail() } });
      }
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

  // ------------------------------------------------------------------ requests

  /** The live server, waiting through (re)starts until `end`; throws the terminal error once failed. */
  private async whenReady(end: number, timeoutMs: number, signal?: AbortSignal): Promise<Live> {
    const core = this.core;
    for (;;) {
      const state = core.state;
      if (state === 'idle') throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `adapter ${this.opts.name} is not started: call start() first`);
      if (state === 'failed') throw core.terminalError!;
      if (core.stopping()) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} is closed`);
      const e = core.live;
      if (state === 'ready' && e?.proc.alive && e.baseUrl) return { baseUrl: e.baseUrl, gen: e.gen, server: e.server };
      const left = end - performance.now();
      if (left <= 0) {
        core.counters.timedOut++;
        throw new GauntletError('GAUNTLET_TIMEOUT', `no ready http server within ${timeoutMs} ms (adapter ${this.opts.name} is ${state})`);
      }
      await withDeadline(core.nextChange(), left, 'a ready http server', signal).catch((err: GauntletError) => {
        if (err.code !== 'GAUNTLET_TIMEOUT') throw err;
      });
    }
  }

  private async classify(e: unknown, live: Live): Promise<GauntletError> {
    const core = this.core;
    const err = e instanceof GauntletError ? e : new GauntletError('GAUNTLET_EMBEDDER_ERROR', toError(e).message, { cause: e });
    if (core.stopping() && core.state !== 'failed') return new GauntletError('GAUNTLET_CLOSED', `adapter ${this.opts.name} was closed`, { cause: err });
    if (err.code === 'GAUNTLET_CLOSED' || (err.code === 'GAUNTLET_BAD_ANSWER' && err.details.truncated === true)) {
      // A refused or reset connection (or a body cut short) usually arrives a moment before the exit of a server
      // that just died.
      const exit = await live.server.proc.waitExit(250);
      if (exit) {
        const stderrTail = live.server.proc.stderrTail();
        const killReason = live.gen === core.generation ? core.live?.killReason : undefined;
        const reason = killReason ?? 'exit';
        return new GauntletError('GAUNTLET_EMBEDDER_CRASHED',
          `the http server (pid ${live.server.proc.pid}) is gone (${describeExit(exit)}${reason !== 'exit' ? `, killed by the supervisor: ${reason}` : ''}) with the request in flight${stderrTail ? `; stderr: ${lastLines(stderrTail)}` : ''}`,
          { cause: err, details: { reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail, pid: live.server.proc.pid } });
      }
    }
    if (err.code === 'GAUNTLET_TIMEOUT') {
      core.counters.timedOut++;
      if (live.gen === core.generation && core.state === 'ready') void core.probe('request-deadline');
    }
    return err;
  }
}
