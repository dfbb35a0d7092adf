/** Human-readable figures for verdict reasons. */
import type { MetricDef } from './metrics-catalogue.ts';

function trim(n: number, digits = 3): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, '');
  return Number(n.toPrecision(digits)).toString();
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1e9) return `${trim(bytes / 1e9)} GB`;
  if (abs >= 1e6) return `${trim(bytes / 1e6)} MB`;
  if (abs >= 1e3) return `${trim(bytes / 1e3)} KB`;
  return `${trim(bytes)} B`;
}

export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${trim(ms / 1000)} s`;
  if (abs < 1 && abs > 0) return `${trim(ms * 1000)} us`;
  return `${trim(ms)} ms`;
}

/** A value of a metric in its natural unit: "84.2 MB", "12.5 ms", "97.5%", "41.3 req/s", "true". */
export function formatValue(value: number, def: MetricDef<string>, opts: { aggregation?: string; family?: string } = {}): string {
  if (opts.aggregation === 'count' && def.kind !== 'count') return trim(value);
  switch (def.kind) {
    case 'bytes': return def.unit === 'bytes/request' ? `${formatBytes(value)}/request` : formatBytes(value);
    case 'latency': return formatMs(value);
    case 'count': return trim(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'ratio':
      if (def.unit === 'bytes/dim') return `${trim(value)} bytes/dim`;
      if (opts.family === 'percent') return `${trim(value * 100, 4)}%`;
      if (opts.family === 'times') return `${trim(value)}x`;
      return Number(value.toPrecision(6)).toString();
    case 'rate': return def.unit === 'B/s' ? `${formatBytes(value)}/s` : `${trim(value)} ${def.unit}`;
  }
}
