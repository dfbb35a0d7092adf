/**
 * For `compare`: which way is better for a figure, and its unit class (which sets the absolute noise floor).
 * Claim values take the direction of their threshold's operator; scenario metrics take their unit and kind from
 * the claims metrics catalogue (name, or name + "." + aggregation), then fall back to rules on the name.
 */
import { metricDef } from '../claims/metrics-catalogue.ts';

export type Direction = 'lower' | 'higher' | 'neutral';
export type UnitClass = 'ms' | 'bytes' | 'bytesPerRequest' | 'count' | 'ratio' | 'rate' | 'other';

/** Absolute floors: a change smaller than this never counts, whatever the relative change. */
export const DEFAULT_FLOORS: Record<UnitClass, number> = {
  ms: 1,                 // timer and scheduler noise on a shared CI machine
  // 8 MiB: one RSS or heap figure per run moves by allocator arenas and GC timing; two runs of one commit differed by
  // up to 5.2 MB in a load delta and 7.9 MB in an embedder's load working set (issue 20's A/A pair).
  bytes: 8 * 1024 * 1024,
  bytesPerRequest: 16 * 1024, // a least-squares leak slope: 6 KB/request apart in that A/A pair; the claims' bound is 100 KB
  count: 0.5,            // any whole-number change counts (0 -> 1 crash matters)
  ratio: 0.01,           // one percentage point
  rate: 1,               // 1 per second
  other: 1e-9,
};

export function unitClass(unit: string | undefined): UnitClass {
  if (!unit) return 'other';
  if (unit === 'ms') return 'ms';
  if (unit === 'bytes') return 'bytes';
  if (unit === 'bytes/request') return 'bytesPerRequest';
  if (unit === 'count' || unit === 'boolean') return 'count';
  if (unit === 'ratio') return 'ratio';
  if (unit.endsWith('/s')) return 'rate';
  return 'other';
}

/** Direction of a k6-style threshold: "p50<25ms" -> lower; "rate>40" -> higher; "count==0" -> lower (counts of bad things). */
export function thresholdDirection(threshold: string): Direction {
  const m = /(<=|>=|==|!=|<|>)/.exec(threshold ?? '');
  if (!m) return 'neutral';
  if (m[1].startsWith('<') || m[1] === '==') return 'lower';
  if (m[1].startsWith('>')) return 'higher';
  return 'neutral';
}

function catalogue(name: string): { unit: string; kind: string; aggregation: string } | undefined {
  const parts = name.split('.');
  for (let i = parts.length; i > 0; i--) {
    const def = metricDef(parts.slice(0, i).join('.'));
    if (def) return { unit: def.unit, kind: def.kind, aggregation: parts.slice(i).join('.') };
  }
  return undefined;
}

/** Unit class and better direction of a scenario metric, e.g. "embed.latency.p50" -> ms, lower. */
export function metricInfo(name: string): { unitClass: UnitClass; direction: Direction } {
  const def = catalogue(name);
  if (def) {
    const agg = def.aggregation;
    if (agg === 'count' && def.kind === 'latency') return { unitClass: 'count', direction: 'neutral' }; // sample count
    if (agg === 'errors') return { unitClass: 'count', direction: 'lower' };
    const unit = unitClass(def.unit);
    if (def.kind === 'rate') return { unitClass: unit, direction: 'higher' };
    if (def.kind === 'ratio') return { unitClass: unit, direction: /share/i.test(name) ? 'neutral' : 'higher' };
    if (def.kind === 'boolean') return { unitClass: 'count', direction: 'neutral' };
    if (/^limits\.|modelBytes|model\.bytes|connections$|maxInFlight/.test(name)) return { unitClass: unit, direction: 'neutral' };
    return { unitClass: unit, direction: 'lower' };
  }
  const n = name.toLowerCase();
  if (/(rps|persec|per_sec|throughput|rate$)/.test(n)) return { unitClass: 'rate', direction: 'higher' };
  if (/(availability|recovered|completed|cosine|ratio)/.test(n)) return { unitClass: 'ratio', direction: 'higher' };
  if (/(slope)/.test(n)) return { unitClass: 'other', direction: 'lower' };
  if (/(crash|error|mismatch|orphan|fail|leak)/.test(n)) return { unitClass: 'count', direction: 'lower' };
  if (/(rss|heap|bytes|memory)/.test(n)) return { unitClass: 'bytes', direction: 'lower' };
  if (/(ms$|\.p\d+$|\.mean$|\.max$|\.min$|latency|duration|restart|coldstart)/.test(n)) return { unitClass: 'ms', direction: 'lower' };
  if (/(count|tried|total)/.test(n)) return { unitClass: 'count', direction: 'neutral' };
  return { unitClass: 'other', direction: 'lower' };
}
