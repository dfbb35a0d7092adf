/** `gauntlet docs`: regenerates docs/claims.md and docs/gguf-corruptions.md; docs/findings.md from a report.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeClaimsDoc } from '../claims/claims-doc.ts';
import { usageError } from '../util/errors.ts';
import { LAYOUT, PACKAGE_ROOT } from '../util/ts-runner.ts';

const HELP = `usage: gauntlet docs [--out DIR] [--only claims|gguf|findings] [--report FILE] [--commit SHA]

Regenerates docs/claims.md from harness/claims, and docs/gguf-corruptions.md from harness/gguf
(the latter loads every corruption variant with node-llama-cpp in a child process: about a minute);
with --report, docs/findings.md from that report.json: what the run found, every timing and rate figure with
its 95 % interval and sample count, and the commit, machine and load it came from.
  --out DIR      write into DIR instead of the package's docs/ folder
  --only WHICH   write only claims.md (claims), gguf-corruptions.md (gguf) or findings.md (findings, needs --report)
  --report FILE  a report.json (or a folder holding one) to write findings.md from
  --commit SHA   the commit the report came from, when the report does not record it (older reports)
  --note TEXT    a line for findings.md's header (e.g. the load the run measured under, for reports without it)`;

export async function run(argv: string[]): Promise<number> {
  let values: { out?: string; only?: string; report?: string; commit?: string; note?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, only: { type: 'string' }, report: { type: 'string' }, commit: { type: 'string' }, note: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.only !== undefined && !['claims', 'gguf', 'findings'].includes(values.only)) {
    throw usageError(`--only: expected "claims", "gguf" or "findings", got ${JSON.stringify(values.only)}`);
  }
  if (values.only === 'findings' && !values.report) throw usageError('--only findings needs --report FILE (the report.json to write docs/findings.md from)');
  // A checkout regenerates its own docs/; an installed package writes to ./docs (never into node_modules).
  const dir = values.out ? path.resolve(values.out) : LAYOUT === 'source' ? path.join(PACKAGE_ROOT, 'docs') : path.resolve('docs');
  const written: string[] = [];
  if (values.report) {
    const { readReport } = await import('../report/read-report.ts');
    const { renderFindings } = await import('../report/findings-doc.ts');
    const report = await readReport(values.report);
    const file = path.join(dir, 'findings.md');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, renderFindings(report, { ...(values.commit ? { commit: values.commit } : {}), ...(values.note ? { note: values.note } : {}), source: path.relative(process.cwd(), path.resolve(values.report)) || values.report }));
    written.push(file);
  }
  if (values.only === undefined || values.only === 'claims') written.push(writeClaimsDoc(path.join(dir, 'claims.md')));
  if (values.only === undefined || values.only === 'gguf') {
    // Loads every catalogued file into node-llama-cpp in child processes: a few minutes.
    const { writeCorruptionReport } = await import('../gguf/corruption-report.ts');
    await writeCorruptionReport(path.join(dir, 'gguf-corruptions.md'));
    written.push(path.join(dir, 'gguf-corruptions.md'));
  }
  for (const f of written) process.stdout.write(`wrote ${path.relative(process.cwd(), f) || f}\n`);
  return 0;
}
