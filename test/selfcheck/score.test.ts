import { describe, expect, it } from 'vitest';
import type { VerdictRow } from '../../harness/report/schema.ts';
import { formatSelfcheck, selfcheckJson } from '../../harness/selfcheck/format.ts';
import { cleanFailures, scoreFault, scoreSelfcheck, selfcheckExitCode, type CleanRun, type FaultRun, type ScenarioOutcome } from '../../harness/selfcheck/score.ts';

function v(adapter: string, claim: string, verdict: VerdictRow['verdict'], severity: VerdictRow['severity'] = 'required', scenarios = ['latency']): VerdictRow {
  return {
    claim, adapter, severity, verdict, value: verdict === 'inconclusive' ? null : 1, unit: 'count', threshold: 'count==0',
    source: 'seed 001', reason: `${claim} ${verdict}`, evidence: { scenarios },
  };
}

const done = (scenario: string, status: ScenarioOutcome['status'] = 'completed'): ScenarioOutcome => ({ scenario, status, durationMs: 10, errors: [] });

function clean(verdicts: VerdictRow[], scenarios = [done('latency'), done('concurrent-embeds')]): CleanRun {
  return { adapter: 'reference', scenarios, verdicts, durationMs: 100 };
}

function fault(name: string, verdicts: VerdictRow[], opts: Partial<FaultRun> = {}): FaultRun {
  const adapter = `reference+${name}`;
  return { fault: name, adapter, scenarios: [done('latency')], missing: [], expect: [], verdicts: verdicts.map((x) => ({ ...x, adapter })), durationMs: 50, ...opts };
}

const CLEAN_OK = clean([v('reference', 'a', 'pass'), v('reference', 'b', 'pass'), v('reference', 'adv', 'pass', 'advisory')]);

describe('scoreSelfcheck with a clean run per architecture', () => {
  it('scores a row planted on reference@qwen3 against the qwen3 clean run, not the main one', () => {
    const qwen: CleanRun = { adapter: 'reference@qwen3', scenarios: [done('latency')], verdicts: [v('reference@qwen3', 'a', 'fail'), v('reference@qwen3', 'b', 'pass')], durationMs: 10 };
    const run = (name: string, verdicts: VerdictRow[]): FaultRun => {
      const adapter = `reference@qwen3+${name}`;
      return { fault: name, adapter, scenarios: [done('latency')], missing: [], expect: ['a', 'b'], verdicts: verdicts.map((x) => ({ ...x, adapter })), durationMs: 5 };
    };
    const s = scoreSelfcheck([run('pool-wrong-token@qwen3', [v('', 'a', 'fail'), v('', 'b', 'pass')]), run('skip-final-norm@qwen3', [v('', 'a', 'fail'), v('', 'b', 'fail')])], [CLEAN_OK, qwen]);
    // 'a' failed on the clean qwen3 run too: it catches nothing there, although the main clean run passed it
    expect(s.rows.map((r) => [r.fault, r.caught, r.caughtBy, r.failedCleanToo])).toEqual([
      ['pool-wrong-token@qwen3', false, [], ['a']],
      ['skip-final-norm@qwen3', true, ['b'], ['a']],
    ]);
    expect(s.cleanPassed).toBe(false);
    expect(s.cleanFailures.map((f) => f.reason)).toEqual(['reference@qwen3: a fail']);
  });
});

describe('scoreFault', () => {
  it('counts a required failure as a catch', () => {
    const row = scoreFault(fault('wrong-dims', [v('', 'a', 'fail'), v('', 'b', 'pass')], { expect: ['a', 'b'] }), CLEAN_OK.verdicts, 'reference');
    expect(row.caught).toBe(true);
    expect(row.caughtBy).toEqual(['a']);
    expect(row.expectedNotFailed).toEqual(['b']);
    expect(row.caughtAsExpected).toBe(true);
  });

  it('flags a catch by a claim the plan did not name', () => {
    const run = fault('ignore-shutdown', [v('', 'a', 'fail'), v('', 'b', 'pass')], { expect: ['b'] });
    const row = scoreFault(run, CLEAN_OK.verdicts, 'reference');
    expect(row.caught).toBe(true);
    expect(row.caughtAsExpected).toBe(false);
    expect(formatSelfcheck(scoreSelfcheck([run], CLEAN_OK))).toMatch(/ignore-shutdown .* a \(not by the claim meant for it: b\)/);
  });

  it('a fault whose claims all pass is NOT caught', () => {
    const row = scoreFault(fault('leak=512', [v('', 'a', 'pass'), v('', 'b', 'pass')]), CLEAN_OK.verdicts, 'reference');
    expect(row.caught).toBe(false);
    expect(row.caughtBy).toEqual([]);
  });

  it('advisory failures and inconclusive verdicts do not count', () => {
    const row = scoreFault(fault('hang-after=3', [v('', 'adv', 'fail', 'advisory'), v('', 'a', 'inconclusive'), v('', 'b', 'inconclusive', 'required', [])],
      { scenarios: [done('latency', 'timed-out')] }), CLEAN_OK.verdicts, 'reference');
    expect(row.caught).toBe(false);
    expect(row.advisoryFailed).toEqual(['adv']);
    // only claims a scenario that ran was meant to measure are listed as inconclusive
    expect(row.inconclusive).toEqual(['a']);
    expect(formatSelfcheck(scoreSelfcheck([fault('hang-after=3', [v('', 'a', 'inconclusive')], { scenarios: [done('latency', 'timed-out')] })], CLEAN_OK)))
      .toMatch(/hang-after=3 .*NOT CAUGHT \(latency timed-out; inconclusive: a\)/);
  });

  it('a claim that fails for the clean reference too is not a catch', () => {
    const cleanBad = clean([v('reference', 'a', 'fail'), v('reference', 'b', 'pass')]);
    const row = scoreFault(fault('swap-ids', [v('', 'a', 'fail'), v('', 'b', 'pass')]), cleanBad.verdicts, 'reference');
    expect(row.caught).toBe(false);
    expect(row.failedCleanToo).toEqual(['a']);
  });

  it('ignores verdict rows of other adapters', () => {
    const run = fault('swap-ids', [v('', 'a', 'pass')]);
    run.verdicts.push(v('someone-else', 'b', 'fail'));
    expect(scoreFault(run, CLEAN_OK.verdicts, 'reference').caught).toBe(false);
  });
});

describe('cleanFailures', () => {
  it('passes when every required claim measured by the run passes; unmeasured claims are out of scope', () => {
    const c = clean([v('reference', 'a', 'pass'), v('reference', 'soak-only', 'inconclusive', 'required', []), v('reference', 'adv', 'fail', 'advisory'), v('reference', 'na', 'not-applicable')]);
    expect(cleanFailures(c)).toEqual([]);
  });

  it('lists required failures, inconclusive measured claims and scenarios that did not complete', () => {
    const c = clean([v('reference', 'a', 'fail'), v('reference', 'b', 'inconclusive')], [done('latency'), done('hang', 'timed-out')]);
    const f = cleanFailures(c);
    expect(f.map((x) => x.claim ?? x.scenario)).toEqual(['hang', 'a', 'b']);
    expect(f[0]!.verdict).toBe('timed-out');
  });
});

describe('scoreSelfcheck', () => {
  it('scores caught / planted and exits 0 only with score 1 and a clean pass', () => {
    const runs = [fault('x', [v('', 'a', 'fail')]), fault('y', [v('', 'b', 'fail')]), fault('z', [v('', 'a', 'pass')])];
    const s = scoreSelfcheck(runs, CLEAN_OK, 1234);
    expect(s.planted).toBe(3);
    expect(s.caught).toBe(2);
    expect(s.score).toBeCloseTo(2 / 3);
    expect(s.cleanPassed).toBe(true);
    expect(selfcheckExitCode(s)).toBe(1);

    const all = scoreSelfcheck(runs.slice(0, 2), CLEAN_OK);
    expect(all.score).toBe(1);
    expect(selfcheckExitCode(all)).toBe(0);

    const dirty = scoreSelfcheck(runs.slice(0, 2), clean([v('reference', 'c', 'fail')]));
    expect(dirty.cleanPassed).toBe(false);
    expect(selfcheckExitCode(dirty)).toBe(1);
  });

  it('nothing planted scores 0, not 1', () => {
    expect(scoreSelfcheck([], CLEAN_OK).score).toBe(0);
  });

  it('JSON carries the fields the CLI documents', () => {
    const s = scoreSelfcheck([fault('x', [v('', 'a', 'fail')])], CLEAN_OK, 10);
    const j = selfcheckJson(s);
    expect(j).toMatchObject({ score: 1, planted: 1, caught: 1, cleanPassed: true, cleanFailures: [] });
    expect(j.rows).toEqual([expect.objectContaining({ fault: 'x', scenarios: ['latency'], caughtBy: ['a'], durationMs: 50 })]);
  });
});

describe('scoreFault: faults that break one corpus category', () => {
  const withParts = (failed: string[]): VerdictRow => ({
    ...v('', 'embeddings-match-reference', 'fail'),
    evidence: { scenarios: ['corpus'], breakdown: { by: 'category', parts: ['ascii', 'cjk', 'padding'].map((key) => ({ key, label: key, value: failed.includes(key) ? 0.5 : 1, count: 4, scenario: 'corpus', verdict: failed.includes(key) ? 'fail' as const : 'pass' as const })) } },
  });
  it('is caught as expected only when the category it breaks is among the failing parts', () => {
    const hit = fault('no-cjk-split', [withParts(['cjk'])], { expect: ['embeddings-match-reference'], category: 'cjk' });
    const row = scoreFault(hit, CLEAN_OK.verdicts, 'reference');
    expect(row).toMatchObject({ caught: true, caughtAsExpected: true, category: 'cjk', failedParts: ['cjk'] });
    expect(formatSelfcheck(scoreSelfcheck([hit], CLEAN_OK))).toMatch(/no-cjk-split .* embeddings-match-reference in category cjk/);
    expect(selfcheckJson(scoreSelfcheck([hit], CLEAN_OK)).rows).toEqual([expect.objectContaining({ category: 'cjk', failedCategories: ['cjk'] })]);
    const elsewhere = fault('no-cjk-split', [withParts(['padding'])], { expect: ['embeddings-match-reference'], category: 'cjk' });
    const miss = scoreFault(elsewhere, CLEAN_OK.verdicts, 'reference');
    expect(miss).toMatchObject({ caught: true, caughtAsExpected: false, failedParts: ['padding'] });
    expect(formatSelfcheck(scoreSelfcheck([elsewhere], CLEAN_OK))).toMatch(/in category padding \(not in the category it breaks: cjk\)/);
  });
});
