/**
 * `gauntlet engines build NAME [--force] [--jobs N]` and `gauntlet engines list [--json]`: third-party engines
 * gauntlet builds from source it already has (llama.cpp's llama-server, from node-llama-cpp's bundle), cached
 * outside any project under <cache>/engines (GAUNTLET_CACHE, else ~/.cache/gauntlet).
 */
import { parseArgs } from 'node:util';
import { buildLlamaServer, type BuildEvent } from '../engines/build-llama-server.ts';
import { installTransformersJs, locateTransformersJs, TRANSFORMERS_JS_SPECS } from '../engines/install-transformers.ts';
import { builtEngines, ENGINE_NAMES, enginesDir, locateEngine, onPath, type EngineName } from '../engines/locate.ts';

/** What `engines build` knows: executables it compiles, and transformers.js, which it installs with npm. */
const BUILDABLE = [...ENGINE_NAMES, 'transformers-js', 'shm'] as const;
import { usageError } from '../util/errors.ts';
import { buildShmAddon } from '../transport/shm-native.ts';

export const HELP = `usage: gauntlet engines build NAME [--force] [--jobs N]
       gauntlet engines list [--json]

Third-party engines, built from source gauntlet already has and cached outside your project.

  build llama-server   llama.cpp's own HTTP server, from the llama.cpp source node-llama-cpp ships, CPU only,
                       with cmake and the system C++ compiler (about 10-20 min on 2 cores; reused after)
  build transformers-js  transformers.js + onnxruntime-node (CPU) from npm, outside your node_modules
                       (~475 MB; onnxruntime's download step is skipped), for the ONNX engines
  build shm            the shared-memory addon of the shm transport (harness/native/shm, Node-API, the system C
                       compiler against Node's headers; under a second; otherwise built on first use)
  list                 what is built (and where), and what is on PATH

options:
  --force     build again even if this source is already built
  --jobs N    parallel compile jobs (default: every core)
  --json      list as JSON

The cache is $GAUNTLET_CACHE/engines, else ~/.cache/gauntlet/engines (now: ${enginesDir()}).
An engine on PATH is used before a built one (see examples/llama-server.config.ts).
`;

function progressPrinter(): (e: BuildEvent) => void {
  let lastPct = -1;
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(0)}s`;
  return (e) => {
    if (e.type === 'step') process.stderr.write(`engines: [${at()}] ${e.label}\n`);
    else if (e.type === 'progress') {
      const pct = Math.floor((100 * e.done) / Math.max(1, e.total));
      if (pct >= lastPct + 5 || e.done === e.total) {
        lastPct = pct;
        process.stderr.write(`engines: [${at()}] compiling ${pct}% (${e.done}/${e.total})\n`);
      }
    }
  };
}

async function build(name: string | undefined, values: { force?: boolean; jobs?: string }): Promise<number> {
  if (!name) throw usageError(`engines build: name an engine (${BUILDABLE.join(', ')})\n\n${HELP}`);
  if (!(BUILDABLE as readonly string[]).includes(name)) throw usageError(`engines build: unknown engine ${JSON.stringify(name)}; known: ${BUILDABLE.join(', ')}`);
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!/^\d+$/.test(values.jobs) || jobs < 1) throw usageError(`--jobs: expected a positive integer, got ${JSON.stringify(values.jobs)}`);
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (name === 'transformers-js') {
      process.stderr.write(`engines: installing ${TRANSFORMERS_JS_SPECS.join(' ')} into ${enginesDir()} (npm)\n`);
      const t = await installTransformersJs({ force: values.force, onLine: (l) => process.stderr.write(`engines:   ${l}\n`), signal: controller.signal });
      process.stderr.write(t.reused
        ? `engines: transformers.js ${t.transformersVersion} / onnxruntime-node ${t.onnxruntimeVersion} is already installed; --force installs it again\n`
        : `engines: installed transformers.js ${t.transformersVersion} / onnxruntime-node ${t.onnxruntimeVersion} in ${t.seconds.toFixed(1)} s\n`);
      process.stdout.write(`${t.dir}\n`);
      return 0;
    }
    if (name === 'shm') {
      let b;
      try {
        b = buildShmAddon({ force: values.force });
      } catch (e) {
        throw usageError(`engines build shm: ${(e as Error).message}`);
      }
      process.stderr.write(b.built ? `engines: built the shm addon in ${b.buildMs} ms\n` : 'engines: the shm addon is already built; --force builds it again\n');
      process.stdout.write(`${b.addon}\n`);
      return 0;
    }
    const r = await buildLlamaServer({ force: values.force, jobs, onEvent: progressPrinter(), signal: controller.signal });
    process.stderr.write(r.reused
      ? `engines: llama-server ${r.manifest.tag} (${r.manifest.commit}) is already built (${r.manifest.buildSeconds} s on ${r.manifest.builtAt}); --force builds it again\n`
      : `engines: built llama-server ${r.manifest.tag} (${r.manifest.commit}) in ${r.manifest.buildSeconds} s\n`);
    process.stdout.write(`${r.manifest.binary}\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function list(json: boolean): number {
  const built = builtEngines();
  const rows = ENGINE_NAMES.map((name: EngineName) => ({ name, used: locateEngine(name) ?? null, onPath: onPath(name) ?? null, built: built.filter((m) => m.engine === name) }));
  const tj = locateTransformersJs() ?? null;
  if (json) {
    process.stdout.write(`${JSON.stringify({ cache: enginesDir(), engines: rows, transformersJs: tj }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`cache: ${enginesDir()}\n`);
  for (const r of rows) {
    process.stdout.write(`${r.name}: ${r.used ? `${r.used.binary} (from ${r.used.from})` : `not found: run \`npx gauntlet engines build ${r.name}\``}\n`);
    for (const m of r.built) process.stdout.write(`  built: ${m.tag} (${m.commit}) ${m.builtAt}, ${m.buildSeconds} s, ${m.binary}\n`);
    if (r.onPath) process.stdout.write(`  on PATH: ${r.onPath}\n`);
  }
  process.stdout.write(tj
    ? `transformers-js: ${tj.dir} (transformers.js ${tj.transformersVersion}, onnxruntime-node ${tj.onnxruntimeVersion})\n`
    : 'transformers-js: not installed: run `npx gauntlet engines build transformers-js`\n');
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { force: { type: 'boolean' }, jobs: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const [verb, name, ...extra] = positionals;
  if (values.help || !verb) {
    process.stdout.write(HELP);
    return verb || values.help ? 0 : 2;
  }
  if (extra.length) throw usageError(`engines: unexpected argument ${JSON.stringify(extra[0])}\n\n${HELP}`);
  if (verb === 'build') return build(name, values);
  if (verb === 'list') return list(values.json);
  throw usageError(`engines: unknown subcommand ${JSON.stringify(verb)}; expected build or list\n\n${HELP}`);
}
