import { describe, expect, it } from 'vitest';
import { CLAIMS } from '../../harness/claims/index.ts';
import { faultSwitch, pickFaults, selfcheckPlan } from '../../harness/selfcheck/plan.ts';
import { cleanAdapter, plantFault, plantedName } from '../../harness/selfcheck/plant.ts';
import { planScenarios } from '../../harness/selfcheck/run-selfcheck.ts';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { AnyScenario } from '../../harness/runner/types.ts';
import { FAULTS } from '../../reference-embedder/faults.ts';

const base: ResolvedAdapter = {
  name: 'reference',
  config: { kind: 'process', transport: 'stdio', codec: 'msgpack', command: ['node', 'embedder.js'], env: { KEEP: '1' } },
  model: '/tmp/m.gguf', lanes: 1, threads: 1, normalize: false, requestTimeoutMs: 30_000, startTimeoutMs: 15_000, maxBatch: 10, maxFrameBytes: 65536,
};

describe('selfcheck plan', () => {
  it('plants every fault switch of the reference embedder, at least 9', () => {
    const plan = selfcheckPlan();
    expect([...new Set(plan.map((p) => p.fault))]).toEqual(FAULTS.map((f) => f.name));
    expect(plan.length).toBeGreaterThanOrEqual(9);
  });

  it('plants a model-level fault once per architecture, on that architecture\'s model', () => {
    const plan = selfcheckPlan();
    for (const f of FAULTS.filter((x) => x.modelLevel)) {
      expect(plan.filter((p) => p.fault === f.name).map((p) => [p.id, p.arch])).toEqual(
        ['bert', 'nomic-bert', 'qwen3'].map((a) => [`${f.name}@${a}`, a]),
      );
    }
    expect(plan.filter((p) => p.arch === undefined).every((p) => !FAULTS.find((f) => f.name === p.fault)!.modelLevel)).toBe(true);
    expect(pickFaults(['pool-wrong-token']).map((p) => p.id)).toEqual(['pool-wrong-token@bert', 'pool-wrong-token@nomic-bert', 'pool-wrong-token@qwen3']);
    expect(pickFaults(['skip-final-norm@qwen3']).map((p) => [p.id, faultSwitch(p)])).toEqual([['skip-final-norm@qwen3', 'skip-final-norm']]);
    expect(() => pickFaults(['swap-ids@qwen3'])).toThrow(/swap-ids is not a model-level fault/);
    expect(() => pickFaults(['pool-wrong-token@llama'])).toThrow(/runs on bert, nomic-bert, qwen3/);
  });

  it('includes the scenario faults.ts names, and expects claims of the catalogue (or, caught by compare, a metric of it)', () => {
    for (const p of selfcheckPlan()) {
      expect(p.scenarios, p.id).toContain(FAULTS.find((f) => f.name === p.fault)!.caughtBy);
      // A legal row expects no claim to fail; a defect names at least one.
      if (p.legal) expect(p.expect, p.id).toEqual([]);
      else expect(p.expect.length, p.id).toBeGreaterThan(0);
      for (const c of p.expect) {
        if (p.byCompare) expect(c, p.id).toMatch(/^compare [a-z][\w.]+$/);
        else expect(CLAIMS.some((x) => x.id === c), `${p.id} expects unknown claim ${c}`).toBe(true);
      }
    }
    expect(selfcheckPlan().find((p) => p.fault === 'slow-embed')).toMatchObject({ value: 3, byCompare: true, scenarios: ['latency'] });
  });

  it('values: slow-start well above the 5 s cold-start target, below the 15 s start deadline', () => {
    const slow = selfcheckPlan().find((p) => p.fault === 'slow-start')!;
    expect(slow.value).toBeGreaterThan(5000);
    expect(slow.value).toBeLessThan(15_000);
    expect(faultSwitch(slow)).toBe(`slow-start=${slow.value}`);
    expect(faultSwitch(selfcheckPlan().find((p) => p.fault === 'swap-ids')!)).toBe('swap-ids');
  });

  it('picks faults by name, with a value, and refuses unknown names and bad values', () => {
    expect(pickFaults(undefined).length).toBe(selfcheckPlan().length);
    expect(pickFaults(['swap-ids', 'leak=64']).map((p) => p.id)).toEqual(['swap-ids', 'leak=64']);
    expect(pickFaults(['wrong-dims,swap-ids', 'swap-ids']).map((p) => p.id)).toEqual(['wrong-dims', 'swap-ids']);
    expect(() => pickFaults(['nope'])).toThrow(/unknown fault "nope"; valid faults: crash-on-concurrent/);
    expect(() => pickFaults(['swap-ids=3'])).toThrow(/swap-ids takes no value/);
    expect(() => pickFaults(['leak=-1'])).toThrow(/non-negative number of KB, got "-1"/);
  });

  it('the clean run covers every planned scenario that is registered, in registry order', () => {
    const reg = ['cold-start', 'latency', 'hang', 'soak'].map((id) => ({ id }) as AnyScenario);
    const plan = [{ ...selfcheckPlan()[0]!, scenarios: ['soak', 'latency', 'not-yet'] }];
    expect(planScenarios(plan, reg).map((s) => s.id)).toEqual(['latency', 'soak']);
  });
});

describe('plantFault', () => {
  it('appends --fault to the embedder command, keeps the rest, renames', () => {
    const a = plantFault(base, 'leak=512');
    expect(a.name).toBe(plantedName('reference', 'leak=512'));
    expect(a.name).toBe('reference+leak=512');
    expect(a.config).toMatchObject({ kind: 'process', command: ['node', 'embedder.js', '--fault', 'leak=512'], env: { KEEP: '1' } });
    expect(base.config).toMatchObject({ command: ['node', 'embedder.js'] }); // the base is not changed
    expect(cleanAdapter(base)).toBe(base);
  });

  it('refuses an adapter it cannot plant into', () => {
    expect(() => plantFault({ ...base, name: 'in-process', config: { kind: 'in-process' } }, 'leak')).toThrow(/in-process.*pick a process adapter/);
  });
});
