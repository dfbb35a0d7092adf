/**
 * A planted fault that no claim's threshold can see (a 1.5x slower embed keeps every target met) is caught the way
 * a user's CI would catch it: `gauntlet compare` of the clean run against the planted one finds a statistically
 * sure regression of a figure (harness/report/compare-reports.ts, default noise band). Pure.
 */
import type { RunReport, ScenarioResult } from '../report/schema.ts';
import { compareReports } from '../report/compare-reports.ts';

function asReport(results: readonly ScenarioResult[], adapter: string): RunReport {
  return {
    schemaVersion: 1, seed: 0, command: 'selfcheck', startedAt: '', durationMs: 0, quick: true,
    environment: { node: '', platform: '', arch: '', cpus: 0, cpuModel: '', totalMemBytes: 0, nodeLlamaCpp: '', gauntlet: '' },
    model: { path: '' }, adapters: [adapter], verdicts: [],
    scenarios: results.map((r) => ({ ...r, adapter })),
    summary: { required: { pass: 0, fail: 0, inconclusive: 0, notApplicable: 0 }, advisory: { pass: 0, fail: 0, inconclusive: 0, notApplicable: 0 }, exitCode: 0 },
  };
}

/** "compare METRIC" for each figure of the planted run's scenarios that compare calls a regression against the clean run's. */
export function compareCatches(clean: readonly ScenarioResult[], planted: readonly ScenarioResult[]): string[] {
  const ran = new Set(planted.map((r) => r.scenario));
  const base = clean.filter((r) => ran.has(r.scenario));
  if (base.length === 0) return [];
  const c = compareReports(asReport(base, 'selfcheck'), asReport(planted, 'selfcheck'));
  return [...new Set(c.rows.filter((r) => r.kind === 'figure' && r.decision === 'regression').map((r) => `compare ${r.metric}`))];
}
