import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleReporter, formatDuration } from '../../harness/report/console-reporter.ts';
import { renderJunit } from '../../harness/report/junit-reporter.ts';
import { renderMarkdown } from '../../harness/report/markdown-reporter.ts';
import { createReporters, writeReports, REPORTER_NAMES } from '../../harness/report/reporters.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';
import type { Reporter } from '../../harness/report/reporter.ts';
import { findAll, parseXml } from './xml-wellformed.ts';
import { minimalReport, sink, tempDir } from './helpers.ts';

const report = sampleReport(1234);
const tmp = tempDir('reporters');
afterAll(() => tmp.cleanup());

describe('createReporters', () => {
  it('accepts names, [name, options] and reporter objects', () => {
    const custom: Reporter = { name: 'mine' };
    const list = createReporters(['json', ['junit', { file: 'x.xml' }], custom]);
    expect(list.map((r) => r.name)).toEqual(['json', 'junit', 'mine']);
    expect(createReporters(['html', {}]).map((r) => r.name)).toEqual(['html']);
    const hooked: Reporter = { name: 'hooked', onRunEnd: async () => [] };
    expect(createReporters(['json', hooked as never]).map((r) => r.name)).toEqual(['json', 'hooked']);
    expect(createReporters().map((r) => r.name).sort()).toEqual([...REPORTER_NAMES].sort());
  });
  it('rejects an unknown name, quoting it and listing the known ones', () => {
    expect(() => createReporters(['json', 'xml'])).toThrow(/reporters\[1\]: unknown reporter "xml"; use one of json, junit/);
    expect(() => createReporters([['html', 'big' as never]])).toThrow(/options of "html" must be an object, got "big"/);
  });
});

describe('writeReports on the sample report', () => {
  it('writes every file and returns their paths', async () => {
    const files = await writeReports(report, tmp.dir, createReporters(['json', 'junit', 'markdown', 'html']));
    expect(files.map((f) => path.basename(f))).toEqual(['report.json', 'junit.xml', 'summary.md', 'report.html']);
    const back = JSON.parse(readFileSync(path.join(tmp.dir, 'report.json'), 'utf8'));
    expect(back).toEqual(JSON.parse(JSON.stringify(report)));
    expect(readFileSync(path.join(tmp.dir, 'report.json'), 'utf8')).toContain('\n  "seed": 1234,');
  });
  it('runs the other reporters when one fails, then reports the failure', async () => {
    const broken: Reporter = { name: 'broken', onRunEnd: async () => { throw new Error('disk full'); } };
    const err = await writeReports(report, tmp.dir, [broken, ...createReporters(['markdown'])]).catch((e) => e);
    expect(err.message).toMatch(/broken: disk full.*summary\.md/);
  });
});

describe('junit', () => {
  const xml = renderJunit(report);
  const root = parseXml(xml);
  const cases = findAll(root, 'testcase');

  it('is well-formed XML with one testcase per verdict row', () => {
    expect(root.name).toBe('testsuites');
    expect(cases.length).toBe(report.verdicts.length);
    expect(Number(root.attrs.tests)).toBe(report.verdicts.length);
    for (const v of report.verdicts) expect(cases.some((c) => c.attrs.classname === v.adapter && c.attrs.name === v.claim)).toBe(true);
  });
  it('fails only required failures, with value, threshold and reason in the message', () => {
    const failures = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    const required = report.verdicts.filter((v) => v.verdict === 'fail' && v.severity === 'required');
    expect(failures.length).toBe(required.length);
    expect(Number(root.attrs.failures)).toBe(required.length);
    const msg = failures[0].children.find((x) => x.name === 'failure')!.attrs.message;
    expect(msg).toContain('host-crashes on in-process: measured 1 count, threshold count==0.');
    expect(msg).toContain('SIGABRT');
  });
  it('emits advisory misses as passing testcases with a property and system-out', () => {
    const adv = report.verdicts.filter((v) => v.verdict === 'fail' && v.severity === 'advisory');
    expect(adv.length).toBeGreaterThan(0);
    for (const v of adv) {
      const c = cases.find((x) => x.attrs.classname === v.adapter && x.attrs.name === v.claim)!;
      expect(c.children.map((x) => x.name)).not.toContain('failure');
      expect(findAll(c, 'property').some((p) => p.attrs.name === 'advisory-miss' && p.attrs.value === 'true')).toBe(true);
      expect(findAll(c, 'system-out')[0].text).toMatch(/^ADVISORY MISS/);
    }
  });
  it('skips inconclusive and not-applicable rows, saying which', () => {
    const skipped = cases.flatMap((c) => findAll(c, 'skipped'));
    const expected = report.verdicts.filter((v) => v.verdict === 'inconclusive' || v.verdict === 'not-applicable');
    expect(skipped.length).toBe(expected.length);
    expect(skipped.some((s) => s.attrs.message.startsWith('inconclusive: '))).toBe(true);
    expect(skipped.some((s) => s.attrs.message.startsWith('not applicable: '))).toBe(true);
  });
  it('carries the host death with its stderr tail, escaped and without control characters', () => {
    const errs = findAll(root, 'system-err').map((e) => e.text).join('\n');
    expect(errs).toContain('host-died GAUNTLET_HOST_DIED');
    expect(errs).toContain('<script>alert("not html")</script> & </script>');
    expect(errs).not.toContain('\u001b');
    expect(errs).toContain('Aborted (core dumped)');
  });
  it('escapes hostile claim and adapter names', () => {
    const r = minimalReport();
    r.verdicts[0].claim = 'a<b>&"c\'';
    r.verdicts[0].reason = 'bad \u0000 byte \u001b[1m and ]]> end';
    const parsed = parseXml(renderJunit(r));
    expect(findAll(parsed, 'testcase')[0].attrs.name).toBe('a<b>&"c\'');
  });
});

describe('markdown', () => {
  const md = renderMarkdown(report);
  it('puts the headline and the required failures before the matrix', () => {
    expect(md.startsWith('# gauntlet: FAIL (exit 1)')).toBe(true);
    const fails = md.indexOf('## Required claim failures');
    const matrix = md.indexOf('## Claims x adapters');
    expect(fails).toBeGreaterThan(0);
    expect(matrix).toBeGreaterThan(fails);
    expect(md.slice(fails, matrix)).toContain('**host-crashes** on `in-process`');
  });
  it('has one matrix row per claim with text marks and no emoji', () => {
    const claims = new Set(report.verdicts.map((v) => v.claim));
    const section = md.slice(md.indexOf('## Claims x adapters'));
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| claim'));
    expect(rows.length).toBe(claims.size);
    expect(section).toMatch(/\| FAIL 1 count \|/);
    expect(section).toContain('| WARN ');
    expect(section).toContain('| N/A |');
    expect(section).toContain('| INC |');
    expect(/\p{Extended_Pictographic}/u.test(md)).toBe(false);
  });
  it('says how to reproduce', () => {
    expect(md).toContain('## Reproduce');
    expect(md).toContain('npx gauntlet run --seed 1234 --out reports/latest');
  });
  it('renders the minimal report (harness error, exit 2)', () => {
    const m = renderMarkdown(minimalReport());
    expect(m.startsWith('# gauntlet: ERROR (exit 2)')).toBe(true);
    expect(m).toContain('**harness-error**');
    expect(m).toContain('Required claim failures\n\nNone.');
  });
});

describe('console', () => {
  it('prints progress with elapsed and ETA to one stream and the matrix to the other', async () => {
    const progress = sink();
    const out = sink();
    let now = 0;
    const r = consoleReporter({ progress, out, now: () => now });
    r.onRunStart!({ seed: 7, command: 'x', quick: false, adapters: ['a', 'b'], scenarios: ['s1', 's2'], totalRuns: 4 });
    const runs = [['s1', 'a'], ['s1', 'b'], ['s2', 'a'], ['s2', 'b']];
    runs.forEach(([scenario, adapter], index) => {
      r.onScenarioStart!({ scenario, title: scenario, adapter, index, total: 4 });
      now += 10_000;
      r.onScenarioEnd!({ scenario, title: scenario, adapter, status: 'completed', durationMs: 10_000, metrics: {}, timeline: [], errors: [], notes: [] });
    });
    const p = progress.text();
    expect(p).toContain('2 scenarios x 2 adapters = 4 runs, seed 7');
    expect(p).toContain('[1/4] s1 x a  (elapsed 0.0s, ETA ?)');
    expect(p).toContain('[3/4] s2 x a  (elapsed 20.0s, ETA 20.0s)');
    expect(p).toContain('completed in 10.0s');
    expect(out.text()).toBe('');
    expect(await r.onRunEnd!(report, tmp.dir)).toEqual([]);
    const o = out.text();
    expect(o).toMatch(/host-crashes\s+req\s+PASS\s+PASS\s+PASS\s+PASS\s+FAIL/);
    expect(o).toContain('corrupt-gguf on in-process: host-died by SIGABRT');
    expect(o).toContain('exit 1: at least one required claim failed');
  });
  it('formats durations', () => {
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(83_000)).toBe('1m23s');
    expect(formatDuration(3_700_000)).toBe('1h01m');
  });
});

describe('the XML checker used above', () => {
  it.each([
    ['<a><b></a></b>', /closes/],
    ['<a x=1/>', /not quoted/],
    ['<a>1 < 2</a>', /expected a name|raw "<"/],
    ['<a>&nbsp;</a>', /unknown entity/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a>\u0001</a>', /control character/],
    ['<a/><b/>', /after the root/],
  ])('rejects %j', (src, why) => {
    expect(() => parseXml(src)).toThrow(why);
  });
});
