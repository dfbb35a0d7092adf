import { GauntletError, toError } from '../util/errors.ts';

/** Each subcommand lives in its own file and exports `run(argv): Promise<number>` (the exit code). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> = {
  init: { summary: 'set gauntlet up in your project: config, package.json script, GitHub workflow', load: () => import('./init.ts') },
  gguf: { summary: 'generate, inspect, check, corrupt and verify GGUF models', load: () => import('./gguf.ts') },
  embed: { summary: 'embed texts through a configured adapter', load: () => import('./embed.ts') },
  golden: { summary: 'record golden vectors with an engine you trust, for models the oracle cannot run', load: () => import('./golden.ts') },
  run: { summary: 'run scenarios against adapters and write reports', load: () => import('./run.ts') },
  compare: { summary: 'compare two report.json files for regressions', load: () => import('./compare.ts') },
  merge: { summary: 'merge sharded report.json files', load: () => import('./merge.ts') },
  selfcheck: { summary: 'prove every planted fault is caught', load: () => import('./selfcheck.ts') },
  fuzz: { summary: 'throw seeded malformed frames or requests at one adapter, with valid probes in between', load: () => import('./fuzz.ts') },
  bench: { summary: 'codec, transport and isolation benchmarks', load: () => import('./bench.ts') },
  engines: { summary: 'build and list third-party engines (llama.cpp llama-server)', load: () => import('./engines.ts') },
  docs: { summary: 'regenerate docs/claims.md and docs/gguf-corruptions.md', load: () => import('./docs.ts') },
};

export function usage(): string {
  const lines = ['usage: gauntlet <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `gauntlet <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`gauntlet: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (e) {
    const err = toError(e);
    if (err instanceof GauntletError) {
      process.stderr.write(`gauntlet ${name}: ${err.message} [${err.code}]\n`);
      return err.code === 'GAUNTLET_MODEL_INVALID' ? 1 : 2;
    }
    process.stderr.write(`gauntlet ${name}: internal error: ${err.stack ?? err.message}\n`);
    return 2;
  }
}
