/**
 * k6-style thresholds ("p50<25ms", "max<100MB", "count==0", "value>=99%", "rate>40", "ratio>=5x"), parsed once
 * when config is resolved into a pure checker, and checked against the kind of the metric they apply to.
 * Values are normalised to base units: ms for latency, bytes for bytes, a plain fraction for ratios
 * (80% -> 0.8, 5x -> 5), per second for rates, 1/0 for booleans.
 */
import { GauntletError } from '../util/errors.ts';
import type { MetricKind } from './types.ts';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type UnitFamily = 'time' | 'bytes' | 'percent' | 'times' | 'per-second' | 'bytes-per-second' | 'none' | 'boolean';

export interface ParsedThreshold {
  /** The threshold as written. */
  text: string;
  /** Normalised aggregation: 'p50', 'p99', 'max', 'min', 'mean', 'value', 'count', 'rate', 'ratio', 'last'. */
  aggregation: string;
  op: ThresholdOp;
  /** Limit in base units. */
  limit: number;
  /** Unit as written ('' when none). */
  unit: string;
  family: UnitFamily;
  check: (measured: number) => boolean;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000 };
const BYTE_UNITS: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3,
};
const RATE_UNITS = new Set(['/s', 'req/s', 'msg/s', 'texts/s', 'ops/s']);

const AGGREGATIONS_BY_KIND: Record<MetricKind, readonly string[]> = {
  latency: ['min', 'max', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'count', 'last'],
  bytes: ['value', 'min', 'max', 'mean', 'last', 'p50', 'p90', 'p99'],
  count: ['count', 'value', 'max', 'min'],
  rate: ['rate', 'value', 'min', 'max', 'mean'],
  ratio: ['ratio', 'value', 'min', 'max', 'mean'],
  boolean: ['value'],
};

const PATTERN = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\)|\d+)?)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$/i;
const VALUE_PATTERN = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([A-Za-zµ%/]*(?:\/s)?)$/;

function configError(where: string, text: string, problem: string): GauntletError {
  return new GauntletError('GAUNTLET_CONFIG_INVALID', `${where}: threshold ${JSON.stringify(text)}: ${problem}`, {
    details: { threshold: text },
  });
}

/** 'p(95)' -> 'p95', 'avg' -> 'mean', 'med' -> 'p50'. */
export function normaliseAggregation(raw: string): string {
  const a = raw.toLowerCase();
  const p = /^p\(?(\d+(?:\.\d+)?)\)?$/.exec(a);
  if (p) {
    const n = p[1]!;
    if (n === '50') return 'p50';
    return `p${n.replace('.', '')}`;
  }
  if (a === 'avg') return 'mean';
  if (a === 'med' || a === 'median') return 'p50';
  return a;
}

function unitFamily(unit: string): { family: UnitFamily; factor: number } | undefined {
  if (unit === '') return { family: 'none', factor: 1 };
  if (unit in TIME_UNITS) return { family: 'time', factor: TIME_UNITS[unit]! };
  if (unit in BYTE_UNITS) return { family: 'bytes', factor: BYTE_UNITS[unit]! };
  if (unit === '%') return { family: 'percent', factor: 0.01 };
  if (unit === 'x') return { family: 'times', factor: 1 };
  if (RATE_UNITS.has(unit)) return { family: 'per-second', factor: 1 };
  if (unit.endsWith('/s') && unit.slice(0, -2) in BYTE_UNITS) {
    return { family: 'bytes-per-second', factor: BYTE_UNITS[unit.slice(0, -2)]! };
  }
  return undefined;
}

/** Which unit families a metric of this kind (and catalogue unit) accepts. */
function allowedFamilies(kind: MetricKind, metricUnit: string | undefined): UnitFamily[] {
  switch (kind) {
    case 'latency': return ['time'];
    case 'bytes': return ['bytes'];
    case 'count': return ['none'];
    case 'rate': return metricUnit === 'B/s' ? ['bytes-per-second'] : ['per-second', 'none'];
    case 'ratio': return ['none', 'percent', 'times'];
    case 'boolean': return ['boolean'];
  }
}

const EXAMPLE: Record<MetricKind, string> = {
  latency: 'p50<25ms', bytes: 'max<100MB', count: 'count==0', rate: 'rate>40', ratio: 'value>=99%', boolean: 'value==true',
};

function compare(op: ThresholdOp, measured: number, limit: number): boolean {
  switch (op) {
    case '<': return measured < limit;
    case '<=': return measured <= limit;
    case '>': return measured > limit;
    case '>=': return measured >= limit;
    case '==': return measured === limit;
    case '!=': return measured !== limit;
  }
}

export interface ParseOptions {
  /** The kind of the metric the threshold applies to; when given, units and aggregation are checked against it. */
  kind?: MetricKind;
  /** The metric's catalogue unit (selects bytes-per-second for 'B/s' rates). */
  metricUnit?: string;
  /** Where the threshold comes from, for error messages, e.g. 'claims.host-rss-under-100mb'. */
  where?: string;
}

/** Parses a threshold into a pure checker. Throws GAUNTLET_CONFIG_INVALID with a message that quotes the input. */
export function parseThreshold(text: string, options: ParseOptions = {}): ParsedThreshold {
  const where = options.where ?? 'threshold';
  if (typeof text !== 'string' || text.trim() === '') {
    throw configError(where, String(text), 'expected a k6-style string such as "p50<25ms" or "count==0"');
  }
  const m = PATTERN.exec(text);
  if (!m) {
    throw configError(where, text, 'expected <aggregation><operator><value>[unit], e.g. "p50<25ms", "max<100MB", "count==0"');
  }
  const aggregation = normaliseAggregation(m[1]!);
  const op = m[2] as ThresholdOp;
  const rawValue = m[3]!;
  const kind = options.kind;

  let limit: number;
  let unit: string;
  let family: UnitFamily;
  if (/^(true|false)$/i.test(rawValue)) {
    limit = rawValue.toLowerCase() === 'true' ? 1 : 0;
    unit = '';
    family = 'boolean';
  } else {
    const v = VALUE_PATTERN.exec(rawValue);
    if (!v) throw configError(where, text, `cannot read the value ${JSON.stringify(rawValue)}: expected a number with an optional unit (ms, s, us, B, KB, MB, GB, KiB, MiB, GiB, %, x, /s, req/s, MB/s)`);
    unit = v[2]!;
    const fam = unitFamily(unit);
    if (!fam) throw configError(where, text, `unknown unit ${JSON.stringify(unit)}: use ms, s or us for time; B, KB, MB, GB (1000-based) or KiB, MiB, GiB (1024-based) for sizes; % or x for ratios; /s, req/s, msg/s, texts/s or MB/s for rates`);
    limit = Number(v[1]) * fam.factor;
    family = fam.family;
    if (kind === 'boolean' && unit === '' && (limit === 0 || limit === 1)) family = 'boolean';
  }

  if (kind) {
    const aggs = AGGREGATIONS_BY_KIND[kind];
    if (!aggs.includes(aggregation) && !/^p\d+$/.test(aggregation)) {
      throw configError(where, text, `aggregation "${m[1]}" does not apply to a ${kind} metric; use one of ${aggs.join(', ')} (e.g. "${EXAMPLE[kind]}")`);
    }
    if (/^p\d+$/.test(aggregation) && !aggs.includes('p50')) {
      throw configError(where, text, `percentiles do not apply to a ${kind} metric; use one of ${aggs.join(', ')}`);
    }
    // A latency metric's sample count is a plain number.
    const allowed = aggregation === 'count' ? (['none'] as UnitFamily[]) : allowedFamilies(kind, options.metricUnit);
    if (!allowed.includes(family)) {
      const what = family === 'none' ? 'no unit' : family === 'boolean' ? 'a boolean' : `unit "${unit}" (${family})`;
      const hint = aggregation === 'count' ? 'a plain number' : `${allowed.join(' or ')} (e.g. "${EXAMPLE[kind]}")`;
      throw configError(where, text, `${what} does not fit a ${kind} metric; expected ${hint}`);
    }
    if (kind === 'boolean' && op !== '==' && op !== '!=') {
      throw configError(where, text, `a boolean metric takes == or !=, got "${op}" (e.g. "value==true")`);
    }
  }
  if (!Number.isFinite(limit)) throw configError(where, text, 'the value is not a finite number');

  return Object.freeze({ text, aggregation, op, limit, unit, family, check: (measured: number) => compare(op, measured, limit) });
}

/** True when a larger measured value is worse for this threshold (upper bounds: <, <=). */
export function upperBound(t: ParsedThreshold): boolean {
  return t.op === '<' || t.op === '<=';
}
