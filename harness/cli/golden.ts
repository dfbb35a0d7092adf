/**
 * `gauntlet golden record --adapter NAME --out FILE [--config FILE] [--model FILE] [--seed N] [--full]`: embeds the
 * hard-text corpus through one adapter and writes the vectors (harness/golden). A config with `golden: FILE` then
 * judges embeddings-match-reference against them.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { resolveAdapter } from '../config/resolve-config.ts';
import { writeGolden } from '../golden/golden-file.ts';
import { recordGolden } from '../golden/record-golden.ts';
import { usageError } from '../util/errors.ts';

export const HELP = `usage: gauntlet golden record --adapter NAME --out FILE [--config FILE] [--model FILE] [--seed N] [--full]

Embeds the hard-text corpus (the corpus scenario's categories, drawn from --seed) through one adapter you trust and
writes every vector to FILE. \`golden: 'FILE'\` in a config then makes embeddings-match-reference compare each
adapter's vectors with these, instead of the oracle's (for a model the oracle cannot run, or to pin an engine).

options:
  --adapter NAME   the adapter whose vectors become the reference (required)
  --out FILE       golden file to write (required)
  --config FILE    gauntlet config (default: ./gauntlet.config.ts, else the package's)
  --model FILE     GGUF model (default: the config's)
  --seed N         corpus seed (default: the config's seed)
  --full           the corpus at full size (12 texts per category) instead of quick (4)
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'record') throw usageError(`golden: expected the subcommand "record", got ${JSON.stringify(sub)}\n\n${HELP}`);
  let values;
  try {
    values = parseArgs({
      args: rest,
      options: {
        adapter: { type: 'string' }, out: { type: 'string' }, config: { type: 'string' }, model: { type: 'string' },
        seed: { type: 'string' }, full: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.adapter) throw usageError(`golden record: --adapter is required (the engine whose vectors you trust)\n\n${HELP}`);
  if (!values.out) throw usageError(`golden record: --out is required\n\n${HELP}`);
  const config = await loadConfig(values.config);
  let seed = config.seed;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) throw usageError(`golden record: --seed ${JSON.stringify(values.seed)}: expected a non-negative integer`);
  }
  resolveAdapter(config, values.adapter); // a bad name fails before a model is generated
  const model = path.resolve(values.model ?? (await ensureModel(config.model)));
  const adapter = resolveAdapter(config, values.adapter, model);
  const out = path.resolve(values.out);
  const started = performance.now();
  const data = await recordGolden({
    adapter, modelPath: model, seed, size: values.full ? 'full' : 'quick',
    loadOracle: async (p) => (await import('../gguf/oracle.ts')).loadOracle(p),
  });
  await writeGolden(out, data);
  const texts = data.requests.reduce((n, r) => n + r.texts.length, 0);
  process.stdout.write(`${out}: ${texts} texts in ${data.requests.length} requests, ${data.dims} dims, recorded with ${adapter.name} (${adapter.config.kind}) on ${model} in ${Math.round(performance.now() - started)} ms\n`);
  for (const n of data.corpus.notes) process.stdout.write(`  note: ${n}\n`);
  return 0;
}
