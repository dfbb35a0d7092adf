/** Reading one aggregated figure of a metric out of scenario results, and combining it across scenarios. */
import type { FigureInterval, ScenarioResult } from '../report/schema.ts';
import { metricKey, type MetricDef } from './metrics-catalogue.ts';
import { upperBound, type ParsedThreshold } from './threshold.ts';

export interface Measured { scenario: string; value: number; interval?: FigureInterval }

const LATENCY_FIELDS = new Set(['min', 'max', 'mean', 'p50', 'p90', 'p99', 'count']);

/** The figure of one result, or undefined (missing), or null (reported as null). */
export function readMetric(result: ScenarioResult, metric: string, def: MetricDef<string>, aggregation: string): number | null | undefined {
  const key = metricKey(metric, aggregation, def);
  const metrics = result.metrics ?? {};
  if (Object.prototype.hasOwnProperty.call(metrics, key)) {
    const v = metrics[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  if (def.kind === 'latency' && def.latencyKey && LATENCY_FIELDS.has(aggregation)) {
    const summary = result.latency?.[def.latencyKey];
    if (summary) {
      const v = summary[aggregation as keyof typeof summary];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
  }
  return undefined;
}

/** The 95 % interval of the figure readMetric reads, when its scenario recorded the samples. */
export function readInterval(result: ScenarioResult, metric: string, def: MetricDef<string>, aggregation: string): FigureInterval | undefined {
  const intervals = result.intervals;
  if (!intervals) return undefined;
  const key = metricKey(metric, aggregation, def);
  if (intervals[key]) return intervals[key];
  if (def.kind === 'latency' && def.latencyKey && !Object.prototype.hasOwnProperty.call(result.metrics ?? {}, key)) return intervals[`latency.${def.latencyKey}.${aggregation}`];
  return undefined;
}

/** Every finite figure of `metric` among `results`, with the scenario that produced it (and its interval). */
export function collect(results: readonly ScenarioResult[], metric: string, def: MetricDef<string>, aggregation: string): Measured[] {
  const out: Measured[] = [];
  for (const r of results) {
    const v = readMetric(r, metric, def, aggregation);
    if (typeof v !== 'number') continue;
    const interval = readInterval(r, metric, def, aggregation);
    out.push({ scenario: r.scenario, value: v, ...(interval ? { interval } : {}) });
  }
  return out;
}

/**
 * One figure from several scenarios. Counts are summed (crashes in any scenario add up). Otherwise `worst` picks the
 * value least favourable to the threshold (the max for an upper bound, the min for a lower bound, a failing one for
 * ==/!=) and `best` the most favourable (used for preconditions: one scenario meeting it is enough).
 */
export function combine(values: readonly Measured[], t: ParsedThreshold, def: MetricDef<string>, mode: 'worst' | 'best'): number {
  if (values.length === 0) throw new Error('combine: no values');
  const nums = values.map((v) => v.value);
  if (mode === 'worst' && def.kind === 'count' && t.aggregation === 'count') return nums.reduce((a, b) => a + b, 0);
  if (t.op === '==' || t.op === '!=') {
    const wanted = mode === 'worst' ? nums.find((n) => !t.check(n)) : nums.find((n) => t.check(n));
    return wanted ?? nums[0]!;
  }
  const takeMax = upperBound(t) === (mode === 'worst');
  return takeMax ? Math.max(...nums) : Math.min(...nums);
}
