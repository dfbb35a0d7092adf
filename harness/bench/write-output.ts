/**
 * Writes bench.json (the BenchResult as it is) and report.html: a RunReport with no scenarios whose `bench` field
 * holds the targets and the raw sections, rendered by the project's HTML reporter (its Benchmarks section).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderReportHtml } from '../report/html-reporter.ts';
import { REPORT_SCHEMA_VERSION, type RunReport } from '../report/schema.ts';
import type { BenchResult } from './types.ts';

const ZERO = { pass: 0, fail: 0, inconclusive: 0, notApplicable: 0 };

/** report.bench: the targets and the raw sections, what the HTML reporter's Benchmarks section shows (`gauntlet bench`
 * and `gauntlet run --bench` alike). */
export function benchReportSection(result: BenchResult): NonNullable<RunReport['bench']> {
  const { targets, environment, ...sections } = result;
  return {
    targets: targets.map((t) => ({ name: t.name, target: t.target, value: t.value, unit: t.unit, pass: t.pass, ...(t.interval ? { interval: t.interval } : {}), ...(t.judgement ? { judgement: t.judgement } : {}) })),
    ...sections,
    load: { loadavgBefore: environment.loadavgBefore, loadavgAfter: environment.loadavgAfter },
  };
}

/** The RunReport that carries a bench result (report.bench), for the HTML reporter or `gauntlet merge`. */
export function benchRunReport(result: BenchResult, command: string): RunReport {
  const { targets, environment } = result;
  const { loadavgBefore: _b, loadavgAfter: _a, quick, durationMs, startedAt, ...env } = environment;
  const model = result.isolation?.models[0];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    seed: 0,
    command,
    startedAt,
    durationMs,
    quick,
    environment: env,
    model: model ? { path: model.path, bytes: model.bytes, dims: model.dims } : { path: 'n/a' },
    adapters: [...new Set(result.isolation?.rows.map((r) => r.adapter) ?? [])],
    scenarios: [],
    verdicts: [],
    bench: benchReportSection(result),
    summary: { required: { ...ZERO }, advisory: { ...ZERO }, exitCode: targets.every((t) => t.pass) ? 0 : 1 },
  };
}

export async function writeBenchOutput(result: BenchResult, outDir: string, command: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const json = path.resolve(outDir, 'bench.json');
  const html = path.resolve(outDir, 'report.html');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(html, await renderReportHtml(benchRunReport(result, command)));
  return [json, html];
}
