/**
 * junit.xml: one <testcase> per verdict row (claim x adapter), classname = adapter, name = claim id, one
 * <testsuite> per adapter. Mapping (also in docs):
 * - pass                      -> passing testcase
 * - fail, required            -> <failure message="value vs threshold: reason">
 * - fail, advisory            -> PASSING testcase + <property name="advisory-miss" value="true"/> and a
 *                                <system-out> line "ADVISORY MISS: ..." (advisory claims never fail the suite)
 * - inconclusive              -> <skipped message="inconclusive: reason"> (nothing could be measured; the run's
 *                                exit code does not count it as a failure either)
 * - not-applicable            -> <skipped message="not applicable: reason">
 * Scenario errors (host died, harness errors) of an adapter go to its suite's <system-err>.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from './reporter.ts';
import type { RunReport, VerdictRow } from './schema.ts';
import { formatValue } from './matrix.ts';
import { xmlText } from './escape.ts';

export { xmlText };

function verdictMessage(v: VerdictRow): string {
  return `${v.claim} on ${v.adapter}: measured ${formatValue(v.value, v.unit)}, threshold ${v.threshold}. ${v.reason}`;
}

function testcase(v: VerdictRow, seconds: number): string {
  const open = `    <testcase classname="${xmlText(v.adapter)}" name="${xmlText(v.claim)}" time="${seconds.toFixed(3)}">`;
  const body: string[] = [];
  const props = [['severity', v.severity], ['verdict', v.verdict], ['value', v.value === null ? 'null' : String(v.value)], ['unit', v.unit], ['threshold', v.threshold], ['source', v.source]];
  if (v.origin) props.push(['origin', v.origin]);
  if (v.verdict === 'fail' && v.severity === 'advisory') props.push(['advisory-miss', 'true']);
  body.push('      <properties>', ...props.map(([n, val]) => `        <property name="${xmlText(n)}" value="${xmlText(val)}"/>`), '      </properties>');
  if (v.verdict === 'fail' && v.severity === 'required') {
    body.push(`      <failure message="${xmlText(verdictMessage(v))}" type="claim-failed">${xmlText(`source: ${v.source}\nevidence: ${JSON.stringify(v.evidence)}`)}</failure>`);
  } else if (v.verdict === 'fail') {
    body.push(`      <system-out>${xmlText(`ADVISORY MISS (does not fail the suite): ${verdictMessage(v)}`)}</system-out>`);
  } else if (v.verdict === 'inconclusive') {
    body.push(`      <skipped message="${xmlText(`inconclusive: ${v.reason}`)}"/>`);
  } else if (v.verdict === 'not-applicable') {
    body.push(`      <skipped message="${xmlText(`not applicable: ${v.reason}`)}"/>`);
  }
  return [open, ...body, '    </testcase>'].join('\n');
}

/** Renders the whole junit.xml document. */
export function renderJunit(report: RunReport): string {
  const adapters = [...new Set([...(report.adapters ?? []), ...report.verdicts.map((v) => v.adapter)])];
  const durations = new Map<string, number>();
  for (const s of report.scenarios ?? []) durations.set(`${s.adapter}\u0000${s.scenario}`, s.durationMs);
  const seconds = (v: VerdictRow) => (v.evidence?.scenarios ?? []).reduce((t, id) => t + (durations.get(`${v.adapter}\u0000${id}`) ?? 0), 0) / 1000;
  const suites: string[] = [];
  let total = 0, failures = 0, skipped = 0, time = 0;
  for (const adapter of adapters) {
    const rows = report.verdicts.filter((v) => v.adapter === adapter);
    if (rows.length === 0) continue;
    const f = rows.filter((v) => v.verdict === 'fail' && v.severity === 'required').length;
    const sk = rows.filter((v) => v.verdict === 'inconclusive' || v.verdict === 'not-applicable').length;
    const t = (report.scenarios ?? []).filter((s) => s.adapter === adapter).reduce((a, s) => a + s.durationMs, 0) / 1000;
    total += rows.length; failures += f; skipped += sk; time += t;
    const errs = (report.scenarios ?? []).filter((s) => s.adapter === adapter && s.errors?.length)
      .flatMap((s) => s.errors.map((e) => `[${s.scenario}] ${s.status} ${e.code}: ${e.message}${e.signal ? ` (signal ${e.signal})` : ''}${e.exitCode != null ? ` (exit ${e.exitCode})` : ''}${e.stderrTail ? `\n${e.stderrTail}` : ''}`));
    suites.push([
      `  <testsuite name="gauntlet claims: ${xmlText(adapter)}" tests="${rows.length}" failures="${f}" errors="0" skipped="${sk}" time="${t.toFixed(3)}" timestamp="${xmlText(report.startedAt)}">`,
      ...rows.map((v) => testcase(v, seconds(v))),
      ...(errs.length ? [`    <system-err>${xmlText(errs.join('\n\n'))}</system-err>`] : []),
      '  </testsuite>',
    ].join('\n'));
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gauntlet (seed ${report.seed})" tests="${total}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export function junitReporter(options: { file?: string } = {}): Reporter {
  return {
    name: 'junit',
    async onRunEnd(report, outDir) {
      const file = path.resolve(outDir, options.file ?? 'junit.xml');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, renderJunit(report));
      return [file];
    },
  };
}
