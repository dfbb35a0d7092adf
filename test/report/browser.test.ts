/**
 * report.html in real headless Chromium, from its file:// URL: no console or page error, no request beyond the
 * file, the matrix visible with the right shape, a drawn chart in every scenario section that has data, and a
 * full-page report.png beside the report. Skipped only when no Chromium is installed; with
 * GAUNTLET_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReportInBrowser, findChromium, reportHtmlProblems, runHasChartData, type BrowserCheckResult } from '../../harness/report/browser-check.ts';
import { renderReportHtml } from '../../harness/report/html-reporter.ts';
import { buildMatrix } from '../../harness/report/matrix.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport } from '../../harness/report/schema.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { tempDir } from './helpers.ts';

const chromiumPath = findChromium();
const required = process.env.GAUNTLET_REQUIRE_BROWSER === '1';
const PNG_MAGIC = '89504e470d0a1a0a';

if (!chromiumPath && !required) {
  console.warn('browser.test.ts: SKIPPED, no Chromium found (/usr/bin/chromium or $GAUNTLET_CHROMIUM). Install it (apt-get install chromium) to run the report.html browser check.');
}

describe.runIf(!chromiumPath && required)('browser check (GAUNTLET_REQUIRE_BROWSER=1)', () => {
  it('requires Chromium', () => {
    throw new Error('GAUNTLET_REQUIRE_BROWSER=1 but no Chromium was found at /usr/bin/chromium (or $GAUNTLET_CHROMIUM): install it (apt-get install chromium) so report.html can be checked in a browser');
  });
});

describe.runIf(!!chromiumPath)('report.html in headless Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => { tmp = tempDir('browser'); });
  afterAll(() => tmp?.cleanup());

  async function open(report: RunReport, name: string): Promise<{ file: string; check: BrowserCheckResult }> {
    const file = path.join(tmp.dir, name, 'report.html');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await renderReportHtml(report));
    const check = await checkReportInBrowser(file, { executablePath: chromiumPath, matrixScreenshot: path.join(path.dirname(file), 'matrix.png') });
    return { file, check };
  }

  describe('the 14 x 5 fixture (sampleReport(1234))', () => {
    const report = sampleReport(1234);
    const matrix = buildMatrix(report);
    let file = '';
    let check: BrowserCheckResult;

    it('loads with no console error, no page error, and no request but the file itself', async () => {
      ({ file, check } = await open(report, 'fixture'));
      expect(check.consoleErrors).toEqual([]);
      expect(check.pageErrors).toEqual([]);
      expect(check.foreignRequests).toEqual([]);
      expect(check.requests).toEqual([check.url]);
    }, 120_000);

    it('shows #matrix with one row per claim and one cell per claim x adapter', () => {
      expect(matrix.rows.length).toBeGreaterThan(5);
      expect(check.matrix.visible).toBe(true);
      expect(check.matrix.rows).toBe(matrix.rows.length);
      expect(check.matrix.columns).toBe(3 + report.adapters.length);
      expect(check.matrix.cells).toBe(matrix.rows.length * report.adapters.length);
      expect(check.matrix.verdictCells).toBe(report.verdicts.length);
      // Readable: the table fits the page width, so no cell is cut off to the right.
      expect(check.matrix.width).toBeLessThanOrEqual(check.matrix.pageWidth);
    });

    it('draws at least one chart (canvas or SVG with a non-zero size) in every scenario section that has data', () => {
      const ids = [...new Set(report.scenarios.map((s) => s.scenario))];
      expect(check.sections.map((s) => s.scenario)).toEqual(ids);
      const withData = ids.filter((id) => report.scenarios.some((r) => r.scenario === id && runHasChartData(r)));
      expect(withData.length).toBeGreaterThan(5);
      for (const id of withData) expect(check.sections.find((s) => s.scenario === id)!.drawn, id).toBeGreaterThan(0);
      expect(check.chartErrors).toEqual([]);
      // Every uPlot box got its canvas, not just the SVG timelines.
      const total = check.sections.reduce((n, s) => n + s.charts, 0);
      expect(check.sections.reduce((n, s) => n + s.drawn, 0)).toBe(total);
    });

    it('finds no problem when judged against its report, and saves a full-page report.png beside it', () => {
      expect(reportHtmlProblems(check, report)).toEqual([]);
      expect(check.screenshot).toBe(path.join(path.dirname(file), 'report.png'));
      const png = readFileSync(check.screenshot!);
      expect(png.subarray(0, 8).toString('hex')).toBe(PNG_MAGIC);
      expect(png.readUInt32BE(16)).toBe(1280); // IHDR width: the viewport
      expect(png.readUInt32BE(20)).toBeGreaterThan(3000); // IHDR height: the whole page, not one screen
      if (process.env.GAUNTLET_KEEP_SCREENSHOT) writeFileSync(process.env.GAUNTLET_KEEP_SCREENSHOT, png);
    });
  });

  it('catches what it is meant to catch: a remote request, a thrown error and an undrawn chart', async () => {
    const report = sampleReport(7);
    const file = path.join(tmp.dir, 'broken', 'report.html');
    mkdirSync(path.dirname(file), { recursive: true });
    const html = (await renderReportHtml(report))
      .replace('</body>', '<img src="https://example.invalid/pixel.png"><script>throw new Error("planted")</script></body>')
      .replace('data-kind="memory" data-run="0"', 'data-kind="memory" data-run="99999"');
    writeFileSync(file, html);
    const check = await checkReportInBrowser(file, { executablePath: chromiumPath, screenshot: false });
    expect(check.foreignRequests).toEqual(['https://example.invalid/pixel.png']);
    expect(check.pageErrors.join('\n')).toContain('planted');
    expect(check.chartErrors.join('\n')).toContain('no run #99999');
    const problems = reportHtmlProblems(check, report);
    expect(problems.some((p) => p.startsWith('network request'))).toBe(true);
    expect(problems.some((p) => p.startsWith('page error'))).toBe(true);
    expect(problems.some((p) => p.startsWith('chart not drawn'))).toBe(true);
    expect(check.screenshot).toBeUndefined();
    expect(existsSync(path.join(path.dirname(file), 'report.png'))).toBe(false);
  }, 120_000);

  // A real one-scenario run (about 7 s on this machine): the page the CLI writes, not only the fixture.
  it('checks a report.html written by a real `gauntlet run` (reference adapter, latency, quick)', async () => {
    const out = path.join(tmp.dir, 'real');
    const run = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'run', '--adapter', 'reference', '--scenario', 'latency', '--quick', '--bench', 'off', '--reporter', 'json', '--reporter', 'html', '--out', out],
      { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL' });
    expect(run.error, run.stderr).toBeUndefined();
    expect([0, 1], `gauntlet run exited ${run.status}: ${run.stderr.slice(-800)}`).toContain(run.status);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    const check = await checkReportInBrowser(path.join(out, 'report.html'), { executablePath: chromiumPath });
    expect(reportHtmlProblems(check, report)).toEqual([]);
    expect(check.matrix.rows).toBeGreaterThan(0);
    expect(check.sections.map((s) => s.scenario)).toEqual(['latency']);
    expect(check.sections[0].drawn).toBeGreaterThanOrEqual(3); // memory chart + single and batch10 latency histograms
    expect(statSync(path.join(out, 'report.png')).size).toBeGreaterThan(10_000);
  }, 150_000);
});
