/**
 * Hang detection shared by the process supervisor (protocol ping) and the http supervisor (GET /health): a
 * periodic probe, plus one on demand when a request misses its deadline. A probe that times out while the same
 * embedder generation is still the live, ready one is a hang; what to do about it (count, emit, kill) is the
 * owner's `onHang`. Other probe errors are not hangs: a dead embedder is reported by its exit.
 */
export type ProbeVia = 'health-ping' | 'request-deadline';

export interface HealthMonitorHooks {
  /** Period of the health ping; <= 0 turns the periodic probe off (on-demand probes still run). */
  intervalMs: number;
  /** How long a probe may wait for its answer. */
  timeoutMs: number;
  /** Whether there is a ready embedder to probe now. */
  ready(): boolean;
  /** The live embedder's generation: a hang is only declared on the generation that was probed. */
  generation(): number;
  /** One probe; rejects with a GauntletError coded GAUNTLET_TIMEOUT when there is no answer within `timeoutMs`. */
  ping(timeoutMs: number): Promise<unknown>;
  onHang(via: ProbeVia, waitedMs: number): void;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(private readonly hooks: HealthMonitorHooks) {}

  start(): void {
    this.stop();
    if (this.hooks.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.probe('health-ping'), this.hooks.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One probe unless one is already running or nothing is ready. */
  async probe(via: ProbeVia): Promise<void> {
    if (this.probing || !this.hooks.ready()) return;
    this.probing = true;
    const gen = this.hooks.generation();
    const t0 = performance.now();
    try {
      await this.hooks.ping(this.hooks.timeoutMs);
    } catch (e) {
      const timedOut = (e as { code?: unknown } | null)?.code === 'GAUNTLET_TIMEOUT';
      if (timedOut && gen === this.hooks.generation() && this.hooks.ready()) this.hooks.onHang(via, performance.now() - t0);
    } finally {
      this.probing = false;
    }
  }
}
