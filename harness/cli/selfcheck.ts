/**
 * `gauntlet selfcheck`: plants every fault switch of the reference embedder, runs the scenarios meant to catch
 * each, runs the clean reference through all of them, and prints the matrix and the score.
 * Exit code: 0 every planted fault caught and the clean reference passed, 1 otherwise, 2 harness error.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { claimsForConfig } from '../claims/index.ts';
import { modelReferenceBound } from '../gguf/reference-bound.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { loadConfig } from '../config/load-config.ts';
import { modelFileName, resolveAdapter } from '../config/resolve-config.ts';
import type { ResolvedConfig } from '../config/types.ts';
import type { Arch } from '../gguf/model-spec.ts';
import type { PlannedFault } from '../selfcheck/plan.ts';
import { readGguf } from '../gguf/reader.ts';
import type { RunModel } from '../runner/types.ts';
import { requireNodeLlamaCpp } from '../engines/node-llama-cpp.ts';
import { formatSelfcheck, selfcheckJson } from '../selfcheck/format.ts';
import { pickFaults, selfcheckPlan } from '../selfcheck/plan.ts';
import { runSelfcheck, type SelfcheckEvent } from '../selfcheck/run-selfcheck.ts';
import { selfcheckExitCode } from '../selfcheck/score.ts';
import { usageError } from '../util/errors.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

export const HELP = `usage: gauntlet selfcheck [options]

Plants each fault switch of the reference embedder (an adapter such as reference+swap-ids, whose embedder
command gets --fault swap-ids), runs the scenarios
meant to catch it, and runs the clean reference through all of them. A fault is caught when a REQUIRED claim
fails for it and not for the clean reference. Prints the matrix and the score (faults caught / planted).

options:
  --quick            small sizes, and a fault stops at the first scenario that catches it
  --json             print the result as JSON on stdout (progress stays on stderr)
  --fault NAME[=V]   plant only this fault (repeatable), optionally with another value. Known: ${selfcheckPlan().map((p) => p.fault).join(', ')}
  --every-scenario   with --quick, still run every planned scenario of a fault
  --adapter NAME     the clean reference adapter to plant faults into (default: reference; a process adapter)
  --http-adapter NAME  the clean http reference for the http-only rows (default: reference-http; "none" skips them)
  --config FILE      gauntlet config (default: ./gauntlet.config.ts, else the package's)
  --seed N           seed of every random choice (default: the config's)
  --list             print the plan (fault, value, scenarios, expected claims) and exit

exit code: 0 score 1 and the clean reference passed, 1 otherwise, 2 harness error.
`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        fault: { type: 'string', multiple: true },
        'every-scenario': { type: 'boolean', default: false },
        adapter: { type: 'string' },
        'http-adapter': { type: 'string' },
        config: { type: 'string' },
        seed: { type: 'string' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
}

function parseSeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw usageError(`--seed: expected an integer between 0 and 4294967295, got ${JSON.stringify(text)}`);
  }
  return n;
}

async function modelInfo(file: string, dtype: string | undefined): Promise<RunModel> {
  const info: RunModel = { path: file, bytes: statSync(file).size, ...(dtype ? { dtype } : {}) };
  try {
    const meta = (await readGguf(file)).metadata;
    const dims = meta.get(`${String(meta.get('general.architecture'))}.embedding_length`);
    if (typeof dims === 'number' || typeof dims === 'bigint') info.dims = Number(dims);
  } catch { /* the scenarios say what happens with a model the reader cannot parse */ }
  return info;
}

/**
 * The model each model-level row's architecture runs on: the run's own when it is of that architecture, else the
 * generated model of that architecture with the run's preset, seed and dtype (the defaults for a model file).
 */
async function archModels(config: ResolvedConfig, modelPath: string, plan: readonly PlannedFault[]): Promise<Partial<Record<Arch, RunModel>>> {
  const out: Partial<Record<Arch, RunModel>> = {};
  let ownArch: string | undefined;
  try { ownArch = String((await readGguf(modelPath)).metadata.get('general.architecture')); } catch { /* not a readable model */ }
  const m = config.model;
  const gen = m.kind === 'generated' ? m : { preset: 'tiny' as const, seed: 1, dtype: 'f32' as const };
  for (const arch of new Set(plan.map((p) => p.arch).filter((a): a is Arch => a !== undefined))) {
    const file = arch === ownArch
      ? modelPath
      : await ensureModel({ kind: 'generated', preset: gen.preset, seed: gen.seed, dtype: gen.dtype, arch, path: path.join(config.cacheDir, 'models', modelFileName({ ...gen, arch })) });
    out[arch] = await modelInfo(file, gen.dtype);
  }
  return out;
}

function progress(e: SelfcheckEvent): void {
  const t = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const w = (s: string) => process.stderr.write(`selfcheck ${s}\n`);
  switch (e.type) {
    case 'start': w(`${e.planted} planted faults; clean reference through ${e.cleanScenarios.join(', ')}`); break;
    case 'step-start':
      w(e.step === 'clean' ? `[clean] ${e.adapter}: ${e.scenarios.join(', ')}` : `[${e.index}/${e.total}] ${e.adapter}: ${e.scenarios.join(', ') || 'no scenario'}`);
      break;
    case 'scenario-start': w(`  ${e.label}: ${e.scenario} ... (${t(e.elapsedMs)})`); break;
    case 'scenario-end': w(`  ${e.label}: ${e.outcome.scenario} ${e.outcome.status} in ${t(e.outcome.durationMs)} (${t(e.elapsedMs)})`); break;
    case 'clean-end': {
      const failed = e.run.verdicts.filter((v) => v.severity === 'required' && v.verdict === 'fail').map((v) => v.claim);
      w(`[clean] done in ${t(e.run.durationMs)}${failed.length ? `; required claims FAILED: ${failed.join(', ')}` : ''}`);
      break;
    }
    case 'fault-end':
      w(`[${e.index}/${e.total}] ${e.row.fault}: ${e.row.legal ? (e.row.ok ? 'legal, passed' : `legal, WRONGLY FAILED ${e.row.caughtBy.join(', ')}`) : e.row.caught ? `caught by ${e.row.caughtBy.join(', ')}` : 'NOT caught'} in ${t(e.row.durationMs)} (${t(e.elapsedMs)})`);
      break;
    case 'problem': w(`problem: ${e.message} [${e.code}]`); break;
  }
}

export async function run(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  requireNodeLlamaCpp('gauntlet selfcheck (it plants faults in the reference embedder)');
  const plan = pickFaults(values.fault);
  if (values.list) {
    for (const p of plan) process.stdout.write(`${p.id.padEnd(22)} ${p.base.padEnd(8)} ${p.scenarios.join(', ').padEnd(36)} ${p.legal ? 'legal: must pass every required claim' : `expects ${p.expect.join(', ')}`}\n`);
    return 0;
  }
  if (process.env.GAUNTLET_FAULTS !== undefined) {
    // Embedders inherit this process's environment: an inherited switch would plant a fault in the clean run.
    process.stderr.write(`selfcheck: ignoring GAUNTLET_FAULTS=${JSON.stringify(process.env.GAUNTLET_FAULTS)} from the environment (faults are planted per adapter)\n`);
    delete process.env.GAUNTLET_FAULTS;
  }
  const config = await loadConfig(values.config);
  const seed = parseSeed(values.seed, config.seed);
  const modelPath = await ensureModel(config.model);
  const base = resolveAdapter(config, values.adapter ?? 'reference', modelPath);
  const httpName = values['http-adapter'] ?? 'reference-http';
  const wantsHttp = plan.some((p) => p.base === 'http');
  const httpBase = wantsHttp && httpName !== 'none' ? resolveAdapter(config, httpName, modelPath) : undefined;
  if (httpBase && httpBase.config.kind !== 'http') throw usageError(`--http-adapter: ${JSON.stringify(httpName)} is a ${httpBase.config.kind} adapter; pick an http adapter that starts the reference embedder (e.g. reference-http)`);
  const command = ['npx gauntlet selfcheck', ...argv.filter((a, i) => a !== '--seed' && argv[i - 1] !== '--seed' && !a.startsWith('--seed=')), '--seed', String(seed)].join(' ');

  const outcome = await runSelfcheck({
    // The config's overrides apply; its own scenarios and claims are not part of the planted-fault matrix.
    base, ...(httpBase ? { httpBase } : {}), plan, registry: SCENARIOS, claims: claimsForConfig(config.claims, [], await modelReferenceBound(modelPath)), seed, quick: values.quick,
    model: await modelInfo(modelPath, config.model.kind === 'generated' ? config.model.dtype : undefined),
    archModels: await archModels(config, modelPath, plan),
    command,
    stopAtCatch: values.quick && !values['every-scenario'],
    onProgress: progress,
  });
  const { summary, problems } = outcome;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(selfcheckJson(summary, { seed, quick: values.quick, problems }), null, 2)}\n`);
  } else {
    process.stdout.write(formatSelfcheck(summary));
  }
  for (const p of problems) process.stderr.write(`gauntlet selfcheck: ${p.message} [${p.code}]\n`);
  return problems.length > 0 ? 2 : selfcheckExitCode(summary);
}
