/**
 * Polls a set of probes at an interval and keeps one SamplePoint series per figure. Measures its own cost
 * (process.cpuUsage() around each tick) so that benchmarks can report the sampler's overhead.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { SamplePoint } from '../report/schema.ts';
import { toError } from '../util/errors.ts';
import { sampleCpu } from './cpu.ts';
import { readProcStatus, type ProcStatus } from './proc-status.ts';

/** A probe answers one figure, several named figures (series `<probe>.<key>`), or nothing (skipped this tick). */
export type ProbeValue = number | null | undefined | Readonly<Record<string, number | null | undefined>>;
export type Probe = () => ProbeValue | Promise<ProbeValue>;

export interface SamplerOptions {
  probes: Record<string, Probe>;
  /** Default 250 ms. */
  intervalMs?: number;
  /** A probe that takes longer is abandoned for this tick and counted as an error. Default max(4 x interval, 1000). */
  probeTimeoutMs?: number;
  /** Take a last sample in stop(). Default true. */
  finalSample?: boolean;
}

export interface SamplerOverhead {
  ticks: number;
  /** Ticks not started because the previous one was still running. */
  skippedTicks: number;
  wallMs: number;
  /** CPU time of this process during ticks (user + system), ms. For async probes this is an upper bound. */
  cpuMs: number;
  /** cpuMs as a share of wall time, 0..1 (x cores). */
  cpuShare: number;
  meanTickMs: number;
  maxTickMs: number;
}

export interface SamplerResult {
  series: Record<string, SamplePoint[]>;
  errors: Record<string, { count: number; last: string }>;
  overhead: SamplerOverhead;
}

export class Sampler extends EventEmitter {
  private readonly probes: Array<[string, Probe]>;
  readonly intervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly finalSample: boolean;
  private readonly data: Record<string, SamplePoint[]> = {};
  private readonly errs: Record<string, { count: number; last: string }> = {};
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private t0 = 0;
  private stoppedAt: number | undefined;
  private ticks = 0;
  private skipped = 0;
  private cpuUs = 0;
  private tickMsSum = 0;
  private tickMsMax = 0;

  constructor(options: SamplerOptions) {
    super();
    const interval = options.intervalMs ?? 250;
    if (!(Number.isFinite(interval) && interval >= 1)) throw new RangeError(`Sampler: intervalMs must be >= 1, got ${interval}`);
    this.intervalMs = interval;
    this.probeTimeoutMs = options.probeTimeoutMs ?? Math.max(4 * interval, 1000);
    this.finalSample = options.finalSample ?? true;
    this.probes = Object.entries(options.probes);
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  /** Starts polling; the first sample is taken at once (t = 0). */
  start(): this {
    if (this.timer || this.stoppedAt !== undefined) throw new Error('Sampler: start() may be called once');
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
    return this;
  }

  /** ms since start(). */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Stops polling, waits for the tick in flight (bounded by the probe timeout), takes a final sample. */
  async stop(): Promise<SamplerResult> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.running) await this.running;
    if (this.finalSample && this.stoppedAt === undefined && this.ticks > 0) await this.runTick();
    this.stoppedAt ??= this.elapsed();
    return this.result();
  }

  result(): SamplerResult {
    const series: Record<string, SamplePoint[]> = {};
    for (const [k, v] of Object.entries(this.data)) series[k] = v.slice();
    return { series, errors: structuredClone(this.errs), overhead: this.overhead() };
  }

  overhead(): SamplerOverhead {
    const wallMs = this.stoppedAt ?? (this.t0 ? this.elapsed() : 0);
    const cpuMs = this.cpuUs / 1000;
    return {
      ticks: this.ticks, skippedTicks: this.skipped, wallMs, cpuMs,
      cpuShare: wallMs > 0 ? cpuMs / wallMs : 0,
      meanTickMs: this.ticks ? this.tickMsSum / this.ticks : 0,
      maxTickMs: this.tickMsMax,
    };
  }

  private tick(): void {
    if (this.running) {
      this.skipped++;
      return;
    }
    this.running = this.runTick().finally(() => {
      this.running = undefined;
    });
  }

  private async runTick(): Promise<void> {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const t = start - this.t0;
    await Promise.all(this.probes.map(([name, probe]) => this.runProbe(name, probe, t)));
    const d = process.cpuUsage(cpu0);
    const ms = performance.now() - start;
    this.cpuUs += d.user + d.system;
    this.ticks++;
    this.tickMsSum += ms;
    if (ms > this.tickMsMax) this.tickMsMax = ms;
  }

  private async runProbe(name: string, probe: Probe, t: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        Promise.resolve().then(probe),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`probe "${name}" took longer than ${this.probeTimeoutMs} ms`)), this.probeTimeoutMs);
        }),
      ]);
      if (typeof value === 'number') this.push(name, t, value);
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (typeof v === 'number') this.push(`${name}.${k}`, t, v);
    } catch (e) {
      const err = toError(e);
      const entry = (this.errs[name] ??= { count: 0, last: '' });
      entry.count++;
      entry.last = err.message;
      this.emit('probe-error', { name, t, error: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private push(series: string, t: number, value: number): void {
    if (!Number.isFinite(value)) return;
    const point = { t: Math.round(t * 1000) / 1000, value };
    (this.data[series] ??= []).push(point);
    this.emit('sample', { series, point });
  }
}

/** A probe of /proc/PID/status: series `<name>.rss`, `.rssAnon`, `.rssFile` ... (nothing once the process is gone). */
export function procStatusProbe(pid: number | 'self', fields: ReadonlyArray<keyof ProcStatus> = ['rss', 'rssAnon', 'rssFile']): Probe {
  return async () => {
    const s = await readProcStatus(pid);
    if (!s) return undefined;
    const out: Record<string, number> = {};
    for (const f of fields) out[f] = s[f];
    return out;
  };
}

/** A probe of CPU use through pidusage: series `<name>.cpuPercent` and `<name>.cpuMs`. */
export function cpuProbe(pid: number): Probe {
  return async () => {
    const s = await sampleCpu(pid);
    return s ? { cpuPercent: s.cpuPercent, cpuMs: s.cpuMs } : undefined;
  };
}
