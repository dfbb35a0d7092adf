import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsForConfig } from '../../harness/claims/index.ts';
import { generateModel } from '../../harness/gguf/generator.ts';
import { boundForTypes, MEASURED, modelReferenceBound, REFERENCE_COSINE, UNMEASURED_TYPE_COSINE } from '../../harness/gguf/reference-bound.ts';
import { writeQ4_1Model } from '../../harness/gguf/oracle-test-models.ts';
import { GgmlType } from '../../harness/gguf/types.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'ref-bound-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('embeddings-match-reference bound per weight type', () => {
  it('each bound leaves at least 5x the worst measured deficit of its type, and none is tighter than 0.9999', () => {
    for (const [t, bound] of Object.entries(REFERENCE_COSINE)) {
      expect(bound).toBeLessThanOrEqual(0.9999);
      const name = { [GgmlType.F32]: 'f32', [GgmlType.F16]: 'f16', [GgmlType.Q8_0]: 'q8_0', [GgmlType.Q4_0]: 'q4_0', [GgmlType.Q4_K]: 'q4_k', [GgmlType.Q5_K]: 'q5_k', [GgmlType.Q6_K]: 'q6_k' }[Number(t)];
      if (!name) continue;
      const worst = Math.max(...MEASURED.filter((m) => m.dtype === name).map((m) => 1 - m.minCosine));
      expect(worst, name).toBeGreaterThan(0);
      expect(1 - bound, name).toBeGreaterThanOrEqual(5 * worst);
    }
  });

  it('a file gets the bound of its coarsest matrix type; an unmeasured type the loosest', async () => {
    const q4k = await generateModel({ preset: 'tiny', seed: 1, dtype: 'q4_k', out: path.join(dir, 'k.gguf') });
    expect(await modelReferenceBound(q4k.path)).toMatchObject({ bound: 0.999, type: 'Q4_K', types: ['Q4_K'], unmeasured: false });
    const f32 = await generateModel({ preset: 'tiny', seed: 1, out: path.join(dir, 'f.gguf') });
    expect(await modelReferenceBound(f32.path)).toMatchObject({ bound: 0.9999, type: 'F32' });
    const q41 = await writeQ4_1Model(path.join(dir, 'q41.gguf'));
    expect(await modelReferenceBound(q41)).toMatchObject({ bound: UNMEASURED_TYPE_COSINE, type: 'Q4_1', unmeasured: true });
    expect(boundForTypes([GgmlType.Q8_0, GgmlType.Q6_K])).toMatchObject({ bound: 0.999, type: 'Q6_K', types: ['Q8_0', 'Q6_K'] });
    expect(await modelReferenceBound(path.join(dir, 'missing.gguf'))).toBeUndefined();
  });

  it('the run\'s claim takes the model\'s bound; a config threshold still wins', () => {
    const bound = boundForTypes([GgmlType.Q4_K]);
    const claim = (cs: ReturnType<typeof claimsForConfig>) => cs.find((c) => c.id === 'embeddings-match-reference')!;
    expect(claim(claimsForConfig({}, [])).threshold).toBe('min>=0.9999');
    const c = claim(claimsForConfig({}, [], bound));
    expect(c.threshold).toBe('min>=0.999');
    expect(c.resolved.threshold.check(0.9992)).toBe(true);
    expect(c.resolved.threshold.check(0.9989)).toBe(false);
    expect(c.stated).toMatch(/0\.999 is gauntlet's, for Q4_K weights/);
    expect(claim(claimsForConfig({ 'embeddings-match-reference': { threshold: 'min>=0.99' } }, [], bound)).threshold).toBe('min>=0.99');
  });
});
