/**
 * Latency histograms as static SVG with honest bins: each bar spans its bucket (lower, upper] on a log axis, so a
 * bucket whose upper bound is 10 ms but whose largest sample was 5.6 ms reads as "between 5 and 10 ms", with the
 * observed p50, p99 and max marked on the same axis.
 *
 * The report stores buckets as [upper bound ms, count]; empty ones are skipped here (harness/metrics/latency.ts uses a
 * 1-2-5 grid: 0.01, 0.02, 0.05, 0.1, ... ms, and a last bucket ending at the max past the grid). A bucket's
 * lower bound is therefore the grid value just below its upper bound, but never below the previous bucket's
 * upper bound (so that producers with other bounds still get bins that do not overlap).
 */
import type { LatencySummary } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';

export interface HistogramBin { lo: number; hi: number; count: number }

/** The largest value of the 1-2-5 grid (..., 0.5, 1, 2, 5, 10, ...) strictly below x (x > 0). */
export function gridBelow(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 0;
  let e = Math.floor(Math.log10(x));
  for (;;) {
    for (const m of [5, 2, 1]) {
      const g = Number((m * 10 ** e).toPrecision(3));
      if (g < x * (1 - 1e-9)) return g;
    }
    e--;
  }
}

/** Bins from [upper, count] buckets: sorted, empty and malformed ones dropped, lower bounds inferred (see above). */
export function histogramBins(histogram: ReadonlyArray<readonly [number, number]> | undefined): HistogramBin[] {
  const buckets = (histogram ?? [])
    .filter((b) => Array.isArray(b) && Number.isFinite(b[0]) && b[0] > 0 && Number.isFinite(b[1]) && b[1] > 0)
    .map(([hi, count]) => ({ hi, count }))
    .sort((a, b) => a.hi - b.hi);
  const bins: HistogramBin[] = [];
  for (const b of buckets) {
    const prev = bins.at(-1);
    if (prev && prev.hi === b.hi) { prev.count += b.count; continue; }
    bins.push({ lo: Math.max(prev?.hi ?? 0, gridBelow(b.hi)), hi: b.hi, count: b.count });
  }
  return bins;
}

/** Grid values (1-2-5) within [lo, hi], for axis ticks; thinned to 1-10 steps when there are too many. */
export function gridTicks(lo: number, hi: number, maxTicks = 12): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of [1, 2, 5]) {
      const g = Number((m * 10 ** e).toPrecision(3));
      if (g >= lo * (1 - 1e-9) && g <= hi * (1 + 1e-9)) out.push(g);
    }
  }
  if (out.length <= maxTicks) return out;
  const decades = out.filter((g) => /^1(0*)$|^0\.0*1$/.test(String(g)));
  return decades.length >= 2 ? decades : [out[0], out.at(-1)!];
}

function msLabel(v: number): string {
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)}s`;
  return `${+v.toPrecision(3)}`;
}

const fmtMs = (v: number) => (Number.isFinite(v) ? `${+v.toPrecision(3)} ms` : 'n/a');

/** One latency histogram; '' when there is nothing to draw. */
export function latencyHistogramSvg(name: string, l: LatencySummary, width = 560): string {
  const bins = histogramBins(l?.histogram);
  if (bins.length === 0) return '';
  const total = bins.reduce((n, b) => n + b.count, 0);
  const maxCount = Math.max(...bins.map((b) => b.count));
  const left = 44, right = 14, top = 44, plotH = 96, axisH = 34;
  const height = top + plotH + axisH;
  // A first bin that starts at 0 (a producer without a grid) is drawn from half its upper bound on the log axis.
  const lo = bins[0].lo > 0 ? bins[0].lo : bins[0].hi / 2;
  const hi = bins.at(-1)!.hi;
  const span = Math.log10(hi) - Math.log10(lo) || 1;
  const x = (v: number) => left + ((width - left - right) * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / span;
  const y = (c: number) => top + plotH - (plotH * c) / maxCount;
  const p: string[] = [];
  const summary = `latency ${name}: n=${l.count}${l.errors ? `, ${l.errors} errors` : ''}, p50 ${fmtMs(l.p50)}, p99 ${fmtMs(l.p99)}, max ${fmtMs(l.max)}`;
  p.push(`<svg class="chart chart-latency" data-key="${esc(name)}" role="img" aria-label="${esc(summary)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">`);
  p.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" class="h-axis"/>`);
  p.push(`<text x="${left - 6}" y="${top + 4}" text-anchor="end" class="h-tick">${maxCount}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end" class="h-tick">0</text>`);
  p.push(`<text x="10" y="${top + plotH / 2}" class="h-tick" transform="rotate(-90 10 ${top + plotH / 2})" text-anchor="middle">count</text>`);
  for (const b of bins) {
    const x0 = x(b.lo), x1 = x(b.hi);
    const pct = (100 * b.count) / total;
    const tip = `${b.lo > 0 ? msLabel(b.lo) : '0'} to ${msLabel(b.hi)} ms: ${b.count} of ${total} (${pct.toFixed(pct < 10 ? 1 : 0)}%)`;
    p.push(`<rect class="h-bar" x="${(x0 + 0.5).toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${Math.max(1, x1 - x0 - 1).toFixed(1)}" height="${(top + plotH - y(b.count)).toFixed(1)}" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${b.count}"><title>${esc(tip)}</title></rect>`);
    // Counts sit inside the top of tall bars, so they never meet the marker labels above the plot.
    const inside = top + plotH - y(b.count) >= 16;
    if (x1 - x0 >= 14) p.push(`<text x="${((x0 + x1) / 2).toFixed(1)}" y="${(inside ? y(b.count) + 12 : y(b.count) - 3).toFixed(1)}" text-anchor="middle" class="h-count">${b.count}</text>`);
  }
  for (const t of gridTicks(lo, hi)) {
    p.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top + plotH}" y2="${top + plotH + 4}" class="h-axis"/>`);
    p.push(`<text x="${x(t).toFixed(1)}" y="${top + plotH + 15}" text-anchor="middle" class="h-tick">${msLabel(t)}</text>`);
  }
  p.push(`<text x="${(left + width - right) / 2}" y="${height - 3}" text-anchor="middle" class="h-tick">ms (log scale; each bar spans its bucket)</text>`);
  const marks: Array<[string, number, string]> = [['p50', l.p50, 'h-p50'], ['p99', l.p99, 'h-p99'], ['max', l.max, 'h-max']];
  // Marker labels above the plot, each on the first of three lines where it overlaps no other label.
  const taken: Array<Array<[number, number]>> = [[], [], []];
  for (const [label, v, cls] of marks) {
    if (!Number.isFinite(v) || v <= 0) continue;
    const mx = x(Math.min(Math.max(v, lo), hi));
    p.push(`<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${top - 4}" y2="${top + plotH}" class="h-mark ${cls}"><title>${label} ${esc(fmtMs(v))}</title></line>`);
    const text = `${label} ${fmtMs(v)}`;
    const w = text.length * 6.2;
    const right = mx + 3 + w <= width - 2;
    const span: [number, number] = right ? [mx + 3, mx + 3 + w] : [mx - 3 - w, mx - 3];
    const row = taken.findIndex((r) => r.every(([a, b]) => span[1] < a - 4 || span[0] > b + 4));
    if (row < 0) continue; // the line and its tooltip remain
    taken[row].push(span);
    p.push(`<text x="${(right ? mx + 3 : mx - 3).toFixed(1)}" y="${top - 7 - (2 - row) * 11}" text-anchor="${right ? 'start' : 'end'}" class="h-label ${cls}-text">${esc(text)}</text>`);
  }
  p.push('</svg>');
  return `<div class="latency"><div class="chart-title">${esc(summary)}</div>${p.join('')}</div>`;
}
