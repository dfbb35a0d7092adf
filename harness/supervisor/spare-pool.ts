/**
 * Warm standby (`standby: N`): N spare embedders started and made ready beside the live one, through the same
 * driver. On a crash the core takes a ready spare (else one still starting) instead of spawning; the pool then
 * starts a replacement in the background. A spare that dies or fails to start is replaced through the restart
 * breaker (every replacement counts), with backoff after consecutive failed spare starts. Events: standby-spawn,
 * standby-ready (with its start phases), standby-exit (why, and whether it was replaced).
 */
import { toError } from '../util/errors.ts';
import { sleep } from '../util/deadline.ts';
import { backoffDelay, type RestartBreaker } from './backoff.ts';
import { describeExit, type EmbedderExit } from './embedder-process.ts';
import { stopEmbedder } from './stop-embedder.ts';
import type { CorePolicy, Embedder, EmbedderDriver, StartResult } from './embedder-driver.ts';
import type { CrashReason, LifecycleType, SupervisorCounters } from './types.ts';

/** What the pool uses of its core. */
export interface SparePoolHost<E extends Embedder, I, P> {
  policy: CorePolicy;
  driver: EmbedderDriver<E, I, P>;
  breaker: RestartBreaker;
  counters: SupervisorCounters;
  signal: AbortSignal;
  /** No spares now: stopping, or failed. */
  closed(): boolean;
  /** Whether a replacement due after its backoff may start (the live side is ready or restarting). */
  running(): boolean;
  /** One counted spawn through the driver. */
  spawn(plan: P): E;
  /** The driver's connect, a failure killed and awaited. */
  bringUp(e: E): Promise<StartResult<I>>;
  /** The start result of a spare that never spawned (stop came first). */
  abandoned(): StartResult<I>;
  /** Delivers an event about the embedder of `pid` as it is (a spare that never got a pid has none). */
  emit(type: LifecycleType, details: Record<string, unknown>, pid: number | undefined): void;
  /** The live embedder's pid (for events about the pool itself). */
  livePid(): number | undefined;
}

/** A spare; `e` is undefined while the driver prepares its spawn. */
interface Spare<E extends Embedder, I> {
  slot: number;
  e: E | undefined;
  state: 'starting' | 'ready';
  info?: I;
  /** Settles once the spare is up or failed to start (or was abandoned before it spawned). */
  result: Promise<StartResult<I>>;
}

/** A spare that takes over as the live embedder. */
export interface Adopted<E, I> {
  e: E;
  info: I;
  slot: number;
}

export class SparePool<E extends Embedder, I, P> {
  private readonly spares: Array<Spare<E, I>> = [];
  private slots = 0;
  private failures = 0;
  private timer: Promise<void> | undefined;

  constructor(private readonly host: SparePoolHost<E, I, P>) {}

  /** Pids of the spares (started or starting), in slot order. */
  get pids(): number[] {
    return this.spares.filter((s) => s.e?.proc.alive && s.e.proc.pid !== undefined).map((s) => s.e!.proc.pid!);
  }
  /** Spares that are ready and wait to take over. */
  get ready(): number {
    return this.spares.filter((s) => s.state === 'ready' && s.e?.proc.alive).length;
  }
  /** Whether any spare process runs (one still preparing its spawn does not count). */
  get anyAlive(): boolean {
    return this.spares.some((sp) => sp.e?.proc.alive);
  }

  /** The spare embedder of generation `gen`, if one is. */
  byGen(gen: number): E | undefined {
    return this.spares.find((sp) => sp.e?.gen === gen)?.e;
  }

  /** Kills the spare of generation `gen` on our own decision (it is replaced like any dead spare). */
  kill(gen: number, reason: CrashReason): void {
    const e = this.byGen(gen);
    if (!e?.proc.alive) return;
    e.killReason ??= reason;
    e.proc.kill('SIGKILL');
  }

  /** Starts spares until `standby` of them run (the core calls it once the live embedder is ready). */
  keep(): void {
    if (this.timer || this.host.closed()) return;
    // Counted once: a spare that fails at once gives its slot back without being restarted in this loop.
    for (let n = this.host.policy.standby - this.spares.length; n > 0; n--) {
      void this.run().catch((e) => {
        this.host.emit('protocol-fault', { code: 'GAUNTLET_INTERNAL', message: `standby: ${toError(e).message}`, fatal: false }, this.host.livePid());
      });
    }
  }

  /** A ready spare (else one still starting, once it is ready) leaves the pool to take over; undefined if none can. */
  async adopt(): Promise<Adopted<E, I> | undefined> {
    let spare = this.spares.find((sp) => sp.state === 'ready' && sp.e?.proc.alive);
    if (!spare) {
      const starting = this.spares.find((sp) => sp.state === 'starting' && (sp.e === undefined || sp.e.proc.alive));
      if (!starting) return undefined;
      const r = await starting.result;
      if (this.host.signal.aborted || !r.ok || !starting.e?.proc.alive || !this.spares.includes(starting)) return undefined;
      starting.info = r.info;
      spare = starting;
    }
    this.spares.splice(this.spares.indexOf(spare), 1);
    return { e: spare.e!, info: spare.info!, slot: spare.slot };
  }

  /** SIGTERM, then SIGKILL, for every spare (they have no requests of their own to drain). */
  async stopAll(): Promise<void> {
    const spares = this.spares.splice(0);
    await Promise.all(spares.map(async (sp) => {
      if (sp.e?.proc.alive) await stopEmbedder(sp.e.proc, this.host.policy.shutdownGraceMs, undefined);
      if (sp.e) this.host.driver.release(sp.e);
    }));
  }

  /** SIGKILL for every spare, without waiting (the supervisor gave up). */
  killAll(): void {
    for (const sp of this.spares.splice(0)) {
      if (!sp.e) continue;
      sp.e.proc.kill('SIGKILL');
      this.host.driver.release(sp.e);
    }
  }

  /** Replaces a spare that went away: through the breaker, with backoff after consecutive failed starts. */
  private replace(failedStart: boolean): string {
    const { host } = this;
    if (host.closed()) return 'not replaced (stopping)';
    const now = performance.now();
    if (host.breaker.tripped(now)) {
      return `not replaced: the restart breaker is at ${host.breaker.inWindow(now)} restarts in ${host.policy.restart.windowMs} ms`;
    }
    host.breaker.record(now);
    host.counters.restarts++;
    this.failures = failedStart ? this.failures + 1 : 0;
    const delayMs = this.failures === 0 ? 0 : backoffDelay(host.policy.restart, this.failures, host.policy.random);
    if (delayMs === 0) {
      this.keep();
    } else {
      this.timer = sleep(delayMs, host.signal).catch(() => {}).then(() => {
        this.timer = undefined;
        if (host.running()) this.keep();
      });
    }
    return `replaced${delayMs ? ` after ${delayMs} ms` : ''}`;
  }

  private async run(): Promise<void> {
    const { host } = this;
    let settle!: (r: StartResult<I>) => void;
    const result = new Promise<StartResult<I>>((resolve) => {
      settle = resolve;
    });
    // Pushed before the first await: keep() counts it at once.
    const spare: Spare<E, I> = { slot: ++this.slots, e: undefined, state: 'starting', result };
    this.spares.push(spare);
    let r: StartResult<I> | undefined;
    try {
      const plan = await host.driver.prepare('spare');
      if (!this.spares.includes(spare) || host.signal.aborted) return;
      spare.e = host.spawn(plan);
      host.emit('standby-spawn', { slot: spare.slot, command: spare.e.argv }, spare.e.proc.pid);
      r = await host.bringUp(spare.e);
    } catch (err) {
      // A slot that never got a process must not hold its place.
      const i = this.spares.indexOf(spare);
      if (!spare.e && i >= 0) this.spares.splice(i, 1);
      throw err;
    } finally {
      settle(r ?? host.abandoned());
    }
    const e = spare.e;
    if (!r || !e) return;
    const gone = (reason: string, exit: EmbedderExit | undefined, failedStart: boolean) => {
      const i = this.spares.indexOf(spare);
      if (i < 0) return; // it took over, or the supervisor let it go
      this.spares.splice(i, 1);
      host.driver.release(e);
      const what = host.signal.aborted ? 'stopped' : this.replace(failedStart);
      host.emit('standby-exit', {
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
    this.failures = 0;
    host.emit('standby-ready', { slot: spare.slot, startMs: performance.now() - e.spawnHr, phases: r.phases, ...host.driver.spareReadyFields(e, r.info) }, e.proc.pid);
    const exit = await e.proc.exited;
    gone(e.killReason ? `killed by the supervisor (${e.killReason})` : `exited (${describeExit(exit)})`, exit, false);
  }
}
