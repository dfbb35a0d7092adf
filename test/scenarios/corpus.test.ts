/**
 * corpus through the runner, real host and embedder: the clean reference passes every category; an engine that
 * answers a zero vector for any non-ASCII text (issue 23's new-user trial, which passed every claim before) fails
 * embeddings-match-reference with the broken categories named and the worst text quoted, plain ASCII passing; each
 * corpus fault switch of the reference embedder breaks its category alone.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/corpus.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { evaluateOne } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import { CORPUS_CATEGORY_IDS } from '../../harness/corpus/categories.ts';
import type { ScenarioResult, VerdictRow } from '../../harness/report/schema.ts';
import { num, runWith } from './throughput-run.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ORACLE_EMBEDDER = path.join(here, 'fixtures', 'oracle-embedder.ts');

function verdict(r: ScenarioResult): VerdictRow {
  return evaluateOne(resolveClaim(CLAIMS.find((c) => c.id === 'embeddings-match-reference')!), [r], { name: r.adapter, kind: 'process' });
}
const failing = (v: VerdictRow) => v.evidence.breakdown!.parts.filter((p) => p.verdict === 'fail').map((p) => p.key);

describe('corpus scenario', { timeout: 90_000 }, () => {
  it('clean reference: every category at cosine >= 0.9999, the same texts for every adapter of a seed', async () => {
    const r = await runWith(scenario, 'reference', { seed: 7 });
    expect(r.status).toBe('completed');
    const parts = r.breakdowns?.['correctness.minCosine']?.parts ?? [];
    expect(parts.map((p) => p.key)).toEqual([...CORPUS_CATEGORY_IDS]);
    for (const p of parts) expect(p.value, p.key).toBeGreaterThanOrEqual(0.9999);
    expect(num(r, 'correctness.minCosine.min')).toBeGreaterThanOrEqual(0.9999);
    expect(num(r, 'corpus.textsWithoutVector')).toBe(0);
    const v = verdict(r);
    expect(v.verdict).toBe('pass');
    expect(failing(v)).toEqual([]);
    const http = await runWith(scenario, 'reference-http', { seed: 7 });
    expect(http.breakdowns?.['correctness.minCosine']?.parts.map((p) => p.worst)).toEqual(parts.map((p) => p.worst));
  });

  it('an engine that answers zero vectors for non-ASCII text fails, naming the categories and quoting the worst text', async () => {
    const r = await runWith(scenario, 'reference-ndjson', {
      command: () => ['env', 'ORACLE_EMBEDDER_ZERO_NON_ASCII=1', process.execPath, '--import', 'tsx', ORACLE_EMBEDDER],
    });
    expect(r.status).toBe('completed');
    const v = verdict(r);
    expect(v.verdict).toBe('fail');
    const broken = failing(v);
    for (const c of ['accents-nfc', 'accents-nfd', 'cjk', 'emoji', 'combining', 'rtl']) expect(broken).toContain(c);
    for (const c of ['ascii', 'near-limit', 'padding', 'repeated']) expect(broken).not.toContain(c);
    expect(v.reason).toMatch(/by category: .*CJK 0 \(worst "/);
    expect(v.reason).toMatch(/every other category meets min>=0\.9999/);
  });

  it.each([
    ['no-nfd', 'accents-nfc'],
    ['no-cjk-split', 'cjk'],
    ['pad-batch', 'padding'],
    ['short-context=1', 'near-limit'],
  ])('fault %s breaks %s alone', async (fault, category) => {
    const r = await runWith(scenario, 'reference', { faults: fault });
    expect(r.status).toBe('completed');
    const v = verdict(r);
    expect(v.verdict).toBe('fail');
    expect(failing(v)).toEqual([category]);
    if (category === 'near-limit') expect(v.reason).toMatch(/no vector: GAUNTLET_\w+: .*too-many-tokens|the context holds at most 126/);
  });
});
