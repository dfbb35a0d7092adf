/** Reads a report.json (or a folder holding one) and checks it is a RunReport of this schema version. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { GauntletError } from '../util/errors.ts';
import { REPORT_SCHEMA_VERSION, type RunReport } from './schema.ts';

const counts = z.looseObject({ pass: z.number(), fail: z.number(), inconclusive: z.number(), notApplicable: z.number() });

/** The parts every consumer relies on; unknown fields pass through untouched. */
const RunReportShape = z.looseObject({
  seed: z.number(),
  command: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  adapters: z.array(z.string()),
  scenarios: z.array(z.looseObject({
    scenario: z.string(), adapter: z.string(), status: z.enum(['completed', 'host-died', 'timed-out', 'harness-error', 'skipped']),
    durationMs: z.number(), metrics: z.record(z.string(), z.number().nullable()), timeline: z.array(z.looseObject({ t: z.number(), kind: z.string() })),
    errors: z.array(z.looseObject({ code: z.string(), message: z.string() })),
  })),
  verdicts: z.array(z.looseObject({
    claim: z.string(), adapter: z.string(), severity: z.enum(['required', 'advisory']),
    verdict: z.enum(['pass', 'fail', 'not-applicable', 'inconclusive']), value: z.number().nullable(), unit: z.string(), threshold: z.string(),
  })),
  summary: z.looseObject({ required: counts, advisory: counts, exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]) }),
});

function invalid(file: string, what: string): GauntletError {
  return new GauntletError('GAUNTLET_USAGE', `${file}: ${what}`, { details: { file } });
}

/** Checks a parsed value; `file` is only used in messages. */
export function validateReport(value: unknown, file: string): RunReport {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(file, `not a gauntlet report: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION) {
    throw invalid(file, `wrong schemaVersion: expected ${REPORT_SCHEMA_VERSION}, got ${JSON.stringify(version)}; re-run it with this gauntlet version`);
  }
  const parsed = RunReportShape.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw invalid(file, `not a valid report.json v${REPORT_SCHEMA_VERSION}: ${issues.join('; ')}${parsed.error.issues.length > 3 ? ` (+${parsed.error.issues.length - 3} more)` : ''}`);
  }
  return value as RunReport;
}

/** Reads `target` (a report.json, or a folder holding report.json). Errors quote the path and what is wrong. */
export async function readReport(target: string): Promise<RunReport> {
  let file = path.resolve(target);
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw invalid(file, e.code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${e.message}`);
  });
  if (info.isDirectory()) file = path.join(file, 'report.json');
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw invalid(file, e.code === 'ENOENT' ? 'no report.json in this folder' : `cannot read: ${e.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `not JSON (${(e as Error).message})`);
  }
  return validateReport(value, file);
}
