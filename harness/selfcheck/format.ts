/** Text and JSON forms of a selfcheck summary. */
import type { SelfcheckRow, SelfcheckSummary } from './score.ts';

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function notCaughtWhy(r: SelfcheckRow): string {
  const parts: string[] = [];
  const bad = Object.entries(r.status).filter(([, s]) => s !== 'completed')
    .map(([id, s]) => `${id} ${s}${r.errors[id]?.length ? ` [${r.errors[id]!.join(', ')}]` : ''}`);
  if (bad.length) parts.push(bad.join(', '));
  if (r.failedCleanToo.length) parts.push(`failed clean too: ${r.failedCleanToo.join(', ')}`);
  if (r.advisoryFailed.length) parts.push(`advisory only: ${r.advisoryFailed.join(', ')}`);
  if (r.inconclusive.length) parts.push(`inconclusive: ${r.inconclusive.join(', ')}`);
  if (r.missing.length) parts.push(`not run: ${r.missing.join(', ')}`);
  if (parts.length === 0) parts.push('every required claim passed');
  return `NOT CAUGHT (${parts.join('; ')})`;
}

/** " in category accents-nfc" (the categories the catch found failing), for faults that break a corpus category. */
function categoryText(r: SelfcheckRow): string {
  return r.failedParts?.length ? ` in category ${r.failedParts.join(', ')}` : '';
}

function notAsExpected(r: SelfcheckRow): string {
  if (r.category !== undefined && !(r.failedParts ?? []).includes(r.category)) return ` (not in the category it breaks: ${r.category})`;
  return ` (not by the claim meant for it: ${r.expectedNotFailed.join(', ')})`;
}

/** A legal row: it must pass every required claim that passed clean. */
function legalText(r: SelfcheckRow): string {
  if (r.ok) return 'legal: passed every required claim (as it must)';
  const bad = Object.entries(r.status).filter(([, s]) => s !== 'completed' && s !== 'skipped').map(([id, s]) => `${id} ${s}`);
  return `legal, WRONGLY FAILED: ${[...r.caughtBy, ...bad, ...r.missing].join(', ')}`;
}

/** The matrix (fault x required claims that failed), the clean result and the score, as plain text. */
export function formatSelfcheck(s: SelfcheckSummary): string {
  const head = ['fault', 'scenarios', 'caught by (required claims that failed)', 'time'];
  const body = s.rows.map((r) => [
    r.fault,
    r.scenarios.join(', ') || '-',
    r.legal ? legalText(r) : r.caught ? `${r.caughtBy.join(', ')}${categoryText(r)}${r.caughtAsExpected ? '' : notAsExpected(r)}` : notCaughtWhy(r),
    secs(r.durationMs),
  ]);
  const widths = head.map((h, i) => Math.min(i === 2 ? 200 : 40, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
  if (s.cleanPassed) {
    lines.push(`clean reference: passed every required claim measured by ${s.cleanScenarios.join(', ') || 'no scenario'}`);
  } else {
    lines.push(`clean reference: FAILED (${s.cleanFailures.length})`);
    for (const f of s.cleanFailures) lines.push(`  - ${f.claim ?? f.scenario}: ${f.verdict}: ${f.reason}`);
  }
  const advisory = s.rows.filter((r) => r.advisoryFailed.length).map((r) => `${r.fault}: ${r.advisoryFailed.join(', ')}`);
  if (advisory.length) lines.push(`advisory claims that also failed: ${advisory.join('; ')}`);
  lines.push(`score: ${s.caught}/${s.planted} planted faults caught${s.legal ? `, ${s.legalPassed}/${s.legal} legal behaviours passed` : ''} (${s.score.toFixed(2)}) in ${secs(s.durationMs)}`);
  return `${lines.join('\n')}\n`;
}

/** The JSON document `gauntlet selfcheck --json` prints. */
export function selfcheckJson(s: SelfcheckSummary, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    score: s.score,
    planted: s.planted,
    caught: s.caught,
    legal: s.legal,
    legalPassed: s.legalPassed,
    rows: s.rows.map((r) => ({
      fault: r.fault,
      legal: r.legal,
      ok: r.ok,
      scenarios: r.scenarios,
      caughtBy: r.caughtBy,
      durationMs: r.durationMs,
      caughtAsExpected: r.caughtAsExpected,
      expected: r.expected,
      ...(r.category !== undefined ? { category: r.category, failedCategories: r.failedParts ?? [] } : {}),
      adapter: r.adapter,
      status: r.status,
      errors: r.errors,
      advisoryFailed: r.advisoryFailed,
      inconclusive: r.inconclusive,
      failedCleanToo: r.failedCleanToo,
      expectedNotFailed: r.expectedNotFailed,
      missing: r.missing,
    })),
    cleanPassed: s.cleanPassed,
    cleanFailures: s.cleanFailures,
    cleanScenarios: s.cleanScenarios,
    durationMs: s.durationMs,
    ...extra,
  };
}
