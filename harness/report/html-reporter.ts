/** report.html: one self-contained page (see html/render-html.ts); series are thinned to keep the file small. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from './reporter.ts';
import type { RunReport, SamplePoint } from './schema.ts';
import { renderHtml, type HtmlAssets } from './html/render-html.ts';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

let assetsPromise: Promise<HtmlAssets> | undefined;

/** uPlot (from node_modules) and our client script and stylesheet, read once per process. */
export function loadHtmlAssets(): Promise<HtmlAssets> {
  assetsPromise ??= (async () => {
    const uplotDir = path.dirname(require.resolve('uplot/package.json'));
    const [uplotJs, uplotCss, clientJs, css] = await Promise.all([
      readFile(path.join(uplotDir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
      readFile(path.join(uplotDir, 'dist', 'uPlot.min.css'), 'utf8'),
      readFile(path.join(HERE, 'html', 'client.js'), 'utf8'),
      readFile(path.join(HERE, 'html', 'style.css'), 'utf8'),
    ]);
    return { uplotJs, uplotCss, clientJs, css };
  })();
  return assetsPromise;
}

/**
 * At most `max` points, keeping the first, the last and each bucket's minimum and maximum (spikes survive,
 * which a plain stride would drop). Returns the input when it is already short enough.
 */
export function thinSeries(points: SamplePoint[], max: number): SamplePoint[] {
  if (points.length <= max || max < 4) return points;
  const buckets = Math.floor((max - 2) / 2);
  const inner = points.slice(1, -1);
  const size = inner.length / buckets;
  const out: SamplePoint[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const slice = inner.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    let lo = slice[0], hi = slice[0];
    for (const p of slice) { if (p.value < lo.value) lo = p; if (p.value > hi.value) hi = p; }
    if (lo === hi) out.push(lo);
    else out.push(...(lo.t <= hi.t ? [lo, hi] : [hi, lo]));
  }
  out.push(points[points.length - 1]);
  return out;
}

/** A copy of the report whose series hold at most maxPoints points each (the page embeds this copy). */
export function thinReport(report: RunReport, maxPoints: number): RunReport {
  let thinned = 0;
  const scenarios = (report.scenarios ?? []).map((s) => {
    if (!s.series) return s;
    const series: NonNullable<typeof s.series> = {};
    for (const [k, v] of Object.entries(s.series)) {
      if (!Array.isArray(v)) continue;
      const t = thinSeries(v, maxPoints);
      if (t !== v) thinned++;
      series[k] = t;
    }
    return { ...s, series };
  });
  if (thinned === 0) return report;
  return { ...report, scenarios };
}

export interface HtmlReporterOptions { file?: string; /** Per series, in the page (report.json keeps all). Default 1500. */ maxPointsPerSeries?: number }

/** Renders the page as a string. */
export async function renderReportHtml(report: RunReport, options: HtmlReporterOptions = {}): Promise<string> {
  return renderHtml(thinReport(report, options.maxPointsPerSeries ?? 1500), await loadHtmlAssets());
}

export function htmlReporter(options: HtmlReporterOptions = {}): Reporter {
  return {
    name: 'html',
    async onRunEnd(report, outDir) {
      const file = path.resolve(outDir, options.file ?? 'report.html');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, await renderReportHtml(report, options));
      return [file];
    },
  };
}
