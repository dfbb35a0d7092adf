/**
 * runBench: the four sections one after the other (they would disturb each other's figures if run together),
 * inside one time budget. A section that fails or finds no time left is recorded in `skipped`, not thrown.
 */
import { nodeLlamaCpp, nodeLlamaCppMissing } from '../engines/node-llama-cpp.ts';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import { environmentInfo } from '../runner/environment.ts';
import { toError } from '../util/errors.ts';
import { benchCodecs } from './codecs.ts';
import { runIsolationInChild } from './isolation-runner.ts';
import { benchOverhead } from './overhead.ts';
import { buildTargets } from './targets.ts';
import { benchHostRss } from './host-rss.ts';
import { benchTransportsAndConnections } from './transports.ts';
import type { BenchEvent, BenchResult, BenchSection, BenchSizes } from './types.ts';

export const BENCH_SECTIONS: readonly BenchSection[] = ['codecs', 'transports', 'isolation', 'overhead'];

/** Lanes to compare: 1 and the machine's parallelism (capped at 4). */
export function defaultLanes(): number[] {
  const n = Math.min(4, Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  return n > 1 ? [1, n] : [1];
}

export function benchSizes(quick: boolean): BenchSizes {
  const MiB = 1024 * 1024;
  return quick
    ? { codecTimeMs: 150, pingTimeMs: 150, pipelineMessages: 1000, transferBytes: [1024, MiB, 10 * MiB], transferTimeMs: 150,
      isolationSliceMs: 200, isolationRounds: 2, isolationLanes: defaultLanes(), isolationPresets: ['tiny'], overheadRounds: 2, overheadHalfMs: 400, stressConnections: 500 }
    : { codecTimeMs: 500, pingTimeMs: 500, pipelineMessages: 5000, transferBytes: [1024, MiB, 10 * MiB], transferTimeMs: 500,
      isolationSliceMs: 300, isolationRounds: 5, isolationLanes: defaultLanes(), isolationPresets: ['tiny', 'small'], overheadRounds: 6, overheadHalfMs: 1000, stressConnections: 500 };
}

export interface RunBenchOptions {
  quick?: boolean;
  /** Overrides of the sizes (tests use tiny ones). */
  sizes?: Partial<BenchSizes>;
  sections?: readonly BenchSection[];
  /** Whole-run budget, ms (default 170 s, quick 55 s). */
  budgetMs?: number;
  onEvent?: (e: BenchEvent) => void;
}

/** Minimum time a section needs to be worth starting, ms. */
const MIN_SECTION_MS: Record<BenchSection, number> = { codecs: 1000, transports: 5000, isolation: 8000, overhead: 4000 };

export async function runBench(opts: RunBenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const sizes = { ...benchSizes(quick), ...opts.sizes };
  const sections = opts.sections ?? BENCH_SECTIONS;
  const emit = opts.onEvent ?? (() => {});
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const loadavgBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const budgetMs = opts.budgetMs ?? (quick ? 55_000 : 170_000);
  const deadline = AbortSignal.timeout(budgetMs);
  setMaxListeners(200, deadline); // every tinybench run listens on it
  const remaining = () => budgetMs - (performance.now() - t0);
  const result: Omit<BenchResult, 'targets' | 'environment'> = { skipped: [] };

  for (const section of BENCH_SECTIONS) {
    if (!sections.includes(section)) continue;
    if ((section === 'isolation' || section === 'overhead') && !nodeLlamaCpp()) {
      // Both run the reference embedder (isolation: beside the in-process adapter); the other sections need neither.
      const reason = nodeLlamaCppMissing(`the ${section} section (it runs gauntlet's reference embedder${section === 'isolation' ? ' and the in-process adapter' : ''})`);
      result.skipped.push({ section, reason });
      emit({ type: 'skipped', section, reason });
      continue;
    }
    if (remaining() < MIN_SECTION_MS[section]) {
      const reason = `no time left in the ${Math.round(budgetMs / 1000)} s budget`;
      result.skipped.push({ section, reason });
      emit({ type: 'skipped', section, reason });
      continue;
    }
    emit({ type: 'section-start', section });
    const s0 = performance.now();
    const onStep = (label: string) => emit({ type: 'step', section, label });
    try {
      if (section === 'codecs') result.codecs = await benchCodecs({ timeMs: sizes.codecTimeMs, signal: deadline });
      else if (section === 'transports') {
        result.transports = await benchTransportsAndConnections({
          pingTimeMs: sizes.pingTimeMs, pipelineMessages: sizes.pipelineMessages, transferBytes: sizes.transferBytes,
          transferTimeMs: sizes.transferTimeMs, signal: deadline, onStep, stressConnections: sizes.stressConnections,
        });
      } else if (section === 'isolation') {
        result.isolation = await runIsolationInChild({
          presets: sizes.isolationPresets, lanes: sizes.isolationLanes, rounds: sizes.isolationRounds, sliceMs: sizes.isolationSliceMs,
          pings: quick ? 50 : 200, timeoutMs: Math.max(1000, remaining() - 2000), onStep,
        });
        // Host RSS per design needs a host of its own per design (the isolation child holds every adapter at once).
        try {
          result.isolation.hostRss = await benchHostRss({ preset: sizes.isolationPresets[0] ?? 'tiny', timeoutMs: Math.max(5000, Math.min(60_000, remaining() - 1000)), onStep });
        } catch (e) {
          result.isolation.notes.push(`host RSS per design failed: ${toError(e).message}`);
        }
      } else {
        result.overhead = await benchOverhead({ rounds: sizes.overheadRounds, halfMs: sizes.overheadHalfMs, tickTimeMs: quick ? 200 : 500, signal: deadline, onStep });
      }
    } catch (e) {
      const reason = toError(e).message;
      result.skipped.push({ section, reason });
      emit({ type: 'skipped', section, reason });
    }
    emit({ type: 'section-end', section, ms: performance.now() - s0 });
  }

  const environment = {
    ...environmentInfo(),
    loadavgBefore,
    loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
    quick,
    durationMs: Math.round(performance.now() - t0),
    startedAt,
  };
  const full = { ...result, environment };
  return { targets: buildTargets(full), ...full };
}
