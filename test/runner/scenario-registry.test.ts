import { describe, expect, it } from 'vitest';
import { CLAIMS } from '../../harness/claims/index.ts';
import { SCENARIOS, findScenario } from '../../scenarios/index.ts';

describe('scenario registry', () => {
  it('ids are unique kebab-case and every listed claim exists in the catalogue', () => {
    const ids = SCENARIOS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set(CLAIMS.map((c) => c.id));
    for (const s of SCENARIOS) {
      expect(s.id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(s.claims.filter((c) => !known.has(c))).toEqual([]);
      expect(Object.keys(s.quick).sort()).toEqual(Object.keys(s.full).sort());
    }
    expect(findScenario('forced-kill')?.title).toMatch(/killed/);
  });
});
