import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../harness/report/schema.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

/** The committed minimal report (optional fields absent, one harness-error run). */
export function minimalReport(): RunReport {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'report-minimal.json'), 'utf8')) as RunReport;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `gauntlet-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collects what a reporter writes to a stream. */
export function sink(): { write(chunk: string): boolean; text(): string } {
  let buf = '';
  return { write(chunk: string) { buf += chunk; return true; }, text: () => buf };
}
