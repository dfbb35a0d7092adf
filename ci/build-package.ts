/**
 * `npm run build` (run by `prepack`): the installed package's dist/. Compiled JavaScript plus .d.ts for every module
 * (tsc, tsconfig.build.json, `.ts` import paths rewritten to `.js`), the HTML report's static assets, and the bundles
 * of the processes gauntlet starts most (harness/util/bundle.ts BUNDLED_ENTRIES: host, reference embedder, corrupt-gguf's
 * stand-in, pipe-disconnect's relay, the bench's echo peer), so that nothing is built inside a user's node_modules. Prints what it wrote and how long it took.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUNDLED_ENTRIES, buildBundle, bundleName } from '../harness/util/bundle.ts';
import { packagePath } from '../harness/util/ts-runner.ts';

const require = createRequire(import.meta.url);
const ASSETS = ['harness/report/html/client.js', 'harness/report/html/style.css'];

function step(label: string, fn: () => void): void {
  const t0 = performance.now();
  process.stderr.write(`build: ${label}...`);
  fn();
  process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

function tree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      const t = tree(full);
      files += t.files;
      bytes += t.bytes;
    } else {
      files += 1;
      bytes += statSync(full).size;
    }
  }
  return { files, bytes };
}

const dist = packagePath('dist');
step('removing dist/', () => rmSync(dist, { recursive: true, force: true }));
step('compiling (tsc -p tsconfig.build.json)', () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', packagePath('tsconfig.build.json')], { stdio: 'inherit' });
});
step(`copying ${ASSETS.length} report assets`, () => {
  for (const rel of ASSETS) {
    mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    copyFileSync(packagePath(rel), path.join(dist, rel));
  }
});
// onnx-proto (the ONNX schema, for `gauntlet gguf export-onnx`) pulls in protobufjs: 22 MB of node_modules for ~0.4 MB
// of code. It is a devDependency, vendored here as one file that the compiled module imports instead.
step('vendoring onnx-proto', () => {
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    stdin: { contents: "import m from 'onnx-proto';\nexport default m;\n", resolveDir: packagePath(), loader: 'js' },
    outfile: path.join(dist, 'vendor', 'onnx-proto.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    banner: { js: "import { createRequire as __gauntletCreateRequire } from 'node:module'; const require = __gauntletCreateRequire(import.meta.url);" },
  });
  for (const rel of ['harness/gguf/export-onnx-graph.js', 'harness/gguf/export-onnx-graph.d.ts']) {
    const file = path.join(dist, rel);
    const text = readFileSync(file, 'utf8');
    const out = text.replaceAll("from 'onnx-proto'", "from '../../vendor/onnx-proto.mjs'");
    if (rel.endsWith('.js') && out === text) throw new Error(`build: ${rel} no longer imports 'onnx-proto'; update the vendoring step`);
    writeFileSync(file, out);
  }
});
step(`bundling ${BUNDLED_ENTRIES.join(', ')}`, () => {
  for (const entry of BUNDLED_ENTRIES) buildBundle(entry, path.join(dist, 'bundles', `${bundleName(entry)}.mjs`));
});
for (const must of ['harness/cli/main.js', 'harness/index.js', 'harness/index.d.ts', 'gauntlet.config.js']) {
  if (!existsSync(path.join(dist, must))) throw new Error(`build: dist/${must} is missing after the build`);
}
const t = tree(dist);
process.stderr.write(`build: dist/ holds ${t.files} files, ${(t.bytes / 1e6).toFixed(2)} MB\n`);
