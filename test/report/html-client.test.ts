/**
 * The client script in real headless Chromium: a memory series with one or two samples is drawn as dots (uPlot
 * draws no line through fewer than two points), and the folded "not measured" matrix group unfolds on click.
 * Skipped when no Chromium is installed, like browser.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../../harness/report/browser-check.ts';
import { renderReportHtml } from '../../harness/report/html-reporter.ts';
import type { RunReport, VerdictRow } from '../../harness/report/schema.ts';
import { minimalReport, tempDir } from './helpers.ts';

const chromiumPath = findChromium();

function sparseReport(): RunReport {
  const r = minimalReport();
  const run = r.scenarios[0];
  run.status = 'completed';
  run.errors = [];
  run.durationMs = 2000;
  // One host heap sample (blue), two embedder anon samples (red): neither can make a line.
  run.series = { hostHeapUsed: [{ t: 1200, value: 40 * 1024 * 1024 }], embedderRssAnon: [{ t: 300, value: 20 * 1024 * 1024 }, { t: 1800, value: 22 * 1024 * 1024 }] };
  run.timeline = [{ t: 900, kind: 'fault', label: 'kill pid 1', details: { proof: { signal: 'SIGKILL' } } }];
  const inc = (i: number): VerdictRow => ({ claim: `inc-${i}`, adapter: r.adapters[0], severity: 'advisory', verdict: 'inconclusive', value: null, unit: 'ms', threshold: 'p50<1ms', source: 's', reason: 'not measured: x', evidence: { scenarios: [] } });
  r.verdicts = Array.from({ length: 8 }, (_, i) => inc(i));
  return r;
}

describe.runIf(!!chromiumPath)('report.html client in headless Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => { tmp = tempDir('html-client'); });
  afterAll(() => tmp?.cleanup());

  it('draws sparse memory series as dots and unfolds the not-measured group', async () => {
    const file = path.join(tmp.dir, 'sparse', 'report.html');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await renderReportHtml(sparseReport()));
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(path.join(tmp.dir, 'profile'), {
      executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 }, timeout: 30_000,
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      // Pixels of each series colour in the memory chart's canvas (uPlot draws series and points there).
      const counts = await page.evaluate(`(() => {
        const c = document.querySelector('.chart-memory canvas');
        if (!c) return null;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const near = (i, rgb) => Math.abs(d[i] - rgb[0]) < 30 && Math.abs(d[i + 1] - rgb[1]) < 30 && Math.abs(d[i + 2] - rgb[2]) < 30 && d[i + 3] > 200;
        let blue = 0, red = 0;
        for (let i = 0; i < d.length; i += 4) { if (near(i, [37, 99, 235])) blue++; if (near(i, [220, 38, 38])) red++; }
        return { blue, red, title: document.querySelector('.chart-memory .chart-title').textContent };
      })()`) as { blue: number; red: number; title: string } | null;
      expect(errors).toEqual([]);
      expect(counts).not.toBeNull();
      expect(counts!.blue).toBeGreaterThan(20);
      expect(counts!.red).toBeGreaterThan(20);
      expect(counts!.title).toContain('dots: series with fewer than 3 samples');
      const visibleRows = () => page.evaluate(`document.querySelectorAll('#matrix tbody tr').length - document.querySelectorAll('#matrix tbody.collapsed tr:not(:first-child)').length`);
      expect(await visibleRows()).toBe(1);
      await page.click('#matrix button.toggle-rows');
      expect(await visibleRows()).toBe(8);
    } finally {
      await context.close();
    }
  }, 60_000);
});
