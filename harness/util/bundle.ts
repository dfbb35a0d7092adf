/**
 * Child processes the harness starts many times (the host, the reference embedder, corrupt-gguf's in-process stand-in,
 * pipe-disconnect's relay, the bench's echo peers: BUNDLED_ENTRIES) run from a bundle: one plain
 * JavaScript file, no TypeScript loader thread and no module graph to walk at start-up. Measured on the 2-core
 * machine: the reference embedder starts in ~0.65 s instead of ~1.2 s under tsx, with ~50 MB less anonymous RSS.
 * That matters because start-up time and RSS are what the seeds' claims are about.
 *
 * An installed package carries its bundles, built at pack time (`npm run build` -> dist/bundles/NAME.mjs); it never
 * writes inside its own folder. A checkout builds them on first use, once per source version, into .cache/bundles/.
 * GAUNTLET_NO_BUNDLE=1 runs the modules unbundled instead (slower, same behaviour).
 *
 * The reference embedder's bundle comes with a companion, NAME.node-llama-cpp.mjs: node-llama-cpp's JavaScript (the
 * getLlama + Llama graph with its pure-JavaScript dependencies) as one file, which engine.ts imports when it needs
 * the runtime (reference-embedder/load-node-llama-cpp.ts; it falls back to the installed package when the versions
 * differ). Walking node-llama-cpp's ~440 module files took ~330-470 ms of every embedder start; the same code as one
 * file ~100 ms (Node 20 has no module compile cache). It is a file of its own, imported dynamically, because
 * node-llama-cpp has top-level awaits in an import cycle, which esbuild's lazily evaluated modules deadlock on.
 * Native parts (@node-llama-cpp/* binaries, @reflink) stay external, and node-llama-cpp's `import.meta.url` is
 * rewritten to its files' real location, so it finds its binaries, its llama/ folder and its binary-test file
 * (which must run unbundled in a child process) as if unbundled. onnx-proto (~60 ms to import) is inlined into the
 * embedder's bundle, evaluated only when the onnx engine is used.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CODE_ROOT, LAYOUT, PACKAGE_ROOT, dependencyManifest, packagePath, scriptArgs } from './ts-runner.ts';

const require = createRequire(import.meta.url);
const SOURCE_DIRS = ['harness', 'reference-embedder', 'scenarios'];
/** The entries bundled at pack time; others run as compiled modules. */
export const BUNDLED_ENTRIES = [
  'harness/host/host-main.ts', 'reference-embedder/main.ts', 'scenarios/support/corrupt-gguf-inprocess-child.ts',
  // pipe-disconnect's relay starts with every embedder (re)start there (~55 per suite run); the bench's 8 echo peers.
  // Through tsx each start took ~0.2 s and ~0.3 s of CPU, bundled ~0.06 s.
  'scenarios/support/pipe-disconnect-relay.ts', 'harness/bench/echo-peer.ts',
] as const;
/**
 * Entries that import nothing but node's own modules: bundled in-process with esbuild's synchronous API (~20 ms), not
 * in a child (~1-2 s), so that building one on first use (a fresh checkout) does not hold up the runs in flight.
 */
const PLAIN_ENTRIES = new Set<string>(['scenarios/support/pipe-disconnect-relay.ts']);
let sourceHash: string | undefined;
const built = new Map<string, string>();

/** File name of an entry's bundle, without the folder: 'reference-embedder/main.ts' -> 'reference-embedder-main'. */
export function bundleName(entryRel: string): string {
  return entryRel.replace(/\.ts$/, '').replace(/[\\/]/g, '-');
}

const EMBEDDER_ENTRY = 'reference-embedder/main.ts';
/** Packages inlined into the embedder's bundle (lazily evaluated): pure JavaScript, no top-level await. */
const INLINED_PACKAGES = ['onnx-proto'];
/** Never bundled, wherever imported from: native code and node-llama-cpp's optional platform packages. */
const NATIVE_EXTERNAL = /^(@node-llama-cpp\/|@reflink\/|node-addon-api$|node-gyp-build$)/;
/** Left external in the host's bundle: engines (native, large, loaded only by in-process adapters) and build tools. */
const HOST_EXTERNAL = /^(node-llama-cpp|@huggingface\/|onnxruntime|esbuild$|tsx$|typescript$|playwright)/;
const REQUIRE_BANNER = "import { createRequire as __gauntletCreateRequire } from 'node:module'; const require = __gauntletCreateRequire(import.meta.url);";

let companionHash: string | undefined;
/**
 * File name of the node-llama-cpp companion: 'node-llama-cpp-3.22.1-<hash>.mjs'. It depends only on node-llama-cpp's
 * version and on how it is bundled (this file, bundle-build.ts, esbuild's version), not on gauntlet's sources, so a
 * checkout shares it across source versions (~2 MB, and ~0.9 MB for the test child, built once instead of per edit).
 */
export function companionName(): string {
  companionHash ??= createHash('sha256')
    .update(readFileSync(packagePath('harness', 'util', 'bundle.ts')))
    .update(readFileSync(packagePath('harness', 'util', 'bundle-build.ts')))
    .update(String(dependencyManifest('esbuild')?.version))
    .digest('hex').slice(0, 12);
  return `node-llama-cpp-${dependencyManifest('node-llama-cpp')?.version ?? 'absent'}-${companionHash}.mjs`;
}

/** esbuild options shared by the pack-time build and a checkout's on-demand build. */
export function bundleOptions(entryRel: string, outfile: string): import('esbuild').BuildOptions {
  const common: import('esbuild').BuildOptions = { entryPoints: [packagePath(entryRel)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' };
  const nlcVersion = dependencyManifest('node-llama-cpp')?.version;
  // Read by reference-embedder/load-node-llama-cpp.ts: the companion's file name and the version it holds. The host
  // (in-process adapter) and the corrupt-gguf stand-in load node-llama-cpp as the embedder does: same start, same code.
  const define = { __GAUNTLET_NLC_BUNDLE__: JSON.stringify(nlcVersion ? JSON.stringify({ file: companionName(), version: nlcVersion }) : '') };
  if (PLAIN_ENTRIES.has(entryRel)) return { ...common, packages: 'external' };
  if (entryRel !== EMBEDDER_ENTRY) {
    // The host: its pure-JavaScript dependencies (execa, msgpack, zod, pidusage...) inlined, ~140 ms to boot instead
    // of ~335 ms walking their module files (median of 5 boots on the 2-core machine); the engines stay external.
    return { ...common, banner: { js: REQUIRE_BANNER }, plugins: [bundlePackages((pkg) => !HOST_EXTERNAL.test(pkg))], define };
  }
  return {
    ...common,
    plugins: [bundlePackages((pkg, fromDependency) => INLINED_PACKAGES.includes(pkg) || fromDependency)],
    banner: { js: REQUIRE_BANNER }, // CommonJS dependencies bundled into ESM call require()
    define,
  };
}

/**
 * File name of the bundled binary-test child beside the companion. It must start with "testBindingBinary":
 * node-llama-cpp tests a binary only when its test module's file name says it is that module unbundled.
 */
export function testChildName(): string {
  return `testBindingBinary.${companionName()}`;
}

/**
 * esbuild options of the node-llama-cpp companion and of its binary-test child (empty when node-llama-cpp is not
 * installed). getLlama forks its test module (bindings/utils/testBindingBinary.js) to load the binary in a process of
 * its own; unbundled, that child spends ~350 ms importing node-llama-cpp's files before a ~15 ms test. The companion
 * forks the same module bundled into one file instead (node-llama-cpp's own test code, in a child process as before).
 */
export function companionBuilds(outfile: string): import('esbuild').BuildOptions[] {
  const companion = companionOptions(outfile);
  if (!companion) return [];
  const dist = path.dirname(require.resolve('node-llama-cpp'));
  return [companion, {
    ...companion, stdin: undefined, entryPoints: [path.join(dist, 'bindings', 'utils', 'testBindingBinary.js')],
    outfile: path.join(path.dirname(outfile), testChildName()),
  }];
}

/** esbuild options of the node-llama-cpp companion (undefined when node-llama-cpp is not installed). */
export function companionOptions(outfile: string): import('esbuild').BuildOptions | undefined {
  let dist: string;
  try {
    dist = path.dirname(require.resolve('node-llama-cpp')); // <package>/dist/index.js
  } catch {
    return undefined;
  }
  const file = (rel: string) => JSON.stringify(path.join(dist, rel));
  const nlcDist = `${path.sep}node-llama-cpp${path.sep}dist${path.sep}`;
  const rewriteMetaUrl: import('esbuild').Plugin = {
    name: 'gauntlet-nlc-meta-url',
    setup(build) {
      build.onLoad({ filter: /node-llama-cpp[\\/]dist[\\/].*\.js$/ }, (a) => {
        const rel = a.path.slice(a.path.lastIndexOf(nlcDist) + nlcDist.length).split(path.sep).join('/');
        const self = rel === 'bindings/utils/testBindingBinary.js' ? '__gauntletTestChildUrl()' : `__gauntletNlcUrl(${JSON.stringify(rel)})`;
        const contents = readFileSync(a.path, 'utf8')
          .replaceAll('import.meta.url', self)
          // its binaries' packages, resolved from node-llama-cpp's own folder (where npm may have nested them)
          .replace(/\bimport\(("@node-llama-cpp\/[^"]+")\)/g, '__gauntletNlcImport($1)');
        return { contents, loader: 'js', resolveDir: path.dirname(a.path) };
      });
    },
  };
  return {
    stdin: {
      contents: `export { getLlama } from ${file('bindings/getLlama.js')};\nexport { Llama } from ${file('bindings/Llama.js')};\n`
        + `export { LlamaLogLevel } from ${file('bindings/types.js')};\n`,
      resolveDir: dist, sourcefile: 'node-llama-cpp-companion.js', loader: 'js',
    },
    outfile: path.join(path.dirname(outfile), companionName()),
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
    plugins: [bundlePackages(() => true), rewriteMetaUrl],
    banner: {
      // node-llama-cpp's dist/ as the installed package has it, found once from the companion's place.
      js: `${REQUIRE_BANNER}\nlet __gauntletNlcDist; const __gauntletNlcUrl = (rel) => new URL(rel, __gauntletNlcDist ??= new URL("./", import.meta.resolve("node-llama-cpp")).href).href;\n`
        + 'import { pathToFileURL as __gauntletPathToFileURL } from "node:url";\n'
        + 'const __gauntletNlcImport = async (spec) => import(__gauntletPathToFileURL(__gauntletCreateRequire(__gauntletNlcUrl("index.js")).resolve(spec)).href);\n'
        // the test module's own URL: the bundled test child beside this file, else node-llama-cpp's unbundled one
        + 'import { existsSync as __gauntletExists } from "node:fs";\n'
        + `const __gauntletTestChildUrl = () => { const u = new URL(${JSON.stringify(`./${testChildName()}`)}, import.meta.url); `
        + 'return __gauntletExists(u) ? u.href : __gauntletNlcUrl("bindings/utils/testBindingBinary.js"); };',
    },
  };
}

/** esbuild plugin: a bare import is bundled when `inline(package, importedFromADependency)` says so, else external. */
function bundlePackages(inline: (pkg: string, fromDependency: boolean) => boolean): import('esbuild').Plugin {
  return {
    name: 'gauntlet-bundle-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (a) => {
        if (a.kind === 'entry-point' || path.isAbsolute(a.path)) return undefined;
        if (a.path.startsWith('node:') || NATIVE_EXTERNAL.test(a.path)) return { external: true };
        const pkg = a.path.startsWith('@') ? a.path.split('/').slice(0, 2).join('/') : a.path.split('/')[0]!;
        const fromDependency = a.importer.includes(`${path.sep}node_modules${path.sep}`);
        return inline(pkg, fromDependency) ? undefined : { external: true };
      });
    },
  };
}

/**
 * Builds one entry's bundle (and the embedder's companion and test child, unless `reuseDir` already holds them),
 * synchronously. Plugins need esbuild's asynchronous API, so that build runs in a child process
 * (harness/util/bundle-build.ts, ~1-2 s). The pack-time build (ci/build-package.ts) and a checkout's build both come here.
 */
export function buildBundle(entryRel: string, outfile: string, reuseDir?: string): void {
  const options = bundleOptions(entryRel, outfile);
  if (!options.plugins?.length) {
    (require('esbuild') as typeof import('esbuild')).buildSync(options);
    return;
  }
  try {
    execFileSync(process.execPath, [...scriptArgs('harness/util/bundle-build.ts'), entryRel, outfile, ...(reuseDir ? [reuseDir] : [])], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`bundling ${entryRel} failed${stderr ? `: ${stderr}` : ''}`, { cause: e });
  }
}

function hashSources(): string {
  if (sourceHash) return sourceHash;
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) h.update(full).update(readFileSync(full));
    }
  };
  for (const d of SOURCE_DIRS) walk(packagePath(d));
  h.update(readFileSync(packagePath('package.json')));
  for (const name of [...INLINED_PACKAGES, 'node-llama-cpp']) h.update(`${name}@${dependencyManifest(name)?.version ?? 'absent'}`); // their code is in the bundle
  sourceHash = h.digest('hex').slice(0, 16);
  return sourceHash;
}

function buildInCheckout(entryRel: string): string {
  const dir = path.join(PACKAGE_ROOT, '.cache', 'bundles');
  const out = path.join(dir, `${bundleName(entryRel)}-${hashSources()}.mjs`);
  if (!existsSync(out)) {
    const tmpDir = path.join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(tmpDir, { recursive: true });
    try {
      buildBundle(entryRel, path.join(tmpDir, path.basename(out)), dir);
      // atomic renames, the entry last: parallel runs never see a half-written bundle or one without its companion
      for (const f of readdirSync(tmpDir).sort((a, b) => Number(a === path.basename(out)) - Number(b === path.basename(out)))) {
        renameSync(path.join(tmpDir, f), path.join(dir, f));
      }
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
    // Older bundles stay: a process of another run may be about to start one. They are ~100 KB-2 MB each.
  }
  return out;
}

/** The bundle of one entry (built in a checkout if needed), or undefined when bundling is off, absent or failed. */
export function bundleEntry(entryRel: string): string | undefined {
  if (process.env.GAUNTLET_NO_BUNDLE === '1') return undefined;
  const cached = built.get(entryRel);
  if (cached) return cached;
  let out: string | undefined;
  if (LAYOUT === 'dist') {
    const file = path.join(CODE_ROOT, 'bundles', `${bundleName(entryRel)}.mjs`);
    out = existsSync(file) ? file : undefined; // a package built without bundles runs the compiled modules
  } else {
    try {
      out = buildInCheckout(entryRel);
    } catch (e) {
      process.emitWarning(`gauntlet: could not bundle ${entryRel} (${(e as Error).message}); running it through tsx`);
    }
  }
  if (out) built.set(entryRel, out);
  return out;
}

/** Node arguments that run a package entry (source path relative to the package root): its bundle, or the module. */
export function nodeEntryArgs(entryRel: string): string[] {
  const bundle = bundleEntry(entryRel);
  return bundle ? [bundle] : scriptArgs(entryRel);
}
