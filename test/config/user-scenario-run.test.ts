/**
 * A config's own scenario and claim in a real `gauntlet run` (bin/gauntlet.mjs, the reference embedder): the scenario
 * embeds through ctx.startHost() and records its metric; the claim on it is in report.json, junit.xml, summary.md
 * and report.html, fails the run (exit 1) when its threshold cannot hold and passes it (exit 0) when it holds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import type { RunReport } from '../../harness/report/schema.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-user-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `import { defineConfig, defineScenario } from 'gauntlet';

export default defineConfig({
  scenarios: [
    defineScenario({
      id: 'search-embeds',
      title: 'Search: queries embedded one at a time',
      claims: ['search-p50'],
      quick: { texts: 4 },
      full: { texts: 20 },
      timeoutMs: 60_000,
      async run(ctx) {
        const host = await ctx.startHost();
        const durations: number[] = [];
        let dims = 0;
        for (let i = 0; i < ctx.sizes.texts; i++) {
          const t0 = performance.now();
          const vector = await host.embed(\`query \${i}\`, { signal: ctx.signal });
          durations.push(performance.now() - t0);
          dims = vector.length;
        }
        ctx.latency('search.latency', durations);
        ctx.metric('search.dims', dims);
        await host.close();
      },
    }),
  ],
  claims: {
    'search-p50': {
      title: 'A search query embeds fast', source: 'docs/slo.md#search', metric: 'search.latency', kind: 'latency',
      threshold: process.env.SEARCH_THRESHOLD ?? 'p50<30s',
    },
    'search-dims': { title: 'Vectors are not empty', source: { document: 'docs/slo.md', section: 'dims' }, metric: 'search.dims', kind: 'count', threshold: 'value>0', severity: 'advisory', scenarios: ['search-embeds'] },
  },
});
`;
const configFile = path.join(dir, 'gauntlet.config.ts');
writeFileSync(configFile, CONFIG);

function gauntlet(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), ...args], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

async function runWith(threshold: string, out: string) {
  const r = await gauntlet(['run', '--config', configFile, '--adapter', 'reference', '--scenario', 'search-embeds', '--quick', '--bench', 'off', '--out', out], { SEARCH_THRESHOLD: threshold });
  const read = (f: string) => readFileSync(path.join(out, f), 'utf8');
  return { ...r, report: JSON.parse(read('report.json')) as RunReport, junit: read('junit.xml'), summary: read('summary.md'), html: read('report.html') };
}

describe('a config scenario and claim in a real run', () => {
  it('lists the config scenario and claims, and refuses an unknown scenario naming it', async () => {
    const list = await gauntlet(['run', '--config', configFile, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^config scenarios \(gauntlet\.config\.ts\): search-embeds$/m);
    expect(list.stdout).toMatch(/^config claims \(gauntlet\.config\.ts\): search-p50, search-dims$/m);
    const bad = await gauntlet(['run', '--config', configFile, '--scenario', 'search-embed', '--bench', 'off']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--scenario: unknown scenario "search-embed"; valid values: cold-start, .*soak, search-embeds/);
  }, 60_000);

  it('fails the run (exit 1) when the claim cannot hold, and shows it with its source in every report', async () => {
    const r = await runWith('p50<0.001ms', path.join(dir, 'fail'));
    expect(r.code, r.stderr).toBe(1);
    const scen = r.report.scenarios.find((s) => s.scenario === 'search-embeds')!;
    expect(scen.status).toBe('completed');
    expect(scen.latency?.['search.latency']?.count).toBe(4);
    expect(scen.metrics['search.dims']).toBeGreaterThan(0);

    const row = r.report.verdicts.find((v) => v.claim === 'search-p50' && v.adapter === 'reference')!;
    expect(row).toMatchObject({ verdict: 'fail', severity: 'required', origin: 'config', source: 'docs/slo.md §search', threshold: 'p50<0.001ms', unit: 'ms' });
    expect(row.value).toBeGreaterThan(0.001);
    expect(row.reason).toMatch(/^p50 .* misses p50<0\.001ms$/);
    expect(r.report.verdicts.find((v) => v.claim === 'search-dims')).toMatchObject({ verdict: 'pass', origin: 'config', source: 'docs/slo.md §dims' });
    // Built-in claims sit beside it; those whose scenarios did not run are inconclusive.
    expect(r.report.verdicts.find((v) => v.claim === 'cold-start-under-5s' && v.adapter === 'reference')!.verdict).toBe('inconclusive');

    expect(r.junit).toMatch(/<testcase classname="reference" name="search-p50"[^>]*>\s*<properties>[\s\S]*?<property name="source" value="docs\/slo\.md §search"\/>\s*<property name="origin" value="config"\/>[\s\S]*?<failure message="search-p50 on reference: measured [^"]*threshold p50&lt;0\.001ms/);
    expect(r.stdout).toMatch(/^search-p50 \(config\)\s+req\s+FAIL\b/m);
    expect(r.summary).toMatch(/^# gauntlet: FAIL \(exit 1\)/);
    expect(r.summary).toMatch(/## Required claim failures\n\n- \*\*search-p50\*\* on `reference`: .*_\(docs\/slo\.md §search\)_/);
    expect(r.summary).toMatch(/^\| search-p50 \| required \| `p50<0\.001ms` \| FAIL /m);
    expect(r.summary).toMatch(/## Claims from the config\n\n- FAIL \*\*search-p50\*\*[^\n]*_\(docs\/slo\.md §search\)_\n- PASS \*\*search-dims\*\*/);
    expect(r.html).toMatch(/<th scope="row" title="docs\/slo\.md §search">search-p50 <span class="own"[^>]*>config<\/span><\/th>/);
    expect(r.html).toMatch(/<td class="cell mark-fail"[^>]*data-claim="search-p50" data-adapter="reference" data-verdict="fail"/);
    expect(r.html).toMatch(/<li class="own-claim" data-claim="search-p50"><strong>search-p50<\/strong> <span class="mark-fail tag">FAIL<\/span>[^<]*<code>reference<\/code>.*?\(docs\/slo\.md §search\)<\/span><\/li>/);
  }, 180_000);

  it('passes the run (exit 0) when the claim holds', async () => {
    const r = await runWith('p50<30s', path.join(dir, 'pass'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.verdicts.find((v) => v.claim === 'search-p50')).toMatchObject({ verdict: 'pass', origin: 'config', threshold: 'p50<30s' });
    expect(r.junit).toMatch(/<testcase classname="reference" name="search-p50"[^>]*>\s*<properties>[\s\S]*?<property name="verdict" value="pass"\/>[\s\S]*?<\/properties>\s*<\/testcase>/);
    expect(r.summary).toMatch(/^# gauntlet: PASS \(exit 0\)/);
    expect(r.summary).toMatch(/^\| search-p50 \| required \| `p50<30s` \| PASS /m);
    expect(r.html).toMatch(/data-claim="search-p50" data-adapter="reference" data-verdict="pass"/);
  }, 180_000);
});
