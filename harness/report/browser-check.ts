/**
 * Opens a report.html in real headless Chromium (driven by playwright-core, which stays a dev dependency: it is
 * imported lazily) from its file:// URL and records what a reader would see: console errors, uncaught page
 * errors, every request the page made, the matrix's shape and which charts were drawn. `reportHtmlProblems()`
 * turns that record plus the RunReport the page was made from into a list of plain-English problems (empty = good).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GauntletError, toError } from '../util/errors.ts';
import { buildMatrix } from './matrix.ts';
import type { RunReport, ScenarioResult } from './schema.ts';

/** Flags that keep Chromium quiet and offline: no sandbox (containers), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium to use: $GAUNTLET_CHROMIUM when set (it must exist), else the first system install found. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env.GAUNTLET_CHROMIUM;
  if (wanted) return existsSync(wanted) ? wanted : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export interface BrowserCheckOptions {
  /** Chromium binary; default findChromium(). */
  executablePath?: string;
  /** Full-page PNG path; default report.png beside the HTML; false for none. */
  screenshot?: string | false;
  /** PNG of the matrix alone; default none. */
  matrixScreenshot?: string;
  /** Deadline for launch, load and each step, in ms. Default 60 000. */
  timeoutMs?: number;
  viewport?: { width: number; height: number };
}

export interface SectionCheck { scenario: string; charts: number; drawn: number; errors: string[] }

export interface BrowserCheckResult {
  url: string;
  durationMs: number;
  consoleErrors: string[];
  pageErrors: string[];
  /** Every URL the page requested, in order, the report itself included. */
  requests: string[];
  /** Requests other than the report's own file (all were aborted). */
  foreignRequests: string[];
  matrix: { visible: boolean; rows: number; columns: number; cells: number; verdictCells: number; width: number; height: number; pageWidth: number };
  sections: SectionCheck[];
  /** Text of every `.chart-error` box (a chart the client script could not draw). */
  chartErrors: string[];
  screenshot?: string;
  matrixScreenshot?: string;
}

interface PageFacts { matrix: BrowserCheckResult['matrix']; sections: SectionCheck[]; chartErrors: string[] }

/**
 * Runs in the page: what is on screen. A chart counts as drawn when its canvas or SVG has a non-zero size.
 * Kept as plain JavaScript text: a TypeScript function would be rewritten by the loader (tsx adds `__name()`
 * calls), and those helpers do not exist inside the page.
 */
const COLLECT_FACTS = `(() => {
  const m = document.querySelector('#matrix');
  const box = m ? m.getBoundingClientRect() : null;
  const style = m ? getComputedStyle(m) : null;
  const sized = (g) => {
    if (!g) return false;
    const b = g.getBoundingClientRect();
    if (!(b.width > 0 && b.height > 0)) return false;
    return g instanceof HTMLCanvasElement ? g.width > 0 && g.height > 0 : true;
  };
  const text = (e) => (e.textContent || '').trim();
  const sections = Array.from(document.querySelectorAll('section.scenario[data-scenario]')).map((sec) => {
    const charts = Array.from(sec.querySelectorAll('.chart'));
    const drawn = charts.filter((c) => sized(c instanceof SVGSVGElement ? c : c.querySelector('canvas, svg'))).length;
    return { scenario: sec.getAttribute('data-scenario') || '', charts: charts.length, drawn,
      errors: Array.from(sec.querySelectorAll('.chart-error')).map(text) };
  });
  const count = (sel) => (m ? m.querySelectorAll(sel).length : 0);
  return {
    matrix: {
      visible: !!m && !!box && box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
      rows: count('tbody tr'), columns: count('thead th'), cells: count('tbody td.cell'), verdictCells: count('tbody td[data-claim]'),
      width: box ? box.width : 0, height: box ? box.height : 0, pageWidth: document.documentElement.clientWidth,
    },
    sections,
    chartErrors: Array.from(document.querySelectorAll('.chart-error')).map(text),
  };
})()`;

async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (e) {
    throw new GauntletError('GAUNTLET_USAGE', 'the browser check needs playwright-core: run `npm install` (it is a dev dependency)', { cause: e });
  }
}

/** Opens `htmlFile` in headless Chromium, blocks every request but the file itself, and reports what it saw. */
export async function checkReportInBrowser(htmlFile: string, options: BrowserCheckOptions = {}): Promise<BrowserCheckResult> {
  const file = path.resolve(htmlFile);
  if (!existsSync(file)) throw new GauntletError('GAUNTLET_USAGE', `no report at ${file}: run \`gauntlet run\` first or pass the path of a report.html`);
  const executablePath = options.executablePath ?? findChromium();
  if (!executablePath) throw new GauntletError('GAUNTLET_USAGE', 'no Chromium found (looked at $GAUNTLET_CHROMIUM, ' + CANDIDATES.join(', ') + '): install it (Debian: apt-get install chromium) or set GAUNTLET_CHROMIUM');
  const timeout = options.timeoutMs ?? 60_000;
  const url = pathToFileURL(file).href;
  const { chromium } = await loadPlaywright();
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-chromium-'));
  const t0 = Date.now();
  const result: BrowserCheckResult = {
    url, durationMs: 0, consoleErrors: [], pageErrors: [], requests: [], foreignRequests: [],
    matrix: { visible: false, rows: 0, columns: 0, cells: 0, verdictCells: 0, width: 0, height: 0, pageWidth: 0 }, sections: [], chartErrors: [],
  };
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath, headless: true, args: CHROMIUM_ARGS, timeout, viewport: options.viewport ?? { width: 1280, height: 900 },
      serviceWorkers: 'block', acceptDownloads: false,
    });
    context.setDefaultTimeout(timeout);
    await context.route('**/*', (route) => {
      const u = route.request().url();
      result.requests.push(u);
      if (u.split('#')[0] === url) return route.continue();
      result.foreignRequests.push(u);
      return route.abort();
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error') result.consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => result.pageErrors.push(toError(err).message));
    await page.goto(url, { waitUntil: 'load', timeout });
    // The client draws synchronously at the end of <body>; one frame lets the canvases settle.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r()))');
    const facts = await page.evaluate(COLLECT_FACTS) as PageFacts;
    Object.assign(result, facts);
    const shot = options.screenshot === undefined ? path.join(path.dirname(file), 'report.png') : options.screenshot;
    if (shot) { await page.screenshot({ path: shot, fullPage: true, timeout }); result.screenshot = shot; }
    if (options.matrixScreenshot && facts.matrix.visible) {
      await page.locator('#claims').screenshot({ path: options.matrixScreenshot, timeout });
      result.matrixScreenshot = options.matrixScreenshot;
    }
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
    result.durationMs = Date.now() - t0;
  }
  return result;
}

/** A run whose section should show at least one drawn chart: it has samples, a latency histogram or timeline events. */
export function runHasChartData(r: ScenarioResult): boolean {
  return Object.values(r.series ?? {}).some((s) => Array.isArray(s) && s.length > 0)
    || Object.values(r.latency ?? {}).some((l) => Array.isArray(l?.histogram) && l.histogram.length > 0)
    || (r.timeline ?? []).some((e) => e && Number.isFinite(e.t));
}

/** What is wrong with the page, judged against the report it was rendered from. Empty when all is well. */
export function reportHtmlProblems(check: BrowserCheckResult, report: RunReport): string[] {
  const problems: string[] = [];
  for (const e of check.consoleErrors) problems.push(`console error: ${e}`);
  for (const e of check.pageErrors) problems.push(`page error: ${e}`);
  for (const u of check.foreignRequests) problems.push(`network request (the page must be self-contained): ${u}`);
  const m = buildMatrix(report);
  const want = { rows: m.rows.length, columns: m.rows.length ? m.adapters.length + 3 : 0, cells: m.rows.length * m.adapters.length, verdictCells: m.rows.reduce((n, r) => n + r.cells.filter(Boolean).length, 0) };
  if (!check.matrix.visible && m.rows.length) problems.push('#matrix is not visible');
  for (const k of ['rows', 'columns', 'cells', 'verdictCells'] as const) {
    if (check.matrix[k] !== want[k]) problems.push(`#matrix has ${check.matrix[k]} ${k}, expected ${want[k]}`);
  }
  for (const e of check.chartErrors) problems.push(`chart not drawn: ${e}`);
  const ids = [...new Set((report.scenarios ?? []).map((s) => s.scenario))];
  const seen = check.sections.map((s) => s.scenario);
  if (seen.join('\n') !== ids.join('\n')) problems.push(`scenario sections ${JSON.stringify(seen)}, expected ${JSON.stringify(ids)}`);
  for (const id of ids) {
    const withData = (report.scenarios ?? []).some((r) => r.scenario === id && runHasChartData(r));
    const s = check.sections.find((x) => x.scenario === id);
    if (withData && (!s || s.drawn === 0)) problems.push(`scenario ${id} has data but no drawn chart (${s?.charts ?? 0} .chart elements)`);
  }
  return problems;
}
