/**
 * node-llama-cpp as an optional peer dependency. This checkout has it (a devDependency); GAUNTLET_NODE_LLAMA_CPP=off
 * makes it count as absent, which is what a lean install (test/package/install.test.ts) has for real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { benchScenarioResult } from '../../harness/bench/claim-metrics.ts';
import { runBench } from '../../harness/bench/run-bench.ts';
import { CLAIMS, evaluateClaims } from '../../harness/claims/index.ts';
import { defaultAdapters } from '../../harness/config/defaults.ts';
import { resolveAdapter, resolveConfig } from '../../harness/config/resolve-config.ts';
import { nodeLlamaCpp, REFERENCE_ADAPTERS, REFERENCE_INSTALL } from '../../harness/engines/node-llama-cpp.ts';

afterEach(() => { delete process.env.GAUNTLET_NODE_LLAMA_CPP; });

describe('with node-llama-cpp installed (this checkout)', () => {
  it('finds it, and the defaults hold every reference adapter', () => {
    expect(nodeLlamaCpp()?.version).toMatch(/^3\./);
    const names = Object.keys(defaultAdapters());
    expect(names).toEqual(expect.arrayContaining(['reference', 'reference-uds', 'reference-ndjson', 'reference-http', 'in-process', 'reference-standby']));
    expect(names.every((n) => (REFERENCE_ADAPTERS as readonly string[]).includes(n))).toBe(true);
  });
});

describe('without node-llama-cpp (GAUNTLET_NODE_LLAMA_CPP=off)', () => {
  it('the defaults hold no adapter; asking for a reference one names the command that adds it', () => {
    process.env.GAUNTLET_NODE_LLAMA_CPP = 'off';
    expect(nodeLlamaCpp()).toBeNull();
    const config = resolveConfig({ adapters: { mine: { kind: 'http', baseUrl: 'http://127.0.0.1:1' } } });
    expect(Object.keys(config.adapters)).toEqual(['mine']);
    expect(() => resolveAdapter(config, 'reference')).toThrow(`adapter "reference" is not available: it needs node-llama-cpp, an optional peer dependency of gauntlet that is turned off here (GAUNTLET_NODE_LLAMA_CPP=off); add it with: ${REFERENCE_INSTALL}; known adapters now: mine`);
    expect(() => resolveAdapter(config, 'nope')).toThrow('unknown adapter "nope"; known adapters: mine');
    expect(() => resolveConfig({ defaultAdapters: ['reference'] })).toThrow(/defaultAdapters: "reference" \(string\) is gauntlet's reference embedder, which needs node-llama-cpp.*npm install -D node-llama-cpp; or remove it from defaultAdapters/);
  });

  it('the bench skips isolation and overhead with the command, and the claim they feed is not applicable with it', async () => {
    process.env.GAUNTLET_NODE_LLAMA_CPP = 'off';
    const r = await runBench({ quick: true, sections: ['isolation', 'overhead'] });
    expect(r.skipped.map((s) => s.section)).toEqual(['isolation', 'overhead']);
    for (const s of r.skipped) expect(s.reason).toContain(REFERENCE_INSTALL);
    const [v] = evaluateClaims(CLAIMS.filter((c) => c.id === 'host-rss-reduction-over-80pct'), [benchScenarioResult(r)], ['bench']);
    expect(v).toMatchObject({ verdict: 'not-applicable' });
    expect(v!.reason).toContain(REFERENCE_INSTALL);
  });

  it('the same claim stays inconclusive when isolation was skipped for another reason (it can come out either way)', () => {
    const r = { skipped: [{ section: 'isolation', reason: 'no time left in the 55 s budget' }], targets: [] } as never;
    const [v] = evaluateClaims(CLAIMS.filter((c) => c.id === 'host-rss-reduction-over-80pct'), [benchScenarioResult(r)], ['bench']);
    expect(v!.verdict).toBe('inconclusive');
  });
});
