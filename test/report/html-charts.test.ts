/** Static SVG charts of report.html: latency histograms with honest bins, and restart timelines. */
import { describe, expect, it } from 'vitest';
import { gridBelow, gridTicks, histogramBins, latencyHistogramSvg } from '../../harness/report/html/latency-histogram.ts';
import { outages, shortLabel, timelineSvg } from '../../harness/report/html/timeline-svg.ts';
import { summarizeLatencies } from '../../harness/metrics/latency.ts';
import type { LatencySummary, TimelineEvent } from '../../harness/report/schema.ts';

const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
const rects = (svg: string) => [...svg.matchAll(/<rect [^>]*class="h-bar"[^>]*>/g)].map((m) => attrs(m[0]));

describe('latency histogram bins', () => {
  it('finds the 1-2-5 grid value below a bound', () => {
    expect([10, 5, 2, 1, 0.5, 0.05, 5.6, 137, 100000, 3].map(gridBelow)).toEqual([5, 2, 1, 0.5, 0.2, 0.02, 5, 100, 50000, 2]);
  });
  it('gives every bucket its own [lower, upper] span, keeps gaps, and never overlaps', () => {
    expect(histogramBins([[10, 1], [1, 14], [2, 33], [5, 2]])).toEqual([
      { lo: 0.5, hi: 1, count: 14 }, { lo: 1, hi: 2, count: 33 }, { lo: 2, hi: 5, count: 2 }, { lo: 5, hi: 10, count: 1 },
    ]);
    // Empty buckets are not stored: 2 -> 10 must not become one bar from 2 to 10.
    expect(histogramBins([[2, 3], [10, 1]])).toEqual([{ lo: 1, hi: 2, count: 3 }, { lo: 5, hi: 10, count: 1 }]);
    // The overflow bucket past the grid ends at the max; bounds off the grid never overlap the previous bin.
    expect(histogramBins([[100000, 1], [123456.7, 2]])).toEqual([{ lo: 50000, hi: 100000, count: 1 }, { lo: 100000, hi: 123456.7, count: 2 }]);
    expect(histogramBins([[3, 1], [4, 1]])).toEqual([{ lo: 2, hi: 3, count: 1 }, { lo: 3, hi: 4, count: 1 }]);
    expect(histogramBins([[0, 1], [Number.NaN, 2], [2, 0], [2, 4], [2, 1]])).toEqual([{ lo: 1, hi: 2, count: 5 }]);
    expect(histogramBins(undefined)).toEqual([]);
  });
  it('matches what the runner stores: every sample lies inside its bar', () => {
    const samples = [0.7, 0.9, 1.2, 1.9, 2.5, 5.6, 0.3, 47, 48];
    const bins = histogramBins(summarizeLatencies(samples).histogram);
    for (const s of samples) expect(bins.filter((b) => s > b.lo && s <= b.hi)).toHaveLength(1);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(samples.length);
  });
  it('ticks on the grid, thinned to decades when there are many', () => {
    expect(gridTicks(0.5, 10)).toEqual([0.5, 1, 2, 5, 10]);
    expect(gridTicks(0.01, 100000)).toEqual([0.01, 0.1, 1, 10, 100, 1000, 10000, 100000]);
  });
});

describe('latency histogram SVG', () => {
  const l: LatencySummary = { count: 50, errors: 0, min: 0.7, p50: 1.26, p90: 1.87, p99: 4.74, max: 5.6, mean: 1.4, histogram: [[1, 14], [2, 33], [5, 2], [10, 1]] };
  const svg = latencyHistogramSvg('single', l);
  it('draws one bar per bin, each spanning its bucket on the axis', () => {
    const bars = rects(svg);
    expect(bars.map((b) => [Number(b['data-lo']), Number(b['data-hi']), Number(b['data-count'])])).toEqual([[0.5, 1, 14], [1, 2, 33], [2, 5, 2], [5, 10, 1]]);
    // Adjacent bins touch (bar i ends where bar i+1 starts, give or take the 1px gap), and widths follow log spans.
    for (let i = 1; i < bars.length; i++) {
      expect(Number(bars[i].x) - (Number(bars[i - 1].x) + Number(bars[i - 1].width))).toBeCloseTo(1, 0);
    }
    const w = (i: number) => Number(bars[i].width) + 1;
    expect(w(3) / w(1)).toBeCloseTo(1, 1); // 5..10 and 1..2 are the same factor of 2
    expect(w(2) / w(1)).toBeCloseTo(Math.log10(2.5) / Math.log10(2), 1);
  });
  it('marks p50, p99 and max where the samples are: the max of 5.6 ms sits inside the 5-10 ms bar, near its left edge', () => {
    const max = attrs(svg.match(/<line [^>]*class="h-mark h-max"[^>]*>/)![0]);
    const last = rects(svg)[3];
    const x = Number(max.x1);
    expect(x).toBeGreaterThan(Number(last.x));
    expect(x).toBeLessThan(Number(last.x) + Number(last.width) / 3);
    expect(svg).toContain('max 5.6 ms');
    expect(svg).toContain('p99 4.74 ms');
    expect(svg).toContain('5 to 10 ms: 1 of 50 (2.0%)');
  });
  it('keeps marker labels apart when p50, p99 and max crowd the right edge', () => {
    const crowded = latencyHistogramSvg('recovery', { ...l, p50: 1460, p99: 1980, max: 2000, histogram: [[1000, 1], [2000, 5]] });
    const labels = [...crowded.matchAll(/<text x="([\d.]+)" y="([\d.-]+)" text-anchor="(start|end)" class="h-label[^"]*">([^<]+)</g)]
      .map((m) => { const w = m[4].length * 6.2, x = Number(m[1]); return { y: m[2], a: m[3] === 'start' ? x : x - w, b: m[3] === 'start' ? x + w : x }; });
    expect(labels).toHaveLength(3);
    for (const p of labels) for (const q of labels) if (p !== q && p.y === q.y) expect(p.b < q.a || q.b < p.a).toBe(true);
    for (const p of labels) expect(p.b).toBeLessThanOrEqual(560);
  });
  it('is empty for no histogram and shows the errors count in its title', () => {
    expect(latencyHistogramSvg('x', { ...l, histogram: [] })).toBe('');
    expect(latencyHistogramSvg('x', { ...l, errors: 3 })).toContain('n=50, 3 errors');
  });
});

describe('timeline SVG', () => {
  const ev = (t: number, kind: TimelineEvent['kind'], label: string, details?: Record<string, unknown>): TimelineEvent => ({ t, kind, label, details });
  const events = [
    ev(100, 'spawn', 'spawn pid 1'), ev(300, 'ready', 'ready pid 1'),
    ev(1000, 'fault', 'kill pid 1', { proof: { signal: 'SIGKILL' } }), ev(1010, 'crash', 'crash pid 1', { signal: 'SIGKILL', stderrTail: 'x'.repeat(5000) }),
    ev(1011, 'restart', 'restart'), ev(2080, 'ready', 'ready pid 2'),
    ev(3000, 'fault', 'pause pid 2', { proof: { signal: 'SIGSTOP' } }), ev(6000, 'hang', 'hang-detected'), ev(6500, 'ready', 'ready pid 3'),
    ev(7000, 'fault', 'kill host', { proof: { signal: 'SIGKILL' } }),
  ];
  it('finds each outage from the first fault to the next ready; an open one is left out', () => {
    expect(outages(events)).toEqual([{ from: 1000, to: 2080, cause: 'SIGKILL' }, { from: 3000, to: 6500, cause: 'SIGSTOP' }]);
    expect(shortLabel(ev(0, 'fault', 'corrupt file'))).toBe('corrupt');
    // A sweep of crashes nobody restarts (stand-in hosts dying on corrupt files) is not one long outage;
    // a crash the supervisor restarts at once is.
    const sweep = [ev(1000, 'crash', 'c1'), ev(5000, 'crash', 'c2'), ev(9000, 'crash', 'c3'), ev(9100, 'restart', 'r'), ev(9900, 'ready', 'ok')];
    expect(outages(sweep)).toEqual([{ from: 9000, to: 9900, cause: 'c3' }]);
  });
  it('draws a down row with each outage length and names the faults by signal', () => {
    const svg = timelineSvg(events, 8000);
    expect(svg).toContain('>down</text>');
    expect(svg).toContain('>1.08 s</text>');
    expect(svg).toContain('>3.5 s</text>');
    expect(svg.match(/class="tl-fault-label">SIG(KILL|STOP)</g)?.length).toBe(3);
    // Rows: what went wrong first. Long stderr tails do not end up whole in the tooltips.
    const rows = [...svg.matchAll(/class="tl-kind">([^<]+)</g)].map((m) => m[1]);
    expect(rows).toEqual(['down', 'fault', 'hang', 'crash', 'restart', 'spawn', 'ready']);
    expect(svg.length).toBeLessThan(8000);
    expect(timelineSvg([], 10)).toBe('');
  });
});
