/**
 * Overhead of the harness's sampler (harness/metrics Sampler at its default interval, with the probes a scenario
 * uses on an embedder: /proc status of the embedder and of this process, and the embedder's CPU through pidusage):
 * its CPU as a share of one core, the heap it keeps per tick, and the shift it causes in embed latency, measured
 * with the sampler off and on in alternating halves of several rounds.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '../adapters/create-client.ts';
import type { EmbedderClient } from '../adapters/types.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { resolveAdapter, resolveConfig } from '../config/resolve-config.ts';
import { Sampler, cpuProbe, procStatusProbe, type Probe } from '../metrics/index.ts';
import { toError } from '../util/errors.ts';
import { BENCH_TEXTS } from './isolation.ts';
import { median, quantile, round, runTasks } from './stats.ts';
import type { OverheadResults } from './types.ts';

export interface OverheadBenchOptions {
  rounds: number;
  /** Length of each half (sampler off / on) of a round, ms. */
  halfMs: number;
  /** Time budget of the per-tick cost loop, ms. */
  tickTimeMs?: number;
  /** Ticks run to measure the CPU time of one (default 200). */
  tickIterations?: number;
  signal?: AbortSignal;
  onStep?: (label: string) => void;
}

/** The probes a scenario samples an embedder with (see harness/metrics). */
export function scenarioProbes(embedderPid: number): Record<string, Probe> {
  return { embedder: procStatusProbe(embedderPid), embedderCpu: cpuProbe(embedderPid), host: procStatusProbe('self') };
}

/** global.gc without --expose-gc: allowed through V8 flags at run time (Node 20). */
function getGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

async function embedFor(client: EmbedderClient, ms: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  let i = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    await client.embed(BENCH_TEXTS[i++ % BENCH_TEXTS.length]!);
    out.push(performance.now() - t0);
  }
  return out;
}

/** CPU time (user + system) of one call, microseconds: not inflated by waiting for a core on a loaded machine. */
export async function cpuPerCall(fn: () => unknown, iterations: number): Promise<number> {
  for (let i = 0; i < Math.min(10, iterations); i++) await fn();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await fn();
  const d = process.cpuUsage(cpu0);
  return (d.user + d.system) / iterations;
}

async function heapPerTick(pid: number): Promise<number | null> {
  const gc = getGc();
  if (!gc) return null;
  const sampler = new Sampler({ probes: scenarioProbes(pid), intervalMs: 1, finalSample: false });
  gc();
  const before = process.memoryUsage().heapUsed;
  sampler.start();
  await new Promise((r) => setTimeout(r, 400));
  const sink = await sampler.stop(); // keep the series alive until measured, as a scenario does
  gc();
  const after = process.memoryUsage().heapUsed;
  const ticks = sink.overhead.ticks;
  return ticks > 0 ? Math.max(0, Math.round((after - before) / ticks)) : null;
}

export async function benchOverhead(opts: OverheadBenchOptions): Promise<OverheadResults> {
  const notes: string[] = [];
  const config = resolveConfig({});
  const modelPath = await ensureModel(config.model);
  opts.onStep?.('starting reference-uds (tiny model) to sample and to embed through');
  const client = await createClient(resolveAdapter(config, 'reference-uds', modelPath));
  try {
    await client.start();
    await client.embedBatch([...BENCH_TEXTS]);
    const pid = client.embedderPid()!;
    const probes = scenarioProbes(pid);
    const intervalMs = new Sampler({ probes }).intervalMs;

    opts.onStep?.('cost of one sampler tick');
    const runTick = () => Promise.all(Object.values(probes).map((p) => p()));
    const tick = (await runTasks([{ name: 'tick', fn: runTick }], {
      time: opts.tickTimeMs ?? 500, iterations: 32, ...(opts.signal ? { signal: opts.signal } : {}),
    })).get('tick')!;
    const tickCpuUs = await cpuPerCall(runTick, opts.tickIterations ?? 200);
    const heap = await heapPerTick(pid).catch((e: unknown) => { notes.push(`heap per tick: ${toError(e).message}`); return null; });

    const off: number[] = [];
    const on: number[] = [];
    let cpuMs = 0;
    let wallMs = 0;
    let ticks = 0;
    let tickMsSum = 0;
    for (let r = 0; r < opts.rounds; r++) {
      if (opts.signal?.aborted) { notes.push(`stopped after ${r} round(s): the run's time budget ran out`); break; }
      opts.onStep?.(`latency round ${r + 1}/${opts.rounds} (sampler off and on)`);
      for (const half of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        if (half === 'off') { off.push(quantile(await embedFor(client, opts.halfMs), 0.5)); continue; }
        const sampler = new Sampler({ probes }).start();
        const lat = await embedFor(client, opts.halfMs);
        const res = await sampler.stop();
        on.push(quantile(lat, 0.5));
        cpuMs += res.overhead.cpuMs;
        wallMs += res.overhead.wallMs;
        ticks += res.overhead.ticks;
        tickMsSum += res.overhead.meanTickMs * res.overhead.ticks;
        for (const [name, e] of Object.entries(res.errors)) notes.push(`probe ${name}: ${e.count} error(s), last: ${e.last}`);
      }
    }
    const offP50 = off.length ? median(off) * 1000 : null;
    const onP50 = on.length ? median(on) * 1000 : null;
    notes.push('The Sampler counts process.cpuUsage() around each tick; with async probes that is an upper bound (other work done while a probe awaits is counted too).');
    return {
      sampler: 'harness/metrics Sampler (default interval)',
      probes: Object.keys(probes),
      intervalMs,
      tickCpuUs: round(tickCpuUs, 1),
      tickWallP50Us: round(tick.p50Ms * 1000, 1),
      cpuPercentOfCore: round((tickCpuUs / 1000 / intervalMs) * 100, 4),
      selfReportedCpuPercentOfCore: wallMs > 0 ? round((cpuMs / wallMs) * 100, 4) : Number.NaN,
      ticks,
      meanTickMs: ticks ? round(tickMsSum / ticks, 4) : Number.NaN,
      heapBytesPerTick: heap,
      latencyOffP50Us: offP50 === null ? null : round(offP50, 1),
      latencyOnP50Us: onP50 === null ? null : round(onP50, 1),
      latencyShiftPercent: offP50 && onP50 ? round(((onP50 - offP50) / offP50) * 100, 2) : null,
      rounds: Math.min(off.length, on.length),
      notes,
    };
  } finally {
    await client.close();
  }
}
