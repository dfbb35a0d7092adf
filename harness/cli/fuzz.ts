/**
 * `gauntlet fuzz --adapter NAME [--frames N] [--seed S] [--json]`: the fuzz scenario (scenarios/fuzz.ts) against one
 * adapter, N frames (process adapters) or N requests (http adapters), with its claims' verdicts and every crash
 * saved as a replayable case (seed, indices, bytes in base64).
 * Exit code: 0 no crash and every probe answered correctly, 1 a claim failed, 2 usage or harness error.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FUZZ_CLAIMS } from '../claims/claims-fuzz.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { loadConfig } from '../config/load-config.ts';
import { adapterNames, resolveAdapter } from '../config/resolve-config.ts';
import { casesFromTimeline, type FuzzCase } from '../fuzz/cases.ts';
import { replayCase } from '../fuzz/replay.ts';
import { runGauntlet } from '../runner/run.ts';
import { usageError } from '../util/errors.ts';
import { referenceAbsent } from '../engines/node-llama-cpp.ts';
import fuzzScenario from '../../scenarios/fuzz.ts';

export const HELP = `usage: gauntlet fuzz --adapter NAME [--frames N] [--seed S] [--quick] [--json]
       gauntlet fuzz --adapter NAME --replay FILE [--json]

Throws seeded malformed input at one adapter's wire, with valid probes in between that must still get the right
vector: protocol frames for process adapters (random bytes, truncations, bit flips, wrong types in every field,
unknown types, missing and duplicate ids, deep nesting, invalid UTF-8, huge strings and batches, requests out of
order, length prefixes over the limit), HTTP requests for http adapters (bad JSON, wrong types and content types,
huge bodies and batches, lying lengths, bad headers, raw garbage, slow clients). Frame i of seed S is always the
same frame. Each crash is printed as a case: seed, indices, kinds and the bytes (base64).

options:
  --adapter NAME   adapter from the config (default: the config's first default adapter, reference in gauntlet's
                   own; in-process adapters have no wire)
  --frames N       frames (process) or requests (http) to send (default: the scenario's full size, 20000 / 3000)
  --seed S         seed of the frames (default: the config's)
  --quick          the scenario's quick sizes (2000 frames / 300 requests) unless --frames says otherwise
  --config FILE    gauntlet config (default: ./gauntlet.config.ts, else the package's)
  --replay FILE    send the saved crash cases in FILE again, each to a fresh embedder, and say whether it dies:
                   FILE is one case, the --json output of a fuzz run, or a report.json (its fuzz timeline)
  --json           print the result as JSON

exit code: 0 no crash, no hang, every probe correct; 1 a fuzz claim failed; 2 usage or harness error.
`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv, allowPositionals: false, strict: true,
      options: {
        adapter: { type: 'string' },
        frames: { type: 'string' },
        seed: { type: 'string' },
        quick: { type: 'boolean', default: false },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        replay: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
}

function positiveInt(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > max || (flag === '--frames' && n < 1)) {
    throw usageError(`${flag}: expected an integer ${flag === '--frames' ? 'from 1' : 'from 0'} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) { process.stdout.write(HELP); return 0; }
  const frames = positiveInt('--frames', values.frames, 10_000_000);
  const seedArg = positiveInt('--seed', values.seed, 0xffffffff);
  const config = await loadConfig(values.config);
  const name = values.adapter ?? config.defaultAdapters[0] ?? 'reference';
  if (!adapterNames(config).includes(name)) {
    throw usageError(`--adapter: ${referenceAbsent(name, adapterNames(config)) ?? `unknown adapter ${JSON.stringify(name)}; known: ${adapterNames(config).join(', ')}`}`);
  }
  const seed = seedArg ?? config.seed;
  const modelPath = await ensureModel(config.model);
  const adapter = resolveAdapter(config, name, modelPath);
  if (adapter.config.kind === 'in-process') throw usageError(`--adapter ${adapter.name}: an in-process adapter has no wire between host and model to fuzz`);

  if (values.replay !== undefined) return replay(values.replay, adapter, values.json);

  const sizes = values.quick ? fuzzScenario.quick : fuzzScenario.full;
  const scenario = { ...fuzzScenario, [values.quick ? 'quick' : 'full']: { ...sizes, ...(frames !== undefined ? { frames, requests: frames } : {}) } };
  const command = ['npx gauntlet fuzz', '--adapter', adapter.name, ...(frames !== undefined ? ['--frames', String(frames)] : []), '--seed', String(seed), ...(values.quick ? ['--quick'] : [])].join(' ');
  const outcome = await runGauntlet({
    scenarios: [scenario], adapters: [adapter], seed, quick: values.quick, command,
    model: { path: modelPath, bytes: statSync(modelPath).size },
  });
  const result = outcome.report.scenarios.find((r) => r.scenario === 'fuzz');
  if (!result) throw new Error('the fuzz scenario produced no result');
  const ids = new Set(FUZZ_CLAIMS.map((c) => c.id));
  const verdicts = outcome.report.verdicts.filter((v) => ids.has(v.claim) || v.claim === 'host-never-crashes');
  const m = result.metrics;
  const cases = casesFromTimeline(result.timeline);
  const summary = {
    adapter: adapter.name, kind: adapter.config.kind, seed, status: result.status,
    [adapter.config.kind === 'http' ? 'requests' : 'frames']: m['fuzz.sent'] ?? null,
    crashes: m['fuzz.crashes'] ?? null,
    streamCloses: m['fuzz.streamCloses'] ?? null,
    probes: { sent: m['fuzz.probes.sent'] ?? null, incorrect: m['fuzz.probes.incorrect'] ?? null, unanswered: m['fuzz.probes.unanswered'] ?? null, correctRatio: m['fuzz.probes.correctRatio'] ?? null },
    timeMs: m['fuzz.durationMs'] ?? Math.round(result.durationMs),
    verdicts: verdicts.map((v) => ({ claim: v.claim, verdict: v.verdict, value: v.value, threshold: v.threshold, reason: v.reason })),
    cases,
    errors: result.errors.slice(0, 20).map((e) => `${e.code}: ${e.message}`),
    notes: result.notes,
    command,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const unit = adapter.config.kind === 'http' ? 'requests' : 'frames';
    process.stdout.write(`fuzz ${adapter.name} (seed ${seed}): ${m['fuzz.sent']} ${unit}, ${m['fuzz.crashes']} crash(es), probes ${m['fuzz.probes.sent']} sent / ${m['fuzz.probes.incorrect']} incorrect / ${m['fuzz.probes.unanswered']} unanswered, ${(summary.timeMs / 1000).toFixed(1)} s [${result.status}]\n`);
    for (const v of verdicts) process.stdout.write(`  ${v.verdict.toUpperCase().padEnd(14)} ${v.claim}: ${v.reason}\n`);
    for (const c of cases) process.stdout.write(`  case: seed ${c.seed} index ${c.indices.join(',')} (${c.kinds.join(',')}) ${c.death.signal ?? `exit ${c.death.exitCode}`}: ${c.bytes}\n`);
    for (const e of summary.errors) process.stdout.write(`  error ${e}\n`);
  }
  for (const p of outcome.problems) process.stderr.write(`gauntlet fuzz: ${p.message} [${p.code}]\n`);
  if (result.status !== 'completed' || outcome.problems.length > 0) return 2;
  return verdicts.some((v) => v.severity === 'required' && v.verdict === 'fail') ? 1 : 0;
}

/** The cases in a file: one case, a `gauntlet fuzz --json` output, or a report.json. */
export function casesInFile(file: string): FuzzCase[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw usageError(`--replay: cannot read ${JSON.stringify(file)} as JSON: ${(e as Error).message}`);
  }
  const d = doc as { bytes?: unknown; cases?: unknown; scenarios?: Array<{ timeline?: Array<{ label: string; details?: Record<string, unknown> }> }> };
  if (typeof d.bytes === 'string') return [doc as FuzzCase];
  if (Array.isArray(d.cases)) return d.cases as FuzzCase[];
  if (Array.isArray(d.scenarios)) return d.scenarios.flatMap((r) => casesFromTimeline(r.timeline ?? []));
  throw usageError(`--replay: ${JSON.stringify(file)} holds no fuzz case (expected a case, a fuzz --json output or a report.json)`);
}

async function replay(file: string, adapter: Parameters<typeof replayCase>[1], json: boolean): Promise<number> {
  const cases = casesInFile(file);
  if (cases.length === 0) throw usageError(`--replay: ${JSON.stringify(file)} holds no fuzz case`);
  const results = [];
  for (const c of cases) results.push({ indices: c.indices, kinds: c.kinds, ...(await replayCase(c, adapter)) });
  if (json) process.stdout.write(`${JSON.stringify({ adapter: adapter.name, replayed: results.length, reproduced: results.filter((r) => r.reproduced).length, results }, null, 2)}\n`);
  else {
    for (const r of results) {
      process.stdout.write(`case ${r.indices.join(',')} (${r.kinds.join(',')}): ${r.reproduced ? `REPRODUCED (${r.death?.reason}, ${r.death?.signal ?? `exit ${r.death?.exitCode}`})` : 'not reproduced'}; probe ${r.probe}${r.bytesMatchSeed ? '' : '; the bytes differ from what the seed makes today'}\n`);
    }
  }
  // 1 when a case still kills the embedder (a failing check), 0 when none does.
  return results.some((r) => r.reproduced) ? 1 : 0;
}
