/** A config's own claims through the verdict engine: pass, fail, inconclusive, with the user's source. */
import { describe, expect, it } from 'vitest';
import { claimsForConfig } from '../../harness/claims/catalogue.ts';
import { evaluateClaims } from '../../harness/claims/evaluate.ts';
import { formatSource } from '../../harness/claims/seeds.ts';
import { parseUserSource } from '../../harness/claims/user-claims.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { summarizeLatencies } from '../../harness/metrics/latency.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';

const config = resolveConfig({
  scenarios: [defineScenario({ id: 'search-embeds', title: 'Search', claims: ['search-p50', 'search-dims'], quick: {}, full: {}, timeoutMs: 10_000, async run() {} })],
  claims: {
    'search-p50': { title: 'Search under 20 ms', source: 'docs/slo.md#search', metric: 'search.latency', kind: 'latency', threshold: 'p50<20ms', stated: 'p50 under 20 ms' },
    'search-dims': { title: 'Vectors have 64 dims', source: { document: 'https://example.com/slo' }, metric: 'search.dims', kind: 'count', threshold: 'value==64', severity: 'advisory' },
    'embed-fast': { title: 'Embeddings under 5 ms', source: 'docs/slo.md#embed', metric: 'embed.latency', threshold: 'p50<5ms' },
  },
});
const claims = claimsForConfig(config.claims, config.userClaims);
const own = (rows: ReturnType<typeof evaluateClaims>) => Object.fromEntries(rows.filter((r) => r.origin === 'config').map((r) => [r.claim, r]));

function result(scenario: string, over: Partial<ScenarioResult> = {}): ScenarioResult {
  return { scenario, title: scenario, adapter: 'reference', status: 'completed', durationMs: 100, metrics: {}, timeline: [], errors: [], notes: [], ...over };
}

describe('claims of a config', () => {
  it('are evaluated after the built-in ones, with origin "config" and the user\'s source', () => {
    expect(claims.slice(-3).map((c) => c.id)).toEqual(['search-p50', 'search-dims', 'embed-fast']);
    const rows = evaluateClaims(claims, [result('search-embeds', { latency: { 'search.latency': summarizeLatencies([3, 4, 5]) }, metrics: { 'search.dims': 64 } })], [{ name: 'reference', kind: 'process' }]);
    const r = own(rows);
    expect(r['search-p50']).toMatchObject({ verdict: 'pass', value: 4, unit: 'ms', severity: 'required', source: 'docs/slo.md §search', threshold: 'p50<20ms' });
    expect(r['search-p50']!.reason).toBe('p50 4 ms meets p50<20ms (docs/slo.md §search: p50 under 20 ms)');
    expect(r['search-dims']).toMatchObject({ verdict: 'pass', value: 64, severity: 'advisory', source: 'https://example.com/slo' });
    expect(rows.filter((v) => v.origin === undefined).length).toBeGreaterThan(50);
  });

  it('fail when the figure misses, and read ctx.metric keys as well as ctx.latency summaries', () => {
    const rows = own(evaluateClaims(claims, [result('search-embeds', { metrics: { 'search.latency.p50': 31, 'search.dims': 32 } })], ['reference']));
    expect(rows['search-p50']).toMatchObject({ verdict: 'fail', value: 31 });
    expect(rows['search-p50']!.reason).toMatch(/^p50 31 ms misses p50<20ms/);
    expect(rows['search-dims']).toMatchObject({ verdict: 'fail', value: 32 });
  });

  it('are inconclusive, not passed, when their scenario did not run or did not record the metric', () => {
    const notRun = own(evaluateClaims(claims, [result('latency', { latency: { single: summarizeLatencies([1, 2, 3]) } })], ['reference']));
    expect(notRun['search-p50']).toMatchObject({ verdict: 'inconclusive', value: null });
    expect(notRun['search-p50']!.reason).toBe('not measured: search-embeds did not run for reference (search.latency.p50 comes from that scenario)');
    // The claim on a built-in metric is measured by the built-in scenario.
    expect(notRun['embed-fast']).toMatchObject({ verdict: 'pass', value: 2 });

    const silent = own(evaluateClaims(claims, [result('search-embeds')], ['reference']));
    expect(silent['search-dims']!.verdict).toBe('inconclusive');
    expect(silent['search-dims']!.reason).toBe('not measured: search-embeds completed without reporting search.dims');
    const died = own(evaluateClaims(claims, [result('search-embeds', { status: 'host-died', errors: [{ code: 'GAUNTLET_HOST_DIED', message: 'x', signal: 'SIGKILL' }] })], ['reference']));
    expect(died['search-p50']!.reason).toMatch(/search-embeds: the host died before measuring \(signal SIGKILL\)/);
  });

  it('are not applicable to adapter kinds they exclude', () => {
    const c = resolveConfig({
      scenarios: [defineScenario({ id: 'search-embeds', title: 'Search', claims: ['search-p50'], quick: {}, full: {}, timeoutMs: 10_000, async run() {} })],
      claims: { 'search-p50': { title: 't', source: 'docs/slo.md', metric: 'search.latency', kind: 'latency', threshold: 'p50<20ms', appliesTo: ['http'] } },
    });
    const [row] = evaluateClaims(c.userClaims, [result('search-embeds', { metrics: { 'search.latency.p50': 1 } })], [{ name: 'reference', kind: 'process' }]);
    expect(row).toMatchObject({ verdict: 'not-applicable', origin: 'config' });
  });

  it.each([
    ['docs/slo.md#latency', { document: 'docs/slo.md', section: 'latency' }, 'docs/slo.md §latency'],
    ['docs/slo.md', { document: 'docs/slo.md' }, 'docs/slo.md'],
    ['https://example.com/slo#p50', { document: 'https://example.com/slo', section: 'p50' }, 'https://example.com/slo §p50'],
    ['docs/slo.md#', { document: 'docs/slo.md' }, 'docs/slo.md'],
  ])('source %j is %j, shown as %j', (text, parsed, shown) => {
    expect(parseUserSource(text)).toEqual(parsed);
    expect(formatSource(parseUserSource(text))).toBe(shown);
  });
});
