/**
 * `node bundle-build.ts ENTRY OUTFILE [REUSE_DIR]`: builds one bundle (and, for the reference embedder, its
 * node-llama-cpp companion and binary-test child beside it, unless REUSE_DIR already holds them) with esbuild's
 * asynchronous API, which plugins need; run by buildBundle() in bundle.ts, which must stay synchronous. Exits 1 with
 * esbuild's message on stderr if a build fails.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleOptions, companionBuilds } from './bundle.ts';

const require = createRequire(import.meta.url);
const [entryRel, outfile, reuseDir] = process.argv.slice(2);
if (!entryRel || !outfile) {
  process.stderr.write('usage: bundle-build.ts ENTRY OUTFILE [REUSE_DIR]\n');
  process.exit(2);
}
try {
  const esbuild = require('esbuild') as typeof import('esbuild');
  await esbuild.build({ ...bundleOptions(entryRel, outfile), logLevel: 'error' });
  for (const extra of entryRel === 'reference-embedder/main.ts' ? companionBuilds(outfile) : []) {
    if (reuseDir && existsSync(path.join(reuseDir, path.basename(extra.outfile!)))) continue; // shared across source versions
    await esbuild.build({ ...extra, logLevel: 'error' });
  }
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
