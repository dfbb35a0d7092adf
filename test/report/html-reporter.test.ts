import { describe, expect, it } from 'vitest';
import { renderReportHtml, thinSeries } from '../../harness/report/html-reporter.ts';
import { jsonForScript } from '../../harness/report/html/render-html.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { RunReport } from '../../harness/report/schema.ts';
import { scanHtml } from './html-scan.ts';
import { minimalReport } from './helpers.ts';

const report = sampleReport(1234);
const html = await renderReportHtml(report);
const scan = scanHtml(html);
const REMOTE = /^\s*(https?:)?\/\//i;

function dataOf(page: string): RunReport {
  const s = scanHtml(page).raw.find((r) => r.tag.attrs.id === 'report-data');
  if (!s) throw new Error('no #report-data');
  return JSON.parse(s.content) as RunReport;
}

describe('report.html is self-contained', () => {
  it('loads nothing from elsewhere: no src/href/srcset/data pointing outside, no link, no CSS url() or @import', () => {
    const offending = scan.tags.filter((t) => ['src', 'href', 'srcset', 'data', 'poster', 'action', 'xlink:href'].some((a) => a in t.attrs && (REMOTE.test(t.attrs[a]) || (t.name !== 'a' && a === 'href' && !t.attrs[a].startsWith('#')))));
    expect(offending.map((t) => `<${t.name} ${JSON.stringify(t.attrs)}>`)).toEqual([]);
    expect(scan.tags.filter((t) => t.name === 'script' && 'src' in t.attrs)).toEqual([]);
    expect(scan.tags.filter((t) => ['link', 'img', 'iframe', 'object', 'embed', 'base', 'meta'].includes(t.name) && t.name !== 'meta')).toEqual([]);
    expect(scan.tags.filter((t) => t.name === 'meta' && 'http-equiv' in t.attrs)).toEqual([]);
    for (const style of scan.raw.filter((r) => r.tag.name === 'style')) {
      expect(style.content).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
    }
    for (const t of scan.tags.filter((x) => 'style' in x.attrs)) expect(t.attrs.style).not.toMatch(/url\(/i);
  });
  it('has http(s) URLs only inside the data and uPlot\'s banner comment', () => {
    expect(scan.textOutsideRaw).not.toMatch(/https?:\/\//);
    const scripts = scan.raw.filter((r) => r.tag.name === 'script' && r.tag.attrs.id !== 'report-data');
    expect(scripts.length).toBe(2);
    const uplot = scripts.find((s) => s.content.startsWith('/*! https://github.com/leeoniya/uPlot'));
    expect(uplot).toBeDefined();
    for (const s of scripts) {
      const body = s === uplot ? s.content.slice(s.content.indexOf('*/') + 2) : s.content;
      expect(body).not.toMatch(/https?:\/\//);
    }
    for (const s of scan.raw.filter((r) => r.tag.name === 'style')) expect(s.content).not.toMatch(/https?:\/\//);
  });
  it('inlines uPlot, its CSS and the client script', () => {
    expect(html.includes('var uPlot=function()')).toBe(true);
    expect(html.includes('.uplot')).toBe(true);
    expect(html.includes("byId('report-data')")).toBe(true);
  });
  it('stays under 2 MB for the 70-run fixture', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    expect(Buffer.byteLength(html)).toBeGreaterThan(200 * 1024); // the data really is in there
  });
});

describe('embedded data', () => {
  it('round-trips the report exactly (series here are below the thinning limit)', () => {
    expect(dataOf(html)).toEqual(JSON.parse(JSON.stringify(report)));
  });
  it('cannot close its script element or open a comment, whatever the strings hold', async () => {
    const r = minimalReport();
    const evil = '</script><script>alert(1)</script><!-- </SCRIPT > \u2028';
    r.scenarios[1].notes.push(evil);
    const page = await renderReportHtml(r);
    const block = scanHtml(page).raw.find((x) => x.tag.attrs.id === 'report-data')!;
    expect(block.content.toLowerCase()).not.toContain('</script');
    expect(block.content).not.toContain('<!--');
    expect(dataOf(page).scenarios[1].notes).toContain(evil);
    expect(jsonForScript({ a: '<' })).toBe('{"a":"\\u003c"}');
    // Rendered as text in the page, never as markup.
    expect(scanHtml(page).tags.filter((t) => t.name === 'script').length).toBe(3);
  });
  it('thins long series to the limit, keeping first, last and the extremes', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ t: i, value: i === 5_000 ? 999 : i % 7 }));
    const thin = thinSeries(pts, 500);
    expect(thin.length).toBeLessThanOrEqual(500);
    expect(thin[0]).toBe(pts[0]);
    expect(thin.at(-1)).toBe(pts.at(-1));
    expect(thin.some((p) => p.value === 999)).toBe(true);
    expect(thin.every((p, i) => i === 0 || p.t > thin[i - 1].t)).toBe(true);
    expect(thinSeries(pts.slice(0, 100), 500)).toHaveLength(100);
  });
});

describe('layout', () => {
  it('puts the header, then the matrix first, then scenarios, benchmarks, and environment with the reproduce command last', () => {
    const order = ['<header class="result result-fail"', 'id="matrix"', 'class="scenario"', 'id="bench"', 'id="environment"', 'id="command"'].map((s) => html.indexOf(s));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('Exit code <strong>1</strong>: at least one required claim failed');
  });
  it('shows bench figures as `gauntlet bench` prints them, so a miss just over its bound does not read as the bound', () => {
    const bench = html.slice(html.indexOf('<section id="bench"'), html.indexOf('</section>', html.indexOf('<section id="bench"')));
    expect(bench).toContain('<td>1.70 ms</td><td></td><td class="mark-fail">MISS</td>');
    expect(bench).toContain('<td>0.041 ms</td><td></td><td class="mark-pass">PASS</td>');
  });
  it('gives every matrix cell a text mark, a class and a tooltip with value, threshold, reason and source', () => {
    const cells = scan.tags.filter((t) => t.name === 'td' && 'data-claim' in t.attrs);
    expect(cells.length).toBe(report.verdicts.length);
    const fail = cells.find((c) => c.attrs['data-claim'] === 'host-crashes' && c.attrs['data-adapter'] === 'in-process')!;
    expect(fail.attrs.class).toContain('mark-fail');
    for (const part of ['value: 1\n', 'threshold: count==0', 'reason: The host died by SIGABRT', 'source: seed 000']) expect(fail.attrs.title).toContain(part);
  });
  it('has one .scenario section per scenario, each with a chart when it has series, latency or a timeline', () => {
    const sections = scan.tags.filter((t) => t.name === 'section' && t.attrs.class === 'scenario');
    const ids = [...new Set(report.scenarios.map((s) => s.scenario))];
    expect(sections.map((s) => s.attrs['data-scenario'])).toEqual(ids);
    sections.forEach((s, k) => {
      const end = sections[k + 1]?.start ?? html.indexOf('<section id="bench"');
      const chunk = html.slice(s.start, end);
      const runs = report.scenarios.filter((r) => r.scenario === s.attrs['data-scenario']);
      const hasData = runs.some((r) => Object.values(r.series ?? {}).some((x) => x?.length) || Object.keys(r.latency ?? {}).length);
      expect(chunk).toContain('class="figures"');
      if (hasData) expect(chunk).toMatch(/class="chart chart-(memory|latency)"/);
      expect(chunk).toContain('<svg class="chart chart-timeline"');
    });
  });
  it('shows the host death with its signal and the stderr tail as text', () => {
    const section = html.slice(html.indexOf('data-scenario="corrupt-gguf"'), html.indexOf('data-scenario="model-file-changed"'));
    expect(section).toContain('signal SIGABRT');
    expect(section).toContain('&lt;script&gt;alert(&quot;not html&quot;)&lt;/script&gt;');
    expect(section).not.toContain('\u001b');
  });
  it('renders the minimal report: no series, no latency, no bench, a harness error', async () => {
    const page = await renderReportHtml(minimalReport());
    const s = scanHtml(page);
    expect(page).toContain('result-error');
    expect(page).not.toContain('id="bench"');
    expect(s.tags.filter((t) => t.name === 'section' && t.attrs.class === 'scenario')).toHaveLength(1);
    expect(page).toContain('class="figures"');
    expect(page).toContain('GAUNTLET_TIMEOUT');
    expect(page).toContain('host did not answer &quot;ready&quot; &lt;in time&gt; &amp; gave up');
    expect(dataOf(page).seed).toBe(42);
  });
  it('renders a report with no verdict and no scenario', async () => {
    const r = { ...minimalReport(), scenarios: [], verdicts: [] };
    const page = await renderReportHtml(r);
    expect(page).toContain('No claim was evaluated in this run.');
    expect(scanHtml(page).tags.some((t) => t.attrs.id === 'matrix')).toBe(true);
  });
});

describe('scenario figure units', () => {
  it('takes the unit from the catalogue, else from the name: bytes, camel-case ...Ms as ms, bare counts', async () => {
    const { unitOf } = await import('../../harness/report/html/render-scenarios.ts');
    expect(unitOf('memoryPressure.large.loadMs')).toBe('ms');
    expect(unitOf('hang.deadlineMs')).toBe('ms');
    expect(unitOf('restartLimit.giveUpMs')).toBe('ms');
    expect(unitOf('coldStart.loadMs.max')).toBe('ms');
    expect(unitOf('memoryPressure.rssGrowth.100')).toBe('bytes');
    expect(unitOf('memoryPressure.requests')).toBe('');
    expect(unitOf('corrupt.items')).toBe('');
  });
});
