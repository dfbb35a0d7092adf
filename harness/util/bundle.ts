/**
 * Child processes the harness starts many times (the host, the reference embedder) run from a bundle: one plain
 * JavaScript file, no TypeScript loader thread and no module graph to walk at start-up. Measured on the 2-core
 * machine: the reference embedder starts in ~0.65 s instead of ~1.2 s under tsx, with ~50 MB less anonymous RSS.
 * That matters because start-up time and RSS are what the seeds' claims are about.
 *
 * An installed package carries its bundles, built at pack time (`npm run build` -> dist/bundles/NAME.mjs); it never
 * writes inside its own folder. A checkout builds them on first use, once per source version, into .cache/bundles/.
 * GAUNTLET_NO_BUNDLE=1 runs the modules unbundled instead (slower, same behaviour).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CODE_ROOT, LAYOUT, PACKAGE_ROOT, packagePath, scriptArgs } from './ts-runner.ts';

const require = createRequire(import.meta.url);
const SOURCE_DIRS = ['harness', 'reference-embedder'];
/** The entries bundled at pack time; others run as compiled modules. */
export const BUNDLED_ENTRIES = ['harness/host/host-main.ts', 'reference-embedder/main.ts'] as const;
let sourceHash: string | undefined;
const built = new Map<string, string>();

/** File name of an entry's bundle, without the folder: 'reference-embedder/main.ts' -> 'reference-embedder-main'. */
export function bundleName(entryRel: string): string {
  return entryRel.replace(/\.ts$/, '').replace(/[\\/]/g, '-');
}

/** esbuild options shared by the pack-time build and a checkout's on-demand build. */
export function bundleOptions(entryRel: string, outfile: string): import('esbuild').BuildOptions {
  return {
    entryPoints: [packagePath(entryRel)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  };
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
  sourceHash = h.digest('hex').slice(0, 16);
  return sourceHash;
}

function buildInCheckout(entryRel: string): string {
  const dir = path.join(PACKAGE_ROOT, '.cache', 'bundles');
  const out = path.join(dir, `${bundleName(entryRel)}-${hashSources()}.mjs`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync(bundleOptions(entryRel, tmp));
    renameSync(tmp, out); // atomic: parallel runs never see a half-written bundle
    // Older bundles stay: a process of another run may be about to start one. They are ~100 KB each.
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
