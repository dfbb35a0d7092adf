/**
 * Records what node-llama-cpp does with each corruption variant, each in its own child process, and asserts that
 * `check` is a sufficient guard: no variant check accepts kills or hangs the process. Also confirms the
 * catalogue's knowledge: the variants marked `llamaRisk: 'abort'` really kill it, and the NaN ones really load
 * and give NaN vectors (which is why check scans data).
 *
 * By default a representative subset runs (every variant check accepts, every abort/nan one, one JS-error case
 * per part): about a minute. GAUNTLET_SLOW=1 runs all of them (several minutes on 2 cores).
 */
import { describe, expect, it } from 'vitest';
import { CORRUPTIONS } from '../../harness/gguf/corrupt.ts';
import { describeLlama, recordCorruptionBehaviour, type CorruptionRow } from '../../harness/gguf/corruption-report.ts';

const ALL = process.env.GAUNTLET_SLOW === '1';

function subset(): string[] {
  if (ALL) return CORRUPTIONS.map((v) => v.id);
  const ids = new Set<string>();
  for (const v of CORRUPTIONS) if (v.expect === 'accepted' || v.llamaRisk === 'nan' || v.llamaRisk === 'none') ids.add(v.id);
  for (const id of ['duplicate-token', 'pooling-type-99', 'token-types-f16', 'block-count-zero']) ids.add(id);
  for (const part of ['header', 'metadata', 'tensor-info', 'tensor-data', 'semantics']) {
    const v = CORRUPTIONS.find((x) => x.part === part && x.llamaRisk === 'js-error');
    if (v) ids.add(v.id);
  }
  return [...ids];
}

describe('node-llama-cpp on the corruption catalogue (child processes)', () => {
  const ids = subset();
  let rows: CorruptionRow[] = [];

  it(`records ${ids.length} variants`, async () => {
    rows = await recordCorruptionBehaviour({ ids, seed: 1, probeTimeoutMs: 30_000 });
    expect(rows.map((r) => r.variant.id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect(r.llama, r.variant.id).toBeDefined();
  }, 30 * 60_000);

  it('every variant check accepts loads without killing or hanging the process (check is a sufficient guard)', () => {
    const accepted = rows.filter((r) => r.check.ok);
    expect(accepted.length).toBeGreaterThan(0);
    const fatal = accepted.filter((r) => r.llama!.outcome === 'killed' || r.llama!.outcome === 'timeout');
    expect(fatal.map((r) => `${r.variant.id}: ${describeLlama(r.llama)}`)).toEqual([]);
    // and none of them yields NaN vectors either
    expect(accepted.filter((r) => r.llama!.hasNaN).map((r) => r.variant.id)).toEqual([]);
  });

  it("variants marked llamaRisk 'abort' really kill node-llama-cpp, and check rejects them", () => {
    const aborting = rows.filter((r) => r.variant.llamaRisk === 'abort');
    expect(aborting.length).toBeGreaterThan(0);
    for (const r of aborting) {
      expect(r.check.ok, r.variant.id).toBe(false);
      expect(r.llama!.outcome, `${r.variant.id}: ${describeLlama(r.llama)}`).toBe('killed');
    }
  });

  it("variants marked llamaRisk 'nan' load and give NaN vectors, and check rejects them", () => {
    const nan = rows.filter((r) => r.variant.llamaRisk === 'nan');
    expect(nan.length).toBeGreaterThan(0);
    for (const r of nan) {
      expect(r.check.ok, r.variant.id).toBe(false);
      expect(r.llama!.outcome, `${r.variant.id}: ${describeLlama(r.llama)}`).toBe('embedded');
      expect(r.llama!.hasNaN, r.variant.id).toBe(true);
    }
  });

  it("variants marked llamaRisk 'none' load and embed finite vectors (check is conservative there)", () => {
    for (const r of rows.filter((x) => x.variant.llamaRisk === 'none')) {
      expect(r.llama!.outcome, `${r.variant.id}: ${describeLlama(r.llama)}`).toBe('embedded');
      expect(r.llama!.hasNaN, r.variant.id).toBe(false);
    }
  });

  it("variants marked llamaRisk 'hang' get no answer before the deadline", () => {
    for (const r of rows.filter((x) => x.variant.llamaRisk === 'hang')) {
      expect(r.llama!.outcome, `${r.variant.id}: ${describeLlama(r.llama)}`).toBe('timeout');
    }
  });

  it("variants marked llamaRisk 'js-error' fail with a JS error and leave the process alive", () => {
    for (const r of rows.filter((x) => x.variant.llamaRisk === 'js-error')) {
      expect(['load-error', 'embed-error'], `${r.variant.id}: ${describeLlama(r.llama)}`).toContain(r.llama!.outcome);
    }
  });
});
