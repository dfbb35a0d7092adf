/**
 * `gauntlet run`: runs scenarios x adapters, evaluates the claims, writes the reports.
 * Exit code: 0 every required claim passed, 1 a required claim failed, 2 harness error (bad flags included).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ResolvedAdapter } from '../adapters/types.ts';
import { claimsForConfig, evaluateClaims } from '../claims/index.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { loadConfig } from '../config/load-config.ts';
import { resolveAdapter } from '../config/resolve-config.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { readGguf } from '../gguf/reader.ts';
import { pickMechanism } from '../faults/memory-limit.ts';
import { createReporters, REPORTER_NAMES, writeReports } from '../report/reporters.ts';
import type { ReporterSpec } from '../report/reporter.ts';
import type { RunModel } from '../runner/types.ts';
import { runGauntlet } from '../runner/run.ts';
import { parseShard } from '../runner/shard.ts';
import { usageError } from '../util/errors.ts';
import { SCENARIOS, SCENARIO_IDS } from '../../scenarios/index.ts';

export const HELP = `usage: gauntlet run [options]

Runs every scenario against every adapter, checks the claims and writes reports.

options:
  --config FILE      gauntlet config (default: ./gauntlet.config.ts, else the package's)
  --adapter NAME     adapter to run; repeat for several (default: the config's defaultAdapters)
  --scenario ID      scenario to run; repeat for several (default: all). Known: ${SCENARIO_IDS.join(', ')}
  --quick            small sizes (what CI runs)
  --seed N           seed of every random choice (default: the config's); printed in every report
  --out DIR          where reports go (default: the config's outDir, reports/latest)
  --reporter NAME    reporter; repeat for several (default: the config's). Known: ${REPORTER_NAMES.join(', ')}
  --shard i/n        run only shard i of n of the scenario x adapter list (CI fan-out; merge with gauntlet merge)
  --list             print the scenarios and adapters, and exit

exit code: 0 every required claim passed, 1 a required claim failed, 2 harness error.
`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        config: { type: 'string' },
        adapter: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        seed: { type: 'string' },
        out: { type: 'string' },
        reporter: { type: 'string', multiple: true },
        shard: { type: 'string' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
}

function pickNames(flag: string, asked: string[] | undefined, known: readonly string[], fallback: readonly string[]): string[] {
  if (!asked || asked.length === 0) return [...fallback];
  const names = asked.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  for (const n of names) {
    if (!known.includes(n)) throw usageError(`--${flag}: unknown ${flag} ${JSON.stringify(n)}; valid values: ${known.join(', ')}`);
  }
  return [...new Set(names)];
}

function parseSeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw usageError(`--seed: expected an integer between 0 and 4294967295, got ${JSON.stringify(text)}`);
  }
  return n;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function modelInfo(config: ResolvedConfig, file: string): Promise<RunModel> {
  const info: RunModel = { path: file, bytes: statSync(file).size };
  if (config.model.kind === 'generated') info.dtype = config.model.dtype;
  try {
    info.sha256 = await sha256(file);
    const g = await readGguf(file);
    const dims = g.metadata.get('bert.embedding_length');
    if (typeof dims === 'number' || typeof dims === 'bigint') info.dims = Number(dims);
  } catch { /* a model the reader cannot parse is still run: the scenarios say what happens */ }
  return info;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Flags first: a bad flag fails before a model is generated or a process forked.
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const reporterNames = values.reporter ? pickNames('reporter', values.reporter, REPORTER_NAMES, []) : undefined;
  const config = await loadConfig(values.config);
  const adapterNames = pickNames('adapter', values.adapter, Object.keys(config.adapters), config.defaultAdapters);
  const scenarioIds = pickNames('scenario', values.scenario, SCENARIO_IDS, SCENARIO_IDS);
  const seed = parseSeed(values.seed, config.seed);
  if (values.list) {
    process.stdout.write(`scenarios: ${SCENARIO_IDS.join(', ')}\nadapters: ${Object.keys(config.adapters).join(', ')}\n`);
    return 0;
  }
  const outDir = path.resolve(values.out ?? config.outDir);
  const reporterSpecs: ReporterSpec[] = reporterNames ?? config.reporters;
  const reporters = createReporters(reporterSpecs);
  const claims = claimsForConfig(config.claims);

  const modelPath = await ensureModel(config.model);
  const adapters: ResolvedAdapter[] = adapterNames.map((n) => resolveAdapter(config, n, modelPath));
  const scenarios = SCENARIOS.filter((s) => scenarioIds.includes(s.id));
  // A flag given twice (`npm run scenarios -- --quick` where the script already says --quick) is written once.
  const kept = argv.filter((a, i) => a !== '--seed' && argv[i - 1] !== '--seed' && !a.startsWith('--seed='))
    .filter((a, i, all) => !(a === '--quick' && all.indexOf(a) !== i));
  const command = ['npx gauntlet run', ...[...kept, '--seed', String(seed)].map((a) => (/^[\w./:=,-]+$/.test(a) ? a : JSON.stringify(a)))].join(' ');

  const { report, problems } = await runGauntlet({
    scenarios, adapters, seed, quick: values.quick, command, shard,
    model: await modelInfo(config, modelPath),
    evaluate: (results, list) => evaluateClaims(claims, results, list.map((a) => ({ name: a.name, kind: a.config.kind }))),
    reporters,
    memoryLimitMechanism: pickMechanism(),
  });
  const files = await writeReports(report, outDir, reporters);
  for (const p of problems) process.stderr.write(`gauntlet run: ${p.message} [${p.code}]\n`);
  if (files.length) process.stderr.write(`reports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(', ')}\n`);
  return report.summary.exitCode;
}
