/**
 * `gauntlet embed --adapter NAME [--config FILE] [--model FILE] [--json] TEXT...`
 * Embeds texts through the real path: this process (orchestrator) -> forked host -> adapter -> embedder.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { adapterNames, resolveAdapter } from '../config/resolve-config.ts';
import { startHost } from '../host/host-handle.ts';
import { usageError } from '../util/errors.ts';

export const HELP = `usage: gauntlet embed --adapter NAME [--config FILE] [--model FILE] [--json] TEXT...

Embeds each TEXT through one adapter (orchestrator -> host process -> adapter -> embedder).

options:
  --adapter NAME   adapter from the config (default: the config's first default adapter; reference in gauntlet's own)
  --config FILE    gauntlet config file (default: ./gauntlet.config.ts, else the package's)
  --model FILE     GGUF model (default: the config's; the generated tiny model unless set)
  --normalize      L2-normalise the vectors
  --json           print {"adapter","model","dims","vectors"} as JSON
  --list           print the known adapter names and exit
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        adapter: { type: 'string' },
        config: { type: 'string' },
        model: { type: 'string' },
        normalize: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = await loadConfig(values.config);
  for (const w of config.warnings ?? []) process.stderr.write(`gauntlet: warning: ${w}\n`);
  if (values.list) {
    process.stdout.write(adapterNames(config).join('\n') + '\n');
    return 0;
  }
  if (positionals.length === 0) throw usageError(`give at least one TEXT to embed\n\n${HELP}`);
  const name = values.adapter ?? config.defaultAdapters[0] ?? 'reference';
  // Check the name before generating a model or forking anything.
  resolveAdapter(config, name);
  const model = values.model ?? (await ensureModel(config.model));
  const adapter = resolveAdapter(config, name, model);
  if (values.normalize) adapter.normalize = true;

  const host = await startHost(adapter);
  let vectors: Float32Array[];
  try {
    vectors = [];
    for (const text of positionals) vectors.push(await host.embed(text));
  } finally {
    await host.close();
  }
  const dims = host.info?.dims ?? vectors[0]?.length ?? 0;
  if (values.json) {
    process.stdout.write(JSON.stringify({ adapter: adapter.name, model: adapter.model, dims, vectors: vectors.map((v) => Array.from(v)) }) + '\n');
  } else {
    process.stdout.write(`adapter ${adapter.name}, model ${adapter.model}, ${dims} dims\n`);
    positionals.forEach((text, i) => {
      const v = vectors[i]!;
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      const head = Array.from(v.slice(0, 4), (x) => x.toFixed(4)).join(', ');
      process.stdout.write(`${JSON.stringify(text)}: [${head}${v.length > 4 ? ', ...' : ''}] norm ${norm.toFixed(4)}\n`);
    });
  }
  return 0;
}
