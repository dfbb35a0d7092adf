/**
 * The 95 % interval of every timing and rate figure a scenario recorded from samples: order statistics for
 * quantiles, the percentile bootstrap for means and rates, the exact bootstrap of the extremes. Raw samples are
 * kept compactly (rounded to 1 us, at most MAX_KEPT per figure) for `gauntlet compare`.
 */
import type { FigureInterval } from '../report/schema.ts';
import { bootstrapInterval, extremeInterval, statQuantile, type FigureStat } from './resample.ts';
import { quantileInterval } from './order-stats.ts';

export const LEVEL = 0.95;
/** Samples kept per figure in report.json; longer series keep every k-th sample, in order. */
export const MAX_KEPT = 2000;

/** Which samples a figure is a statistic of. */
export interface SampleLink { samples: string; stat: FigureStat }

/** The least samples a statistic needs for its interval to mean something (and for compare to judge it). */
export function enoughSamples(stat: FigureStat, n: number): boolean {
  const q = statQuantile(stat);
  if (q !== undefined) return q === 0.5 ? n >= 6 : n * Math.min(q, 1 - q) >= 5 - 1e-9;
  if (stat === 'mean' || stat === 'rate') return n >= 6;
  return false; // an extreme of one run: no interval says how far an unseen worst case lies
}

/** The least samples `enoughSamples` asks for, in words ("6", "50", "no number of samples"). */
export function samplesNeeded(stat: FigureStat): string {
  const q = statQuantile(stat);
  if (q !== undefined && q !== 0.5) return String(Math.ceil(5 / Math.min(q, 1 - q) - 1e-9));
  if (stat === 'max' || stat === 'min') return 'no number of samples (an extreme has no two-sided interval)';
  return '6';
}

/** Interval of `stat` over `values` (ms); `figure` is the recorded figure (a rate's value sets its scale). */
export function figureInterval(values: readonly number[], stat: FigureStat, figure: number | null, link: SampleLink, opts: { seed?: number; stream?: string } = {}): FigureInterval | undefined {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return undefined;
  const sorted = finite.slice().sort((a, b) => a - b);
  const base = { n, level: LEVEL, samples: link.samples, stat };
  const q = statQuantile(stat);
  if (q !== undefined) {
    const r = quantileInterval(sorted, q, LEVEL);
    return { ...base, lo: r.lo, hi: r.hi, method: 'order-statistics' };
  }
  if (stat === 'max' || stat === 'min') {
    const r = extremeInterval(sorted, stat, LEVEL);
    return { ...base, lo: r.lo, hi: r.hi, method: 'bootstrap' };
  }
  const boot = { seed: opts.seed, stream: opts.stream ?? link.samples };
  if (stat === 'rate') {
    if (figure === null || !Number.isFinite(figure) || figure <= 0) return undefined;
    // rate = scale / mean(durations): the scale carries the share of the phase's time the requests took.
    const m = sorted.reduce((a, b) => a + b, 0) / n;
    const scale = figure * m;
    const r = bootstrapInterval(sorted, 'mean', boot);
    return { ...base, lo: scale / r.hi, hi: scale / r.lo, method: 'bootstrap', scale };
  }
  const r = bootstrapInterval(sorted, stat, boot);
  return { ...base, lo: r.lo, hi: r.hi, method: 'bootstrap' };
}

/** Intervals of every linked figure, by metric key; figures whose samples are missing are left out. */
export function figureIntervals(
  metrics: Record<string, number | null>, samples: Record<string, readonly number[]>, links: Record<string, SampleLink>, seed?: number,
): Record<string, FigureInterval> {
  const out: Record<string, FigureInterval> = {};
  for (const [key, link] of Object.entries(links)) {
    const values = samples[link.samples];
    if (!values) continue;
    const i = figureInterval(values, link.stat, metrics[key] ?? null, link, { seed, stream: key });
    if (i) out[key] = i;
  }
  return out;
}

/** Samples as kept in report.json: rounded to 1 us, every k-th one past MAX_KEPT. */
export function compactSamples(values: readonly number[], max = MAX_KEPT): number[] {
  const finite = values.filter(Number.isFinite);
  const step = Math.max(1, Math.ceil(finite.length / max));
  const out: number[] = [];
  for (let i = 0; i < finite.length; i += step) out.push(Math.round(finite[i]! * 1000) / 1000);
  return out;
}

/**
 * Whether the figure's interval straddles the threshold (`check` holds at one bound and not at the other): the
 * verdict could come out the other way in the next run. A missing bound counts as unbounded on that side.
 */
export function straddles(check: (v: number) => boolean, lo: number | null, hi: number | null): boolean {
  return check(lo ?? Number.NEGATIVE_INFINITY) !== check(hi ?? Number.POSITIVE_INFINITY);
}
