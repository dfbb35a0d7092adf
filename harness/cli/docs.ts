/** `gauntlet docs`: regenerates docs/claims.md and docs/gguf-corruptions.md. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeClaimsDoc } from '../claims/claims-doc.ts';
import { usageError } from '../util/errors.ts';
import { LAYOUT, PACKAGE_ROOT } from '../util/ts-runner.ts';

const HELP = `usage: gauntlet docs [--out DIR] [--only claims|gguf]

Regenerates docs/claims.md from harness/claims, and docs/gguf-corruptions.md from harness/gguf
(the latter loads every corruption variant with node-llama-cpp in a child process: about a minute).
  --out DIR      write into DIR instead of the package's docs/ folder
  --only WHICH   write only claims.md (claims) or only gguf-corruptions.md (gguf)`;

export async function run(argv: string[]): Promise<number> {
  let values: { out?: string; only?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.only !== undefined && values.only !== 'claims' && values.only !== 'gguf') {
    throw usageError(`--only: expected "claims" or "gguf", got ${JSON.stringify(values.only)}`);
  }
  // A checkout regenerates its own docs/; an installed package writes to ./docs (never into node_modules).
  const dir = values.out ? path.resolve(values.out) : LAYOUT === 'source' ? path.join(PACKAGE_ROOT, 'docs') : path.resolve('docs');
  const written: string[] = [];
  if (values.only !== 'gguf') written.push(writeClaimsDoc(path.join(dir, 'claims.md')));
  if (values.only !== 'claims') {
    // Loads every catalogued file into node-llama-cpp in child processes: a few minutes.
    const { writeCorruptionReport } = await import('../gguf/corruption-report.ts');
    await writeCorruptionReport(path.join(dir, 'gguf-corruptions.md'));
    written.push(path.join(dir, 'gguf-corruptions.md'));
  }
  for (const f of written) process.stdout.write(`wrote ${path.relative(process.cwd(), f) || f}\n`);
  return 0;
}
