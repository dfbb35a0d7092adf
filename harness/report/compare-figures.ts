/**
 * How `gauntlet compare` judges one figure of one scenario x adapter in two reports. Pure.
 * - With samples on both sides (report.json `samples` + `intervals`): the percentile-bootstrap interval of the
 *   ratio NEW / BASE of the figure's statistic (median, mean, rate...). A regression or an improvement only when that
 *   interval lies wholly beyond the noise band; otherwise within noise. A statistic with too few samples (an extreme,
 *   a p99 of 100 samples) is "not enough samples", never a regression. The Mann-Whitney U p-value is given beside.
 * - A timing or rate figure without samples: "not enough samples" (one number has no interval).
 * - Counts: exact. Any rise of a count of bad things is a regression, any fall an improvement.
 * - Booleans: exact, "changed" (the claim's verdict row judges them).
 * - Bytes, slopes and ratios (one figure each, no interval): the wide band max(noiseSingle x |base|, floor of the
 *   unit), so that only a gross change counts.
 */
import type { FigureInterval, ScenarioResult } from './schema.ts';
import { DEFAULT_FLOORS, type Direction, type UnitClass } from './metric-direction.ts';
import { bootstrapRatio } from '../stats/resample.ts';
import { enoughSamples, samplesNeeded } from '../stats/figure-intervals.ts';
import { mannWhitneyU } from '../stats/mann-whitney.ts';
import { deriveSeed } from '../gguf/prng.ts';

export type Decision = 'regression' | 'improvement' | 'within noise' | 'not enough samples' | 'changed' | 'unchanged' | 'missing' | 'added';

/** The change of a figure: the ratio NEW / BASE with its interval (samples), or the exact difference. */
export interface Change {
  method: 'bootstrap ratio' | 'exact' | 'band';
  /** NEW / BASE (null when BASE is 0). */
  ratio: number | null;
  /** NEW - BASE. */
  delta: number | null;
  /** The 95 % interval of the ratio (bootstrap only). */
  lo?: number;
  hi?: number;
  /** The statistic compared (bootstrap only): p50, mean, rate... */
  stat?: string;
  /** The band the change had to clear: relative for a ratio (0.2 = the interval must lie beyond x1.2 or x1/1.2), absolute for 'band'. */
  band?: number;
  samples?: { base: number; next: number };
  /** Mann-Whitney U two-sided p-value of the two samples (given with 8+ samples a side; informative only). */
  uTestP?: number;
}

export interface FigureOptions {
  /** Relative noise band of timing and rate figures compared through their samples. */
  noise: number;
  /** Relative band of single figures (bytes, ratios). */
  noiseSingle: number;
  floors: Record<UnitClass, number>;
  level: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_FIGURE_OPTIONS: FigureOptions = { noise: 0.25, noiseSingle: 0.25, floors: DEFAULT_FLOORS, level: 0.95, resamples: 2000, seed: 1 };

export interface FigureJudgement { decision: Decision; change: Change; why: string }

function samplesOf(r: ScenarioResult, i: FigureInterval | undefined): number[] | undefined {
  return i ? r.samples?.[i.samples] : undefined;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

/** Judges one figure `key` of the pair (b, n) of one scenario x adapter; bv / nv are the recorded figures. */
export function judgeFigure(
  key: string, b: ScenarioResult, n: ScenarioResult, bv: number, nv: number,
  info: { unitClass: UnitClass; direction: Direction; kind?: string }, o: FigureOptions,
): FigureJudgement {
  const delta = nv - bv;
  const ratio = bv === 0 ? null : nv / bv;
  const bi = b.intervals?.[key], ni = n.intervals?.[key];
  const bs = samplesOf(b, bi), ns = samplesOf(n, ni);
  const timing = info.unitClass === 'ms' || info.unitClass === 'rate' || bi !== undefined || ni !== undefined;
  if (timing) {
    if (!bi || !ni || !bs || !ns || bs.length === 0 || ns.length === 0) {
      const which = !bs?.length && !ns?.length ? 'neither report has' : !bs?.length ? 'BASE has no' : 'NEW has no';
      return { decision: 'not enough samples', change: { method: 'exact', ratio, delta }, why: `${which} samples for it: one figure has no interval` };
    }
    const stat = ni.stat;
    if (!enoughSamples(stat, bs.length) || !enoughSamples(stat, ns.length)) {
      return { decision: 'not enough samples', change: { method: 'exact', ratio, delta, stat, samples: { base: bs.length, next: ns.length } }, why: `a ${stat} needs ${samplesNeeded(stat)} samples a side (${bs.length} / ${ns.length})` };
    }
    const r = bootstrapRatio(bs, ns, stat === 'rate' ? 'rate' : stat, {
      level: o.level, resamples: o.resamples, seed: deriveSeed(o.seed, `${b.scenario}\u0000${b.adapter}\u0000${key}`),
      scale: bi.scale, scaleNext: ni.scale,
    });
    const change: Change = { method: 'bootstrap ratio', ratio: r.ratio, delta, lo: r.lo, hi: r.hi, stat, band: o.noise, samples: { base: bs.length, next: ns.length } };
    if (bs.length >= 8 && ns.length >= 8) change.uTestP = mannWhitneyU(bs, ns).p;
    const up = 1 + o.noise, down = 1 / up;
    const above = r.lo > up, below = r.hi < down;
    let decision: Decision = 'within noise';
    if (above || below) {
      if (info.direction === 'neutral') decision = 'changed';
      else decision = (info.direction === 'lower') === above ? 'regression' : 'improvement';
    }
    const why = decision === 'within noise'
      ? `the ratio's interval reaches into the band x${+down.toFixed(3)}..x${+up.toFixed(3)}`
      : `the ratio's interval lies wholly ${above ? 'above' : 'below'} x${+(above ? up : down).toFixed(3)}`;
    return { decision, change, why };
  }
  if (info.kind === 'boolean') {
    return { decision: bv === nv ? 'unchanged' : 'changed', change: { method: 'exact', ratio, delta }, why: 'a boolean: its claim\'s verdict judges it' };
  }
  if (info.unitClass === 'count') {
    if (delta === 0) return { decision: 'unchanged', change: { method: 'exact', ratio, delta }, why: 'the same count' };
    if (info.direction === 'neutral') return { decision: 'changed', change: { method: 'exact', ratio, delta }, why: 'a count with no better direction' };
    const worse = info.direction === 'lower' ? delta > 0 : delta < 0;
    return { decision: worse ? 'regression' : 'improvement', change: { method: 'exact', ratio, delta }, why: `a count, compared exactly (${info.direction} is better)` };
  }
  const band = Math.max(o.noiseSingle * Math.abs(bv), o.floors[info.unitClass]);
  const change: Change = { method: 'band', ratio, delta, band };
  if (!(Math.abs(delta) > band)) return { decision: delta === 0 ? 'unchanged' : 'within noise', change, why: `within the band +/-${+band.toPrecision(3)} (${pct(o.noiseSingle)} or the unit's floor)` };
  if (info.direction === 'neutral') return { decision: 'changed', change, why: 'beyond the band, no better direction' };
  const worse = info.direction === 'lower' ? delta > 0 : delta < 0;
  return { decision: worse ? 'regression' : 'improvement', change, why: `beyond the band +/-${+band.toPrecision(3)} (${pct(o.noiseSingle)} or the unit's floor)` };
}
