/**
 * `gauntlet run`: runs scenarios x adapters, evaluates the claims, writes the reports.
 * Exit code: 0 every required claim passed, 1 a required claim failed, 2 harness error (bad flags included).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enforcesLimits, type ResolvedAdapter } from '../adapters/types.ts';
import { benchScenarioResult, benchSkippedResult, readBenchResults } from '../bench/claim-metrics.ts';
import { formatTargets } from '../bench/format.ts';
import { runBench } from '../bench/run-bench.ts';
import type { BenchEvent, BenchResult } from '../bench/types.ts';
import { benchReportSection } from '../bench/write-output.ts';
import { claimsForConfig, evaluateClaims } from '../claims/index.ts';
import { modelReferenceBound } from '../gguf/reference-bound.ts';
import { describeGolden, readGolden } from '../golden/golden-file.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { loadConfig } from '../config/load-config.ts';
import { resolveAdapter } from '../config/resolve-config.ts';
import { BENCH_MODES, type BenchMode, type ResolvedConfig } from '../config/types.ts';
import { readGguf } from '../gguf/reader.ts';
import { pickMechanism } from '../faults/memory-limit.ts';
import { createReporters, REPORTER_NAMES, writeReports } from '../report/reporters.ts';
import type { ReporterSpec } from '../report/reporter.ts';
import type { RunOptions } from '../runner/run.ts';
import type { RunModel } from '../runner/types.ts';
import { DEFAULT_LANES, runGauntlet } from '../runner/run.ts';
import { parseShard } from '../runner/shard.ts';
import { usageError } from '../util/errors.ts';
import { nodeLlamaCppMissing, referenceAbsent } from '../engines/node-llama-cpp.ts';
import { allScenarios, SCENARIO_IDS } from '../../scenarios/index.ts';

const OVERLAP_IDS = allScenarios().filter((s) => s.overlap === true).map((s) => s.id);

function parseLanes(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LANES;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 16) throw usageError(`--lanes: expected a whole number from 1 to 16 (1 runs every scenario alone), got ${JSON.stringify(text)}`);
  return n;
}

export const HELP = `usage: gauntlet run [options]

Runs every scenario against every adapter, checks the claims and writes reports.

options:
  --config FILE      gauntlet config (default: ./gauntlet.config.ts, else the package's)
  --adapter NAME     adapter to run; repeat for several (default: the config's defaultAdapters)
  --scenario ID      scenario to run; repeat for several (default: all, the config's own after the built-in
                     ones). Built-in: ${SCENARIO_IDS.join(', ')}; --list adds the config's
  --quick            small sizes (what CI runs)
  --seed N           seed of every random choice (default: the config's); printed in every report
  --out DIR          where reports go (default: the config's outDir, reports/latest)
  --reporter NAME    reporter; repeat for several (default: the config's). Known: ${REPORTER_NAMES.join(', ')}
  --shard i/n        run only shard i of n of the scenario x adapter list (CI fan-out; merge with gauntlet merge)
  --bench MODE       benchmarks after the scenarios (the suite \`gauntlet bench\` runs; its figures decide the bench
                     claims and fill the report's Benchmarks section): quick, full, on (quick with --quick, else
                     full) or off (default: the config's bench, on; a sharded run benchmarks in shard 1 only)
  --bench-results FILE  use a bench.json written earlier by \`gauntlet bench --out DIR\` instead of measuring
  --lanes N          runs in flight together (default ${DEFAULT_LANES}: cores + 2, at most 4, 1 on one core): only scenarios whose claims are counts, verdicts
                     and per-process memory (${OVERLAP_IDS.join(', ')}) overlap, never with a timing one; 1 = one by one.
                     With more than one lane the timing runs go first, then the overlap runs, longest first by
                     their wall time in the last run here (<cache>/run-durations.json); reports keep the usual order
  --list             print the scenarios and adapters, and exit

exit code: 0 every required claim passed, 1 a required claim failed, 2 harness error.
Bench claims are advisory: benchmark figures, however noisy, never set the exit code.
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
        bench: { type: 'string' },
        'bench-results': { type: 'string' },
        list: { type: 'boolean', default: false },
        lanes: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
}

/** Why a config has no adapters, and what adds one (empty when it has some). */
function noAdapters(config: ResolvedConfig): string {
  if (Object.keys(config.adapters).length > 0) return '';
  return `: the config (${config.configFile ?? 'the package\'s'}) defines none, and ${nodeLlamaCppMissing('gauntlet\'s reference embedder')}. \`npx gauntlet init\` adds an adapter for your own embedder`;
}

function pickNames(flag: string, asked: string[] | undefined, known: readonly string[], fallback: readonly string[]): string[] {
  if (!asked || asked.length === 0) return [...fallback];
  const names = asked.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  for (const n of names) {
    if (known.includes(n)) continue;
    const absent = flag === 'adapter' ? referenceAbsent(n, known) : undefined;
    if (absent) throw usageError(`--adapter: ${absent}`);
    throw usageError(`--${flag}: unknown ${flag} ${JSON.stringify(n)}; valid values: ${known.join(', ')}`);
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

function parseBench(text: string | undefined, fallback: BenchMode): BenchMode {
  if (text === undefined) return fallback;
  if (!(BENCH_MODES as readonly string[]).includes(text)) {
    throw usageError(`--bench: unknown mode ${JSON.stringify(text)}; expected one of ${BENCH_MODES.join(', ')} (on: quick sizes with --quick, full without)`);
  }
  return text as BenchMode;
}

function elapsed(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function benchProgress(e: BenchEvent): void {
  const line = e.type === 'section-start' ? `bench: ${e.section}...`
    : e.type === 'section-end' ? `bench: ${e.section} done in ${elapsed(e.ms)}`
      : e.type === 'step' ? `bench:   ${e.section}: ${e.label}`
        : `bench: ${e.section} skipped: ${e.reason}`;
  process.stderr.write(`${line}\n`);
}

/**
 * The step after the scenarios: the benchmark suite (or a bench.json read up front), as results under the "bench"
 * pseudo-adapter and the report's Benchmarks section. Bench claims are advisory: their verdicts never set the exit code.
 */
function benchStep(mode: BenchMode, quick: boolean, loaded: { result: BenchResult; file: string } | undefined, shard: { index: number; count: number } | undefined): RunOptions['afterScenarios'] {
  if (loaded) {
    return async () => {
      process.stderr.write(`bench: figures from ${loaded.file} (${loaded.result.targets.length} targets; not measured in this run)\n`);
      return { results: [benchScenarioResult(loaded.result, loaded.file)], bench: benchReportSection(loaded.result) };
    };
  }
  if (mode === 'off') return undefined;
  if (shard && shard.index !== 1) {
    return async () => ({ results: [benchSkippedResult(`the benchmarks run in shard 1/${shard.count} only (this is shard ${shard.index}/${shard.count}); gauntlet merge keeps them`)] });
  }
  const benchQuick = mode === 'quick' || (mode === 'on' && quick);
  return async () => {
    const size = benchQuick ? 'quick' : 'full';
    process.stderr.write(`bench: running the benchmark suite (${size}, ${benchQuick ? 'about 30 s' : 'up to 3 min'}; --bench off skips it)\n`);
    const t0 = performance.now();
    let result: BenchResult;
    try {
      result = await runBench({ quick: benchQuick, onEvent: benchProgress });
    } catch (e) {
      // runBench records a failing section in `skipped`; anything else still only costs the (advisory) bench claims.
      const why = `the benchmark suite failed after ${elapsed(performance.now() - t0)}: ${(e as Error).message}`;
      process.stderr.write(`bench: ${why}\n`);
      return { results: [benchSkippedResult(why)] };
    }
    const met = result.targets.filter((t) => t.pass).length;
    process.stderr.write(`${formatTargets(result.targets).split('\n').map((l) => `bench: ${l}`).join('\n')}\n`);
    process.stderr.write(`bench: done in ${elapsed(performance.now() - t0)} (${size}; ${met}/${result.targets.length} targets met${result.skipped.length ? `; skipped: ${result.skipped.map((s) => s.section).join(', ')}` : ''})\n`);
    return { results: [benchScenarioResult(result, `this run's benchmarks (${size})`)], bench: benchReportSection(result) };
  };
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
    const dims = g.metadata.get(`${String(g.metadata.get('general.architecture'))}.embedding_length`);
    if (typeof dims === 'number' || typeof dims === 'bigint') info.dims = Number(dims);
  } catch { /* a model the reader cannot parse is still run: the scenarios say what happens */ }
  return info;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  const lanes = parseLanes(values.lanes);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Flags first: a bad flag fails before a model is generated or a process forked.
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const reporterNames = values.reporter ? pickNames('reporter', values.reporter, REPORTER_NAMES, []) : undefined;
  const config = await loadConfig(values.config);
  for (const w of config.warnings ?? []) process.stderr.write(`gauntlet: warning: ${w}\n`);
  const adapterNames = pickNames('adapter', values.adapter, Object.keys(config.adapters), config.defaultAdapters);
  const registry = allScenarios(config.scenarios);
  const registryIds = registry.map((s) => s.id);
  const scenarioIds = pickNames('scenario', values.scenario, registryIds, registryIds);
  const seed = parseSeed(values.seed, config.seed);
  if (values['bench-results'] !== undefined && values.bench !== undefined) {
    throw usageError(`--bench ${values.bench} and --bench-results: give one or the other (--bench-results uses figures measured earlier instead of running the benchmarks)`);
  }
  const benchMode = parseBench(values.bench, config.bench);
  const benchFile = values['bench-results'] === undefined ? undefined : path.resolve(values['bench-results']);
  const benchLoaded = benchFile ? { result: await readBenchResults(benchFile), file: path.relative(process.cwd(), benchFile) || benchFile } : undefined;
  if (values.list) {
    const rel = config.configFile ? path.relative(process.cwd(), config.configFile) : '';
    const from = !config.configFile ? 'the config' : rel && !rel.startsWith('..') ? rel : config.configFile;
    const own = config.scenarios.length ? `config scenarios (${from}): ${config.scenarios.map((s) => s.id).join(', ')}\n` : '';
    const ownClaims = config.userClaims.length ? `config claims (${from}): ${config.userClaims.map((c) => c.id).join(', ')}\n` : '';
    // Then one adapter a line: its kind, whether a bare `gauntlet run` uses it, and its description.
    const adapterLines = Object.entries(config.adapters).map(([name, a]) => {
      const tags = [a.kind, ...(config.defaultAdapters.includes(name) ? ['default'] : []), ...(a.comparison ? ['comparison'] : [])];
      return `  ${name} (${tags.join(', ')})${a.description ? `: ${a.description}` : ''}\n`;
    }).join('');
    process.stdout.write(`scenarios: ${SCENARIO_IDS.join(', ')}\n${own}${ownClaims}adapters: ${Object.keys(config.adapters).join(', ') || `(none)${noAdapters(config)}`}\n${adapterLines}`);
    return 0;
  }
  const outDir = path.resolve(values.out ?? config.outDir);
  const reporterSpecs: ReporterSpec[] = reporterNames ?? config.reporters;
  const reporters = createReporters(reporterSpecs);
  claimsForConfig(config.claims, config.userClaims); // bad overrides fail before a model is generated

  if (adapterNames.length === 0) throw usageError(`nothing to run: no adapters${noAdapters(config)}`);
  const modelPath = await ensureModel(config.model);
  const claims = claimsForConfig(config.claims, config.userClaims, await modelReferenceBound(modelPath));
  const adapters: ResolvedAdapter[] = adapterNames.map((n) => resolveAdapter(config, n, modelPath));
  const scenarios = registry.filter((s) => scenarioIds.includes(s.id));
  // A flag given twice (`npm run scenarios -- --quick` where the script already says --quick) is written once.
  const kept = argv.filter((a, i) => a !== '--seed' && argv[i - 1] !== '--seed' && !a.startsWith('--seed='))
    .filter((a, i, all) => !(a === '--quick' && all.indexOf(a) !== i));
  const command = ['npx gauntlet run', ...[...kept, '--seed', String(seed)].map((a) => (/^[\w./:=,-]+$/.test(a) ? a : JSON.stringify(a)))].join(' ');

  // Ctrl-C / SIGTERM: stop the scenario under way, write the reports of the runs that completed, exit 130 / 143.
  // A second signal quits at once (the process-exit hook still ends every process the run started).
  const interrupt = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      process.stderr.write(`\ngauntlet run: ${sig} again: quitting without reports\n`);
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    process.stderr.write(`\ngauntlet run: ${sig} received: stopping the scenario under way and writing the reports of the runs that completed (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again quits at once)\n`);
    interrupt.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runAndReport();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  async function runAndReport(): Promise<number> {
  const model = await modelInfo(config, modelPath);
  // A golden file is checked against the run's model before anything starts.
  const golden = config.golden ? await readGolden(config.golden, { modelSha256: model.sha256, modelPath }) : undefined;
  if (golden) process.stderr.write(`gauntlet run: embeddings judged against ${describeGolden(golden)}\n`);
  const { report, problems } = await runGauntlet({
    scenarios, adapters, seed, quick: values.quick, command, shard,
    model,
    ...(golden ? { golden } : {}),
    evaluate: (results, list) => evaluateClaims(claims, results, list.map((a) => ({ name: a.name, kind: a.config.kind, enforcesLimits: enforcesLimits(a.config) }))),
    reporters,
    memoryLimitMechanism: pickMechanism(),
    afterScenarios: values.list ? undefined : benchStep(benchMode, values.quick, benchLoaded, shard),
    interrupt: interrupt.signal,
    lanes,
    // Only orders the overlap runs (longest first); a sharded run's durations are its shard's, merged in the same file.
    durationsFile: path.join(config.cacheDir, 'run-durations.json'),
  });
  const files = await writeReports(report, outDir, reporters);
  for (const p of problems) process.stderr.write(`gauntlet run: ${p.message} [${p.code}]\n`);
  if (files.length) process.stderr.write(`reports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(', ')}\n`);
  if (report.partial) process.stderr.write(`gauntlet run: partial run (${report.partial.signal}): ${report.scenarios.length} run(s) reported, ${report.partial.notRun.length + (report.partial.interrupted ? 1 : 0)} not run\n`);
  return report.summary.exitCode;
  }
}
