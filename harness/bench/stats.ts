/** Pure statistics over samples, and the bridge from a tinybench task to LatencyStats. */
import { Bench, type Task } from 'tinybench';
import { GauntletError } from '../util/errors.ts';
import type { LatencyStats } from './types.ts';
import { quantileInterval } from '../stats/order-stats.ts';

/** Linearly interpolated quantile (q in 0..1) of unsorted samples; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function latencyStats(samplesMs: readonly number[]): LatencyStats {
  const n = samplesMs.length;
  const mean = n ? samplesMs.reduce((s, x) => s + x, 0) / n : Number.NaN;
  return { samples: n, meanMs: mean, p50Ms: quantile(samplesMs, 0.5), p99Ms: quantile(samplesMs, 0.99), opsPerSec: mean > 0 ? 1000 / mean : Number.NaN };
}

/** Rounds to `digits` significant decimals for output (keeps JSON readable). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface TaskSpec {
  name: string;
  fn: () => unknown;
}

export interface RunTasksOptions {
  /** Time budget per task, ms. */
  time: number;
  /** Minimum iterations per task. */
  iterations?: number;
  warmupTime?: number;
  warmupIterations?: number;
  signal?: AbortSignal;
}

/** Runs tasks one after the other with tinybench and returns their stats by name; a failed task throws. */
export async function runTasks(tasks: TaskSpec[], opts: RunTasksOptions): Promise<Map<string, LatencyStats>> {
  const bench = new Bench({
    time: opts.time,
    iterations: opts.iterations ?? 16,
    warmupTime: opts.warmupTime ?? Math.min(100, opts.time / 4),
    warmupIterations: opts.warmupIterations ?? 4,
    throws: true,
    retainSamples: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const out = new Map<string, LatencyStats>();
  for (const task of bench.tasks) out.set(task.name, taskStats(task));
  return out;
}

export function taskStats(task: Task): LatencyStats {
  const r = task.result;
  if (r.state === 'errored') {
    throw new GauntletError('GAUNTLET_INTERNAL', `benchmark task "${task.name}" failed: ${r.error.message}`, { cause: r.error });
  }
  if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') {
    throw new GauntletError('GAUNTLET_INTERNAL', `benchmark task "${task.name}" ended in state "${r.state}" without statistics`);
  }
  const samples = r.latency.samples;
  const iv = samples && samples.length > 0 ? quantileInterval(samples, 0.5) : undefined;
  return {
    samples: r.latency.samplesCount,
    meanMs: r.latency.mean,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    opsPerSec: r.latency.mean > 0 ? 1000 / r.latency.mean : Number.NaN,
    ...(iv ? { p50LoMs: iv.lo, p50HiMs: iv.hi } : {}),
  };
}
