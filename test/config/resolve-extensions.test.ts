/** A config's own scenarios and claims: what resolveConfig accepts, builds and refuses (with which message). */
import { describe, expect, it } from 'vitest';
import { SCENARIO_IDS as CLAIM_SCENARIO_IDS } from '../../harness/claims/types.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import type { GauntletConfig } from '../../harness/config/types.ts';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { SCENARIO_IDS } from '../../scenarios/index.ts';

const scenario = (over: Record<string, unknown> = {}) => defineScenario({
  id: 'search-embeds', title: 'Search queries', claims: ['search-p50'], quick: { texts: 3 }, full: { texts: 20 }, timeoutMs: 60_000,
  async run(ctx) { ctx.metric('search.latency.p50', 1); },
  ...over,
});

const claim = (over: Record<string, unknown> = {}) => ({
  title: 'A search query embeds in under 20 ms', source: 'docs/slo.md#search', metric: 'search.latency', kind: 'latency' as const, threshold: 'p50<20ms',
  ...over,
});

function problems(config: GauntletConfig): string {
  try {
    resolveConfig(config, { configFile: '/proj/gauntlet.config.ts' });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected resolveConfig to refuse the config');
}

describe('a config with scenarios and claims of its own', () => {
  it('resolves them beside the overrides of built-in claims', () => {
    const own = scenario();
    const c = resolveConfig({
      scenarios: [own],
      claims: {
        'host-rss-under-100mb': { threshold: 'max<80MB' },
        'search-p50': claim(),
        'fast-embeds': { title: 'Embeddings under 5 ms', source: { document: 'docs/slo.md', section: 'embed' }, metric: 'embed.latency', threshold: 'p50<5ms', severity: 'advisory' },
      },
    }, { configFile: '/proj/gauntlet.config.ts' });
    expect(c.scenarios).toEqual([own]);
    expect(c.scenarios[0]!.run).toBe(own.run);
    expect(c.claims).toEqual({ 'host-rss-under-100mb': { threshold: 'max<80MB' } });
    const [search, fast] = c.userClaims;
    expect(search).toMatchObject({
      id: 'search-p50', origin: 'config', kind: 'target', severity: 'required', source: { document: 'docs/slo.md', section: 'search' },
      metricDef: { kind: 'latency', unit: 'ms', scenarios: ['search-embeds'], latencyKey: 'search.latency' },
    });
    // A built-in metric keeps the catalogue's definition: nothing declared, nothing to carry.
    expect(fast).toMatchObject({ id: 'fast-embeds', severity: 'advisory', metric: 'embed.latency', source: { document: 'docs/slo.md', section: 'embed' } });
    expect(fast!.metricDef).toBeUndefined();
  });

  it('takes the scenarios of a metric of its own from the claim, else from the scenarios that list the claim', () => {
    const c = resolveConfig({
      scenarios: [scenario({ claims: [] }), scenario({ id: 'search-batch', claims: ['search-p50', 'search-count'] })],
      claims: { 'search-p50': claim({ scenarios: ['search-embeds'] }), 'search-count': claim({ metric: 'search.count', kind: 'count', threshold: 'count>0' }) },
    });
    expect(c.userClaims[0]!.metricDef!.scenarios).toEqual(['search-embeds', 'search-batch']);
    expect(c.userClaims[1]!.metricDef).toMatchObject({ kind: 'count', unit: 'count', scenarios: ['search-batch'] });
    expect(problems({ scenarios: [scenario({ claims: [] })], claims: { 'search-count': claim({ metric: 'search.count', kind: 'count', threshold: 'count>0' }) } }))
      .toMatch(/claims\.search-count\.scenarios: nothing records "search\.count"; name the scenario\(s\) that call ctx\.metric\("search\.count", \.\.\.\)/);
  });

  it('adds a config scenario to a built-in metric it also records', () => {
    const c = resolveConfig({ scenarios: [scenario({ claims: ['fast'] })], claims: { fast: claim({ metric: 'embed.latency', kind: undefined, threshold: 'p50<5ms' }) } });
    expect(c.userClaims[0]!.metricDef!.scenarios).toContain('latency');
    expect(c.userClaims[0]!.metricDef!.scenarios).toContain('search-embeds');
  });

  it('keeps the built-in scenario ids of the claims module and of scenarios/index.ts the same', () => {
    expect(CLAIM_SCENARIO_IDS.filter((s) => s !== 'bench').slice().sort()).toEqual([...SCENARIO_IDS].sort());
  });

  it.each<[string, GauntletConfig, RegExp]>([
    ['a built-in scenario id', { scenarios: [scenario({ id: 'latency', claims: [] })] },
      /scenarios\.0\.id: "latency" is a built-in scenario \(built-in: cold-start, .*\); give yours another id, e\.g\. "my-latency"/],
    ['a scenario id that is not kebab-case', { scenarios: [scenario({ id: 'Search Embeds', claims: [] })] },
      /scenarios\.0\.id: expected a kebab-case id \(a-z, 0-9, "-"\), e\.g\. "my-search", got "Search Embeds" \(string\)/],
    ['two scenarios with one id', { scenarios: [scenario({ claims: [] }), scenario({ claims: [] })] },
      /scenarios\.1\.id: "search-embeds" is the id of an earlier scenario of this config/],
    ['a scenario without run', { scenarios: [{ ...scenario({ claims: [] }), run: undefined } as never] },
      /scenarios\.0\.run: expected a function: async run\(ctx\) \{ \.\.\. \}, got nothing \(undefined\)/],
    ['a bad timeout', { scenarios: [scenario({ claims: [], timeoutMs: -5 })] }, /scenarios\.0\.timeoutMs: expected a positive number of ms, got -5 \(number\)/],
    ['a misspelt scenario key', { scenarios: [scenario({ claims: [], timeout: 5 })] }, /scenarios\.0: unknown key "timeout" = 5 \(number\); check the spelling or remove it/],
    ['a scenario naming an unknown claim', { scenarios: [scenario({ claims: ['serch-p50'] })], claims: { 'search-p50': claim({ scenarios: ['search-embeds'] }) } },
      /scenarios\.0\.claims\.0: no claim "serch-p50" in scenario "search-embeds"; this config's claims: search-p50/],
    ['a new claim under a built-in id', { claims: { 'host-rss-under-100mb': claim({ metric: 'host.rss', kind: undefined, threshold: 'max<80MB' }) } },
      /claims\.host-rss-under-100mb: "host-rss-under-100mb" is a built-in claim; an override takes only \{ threshold\?, severity\?, appliesTo\? \}/],
    ['an unknown override', { claims: { 'host-rss-under-100m': { threshold: 'max<1MB' } } },
      /claims\.host-rss-under-100m: no such claim; did you mean "host-rss-under-100mb".*To add a claim of your own, give it \{ title, source, metric, threshold \}/],
    ['a claim id that is not kebab-case', { scenarios: [scenario({ claims: [] })], claims: { 'Search P50': claim({ scenarios: ['search-embeds'] }) } },
      /claims\.Search P50: a claim id must be kebab-case/],
    ['a missing threshold', { scenarios: [scenario()], claims: { 'search-p50': claim({ threshold: undefined }) } },
      /claims\.search-p50\.threshold: expected a k6-style threshold such as "p50<20ms".*, got nothing \(undefined\)/],
    ['a threshold in the wrong unit', { scenarios: [scenario()], claims: { 'search-p50': claim({ threshold: 'p50<20MB' }) } },
      /claims\.search-p50\.threshold: threshold "p50<20MB": unit "MB" \(bytes\) does not fit a latency metric; expected time/],
    ['a misspelt built-in metric', { scenarios: [scenario()], claims: { 'search-p50': claim({ metric: 'embed.latncy', kind: undefined }) } },
      /claims\.search-p50\.kind: "embed\.latncy" is not a built-in metric \(did you mean "embed\.latency"/],
    ['another kind for a built-in metric', { claims: { fast: claim({ metric: 'embed.latency', kind: 'bytes', threshold: 'max<1MB' }) } },
      /claims\.fast\.kind: "embed\.latency" is a built-in latency metric, got kind "bytes"; drop `kind`/],
    ['a unit that does not fit the kind', { scenarios: [scenario()], claims: { 'search-p50': claim({ unit: 'bytes' }) } },
      /claims\.search-p50\.unit: a latency metric is in "ms", got "bytes"/],
    ['a built-in scenario for a metric of its own', { claims: { 'search-p50': claim({ scenarios: ['latency'] }) } },
      /claims\.search-p50\.scenarios: "latency" is a built-in scenario and never records your metric "search\.latency"/],
    ['an unknown scenario for a claim', { scenarios: [scenario()], claims: { 'search-p50': claim({ scenarios: ['serch-embeds'] }) } },
      /claims\.search-p50\.scenarios\[0\]: no scenario "serch-embeds"; known: cold-start, .*search-embeds/],
    ['one metric with two kinds', { scenarios: [scenario({ claims: ['search-p50', 'search-n'] })], claims: { 'search-p50': claim(), 'search-n': claim({ kind: 'count', threshold: 'count>0' }) } },
      /claims\.search-n\.kind: "search\.latency" is declared by claims\.search-p50 as latency in ms, here as count in count/],
    ['a source that is not one', { scenarios: [scenario()], claims: { 'search-p50': claim({ source: 42 }) } },
      /claims\.search-p50\.source: expected where the figure is stated: "docs\/slo\.md#latency" \(document#section\), a URL, or \{ document, section \}, got 42 \(number\)/],
    ['a bad severity', { scenarios: [scenario()], claims: { 'search-p50': claim({ severity: 'must' }) } },
      /claims\.search-p50\.severity: expected "required" \(a miss fails the run\) or "advisory", got "must"/],
    ['scenarios that are not an array', { scenarios: scenario() as never }, /scenarios: expected an array of defineScenario\(\{\.\.\.\}\) objects/],
  ])('refuses %s, naming the file, the field and the bad value', (_what, config, message) => {
    const text = problems(config);
    expect(text).toMatch(/^invalid config in \/proj\/gauntlet\.config\.ts:/);
    expect(text).toMatch(message);
  });

  it('reports every problem of a config in one pass', () => {
    const text = problems({
      scenarios: [scenario({ id: 'latency', claims: [] }), scenario({ timeoutMs: 0 })],
      claims: { 'search-p50': claim({ threshold: 'p50<20MB', scenarios: ['nope'] }), 'host-rss-under-100m': false },
    });
    expect(text.split('\n').slice(1).map((l) => l.trim().split(':')[0])).toEqual([
      'scenarios.0.id', 'scenarios.1.timeoutMs', 'claims.search-p50.scenarios[0]', 'claims.search-p50.threshold', 'claims.host-rss-under-100m',
    ]);
  });

  it('accepts a config without either (built-ins only)', () => {
    const c = resolveConfig({});
    expect(c.scenarios).toEqual([]);
    expect(c.userClaims).toEqual([]);
    expect(c.claims).toEqual({});
  });
});
