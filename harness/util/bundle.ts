/**
 * Child processes the harness starts many times (the host, the reference embedder) run from a bundle that esbuild
 * builds once per source version into .cache/bundles/: plain JavaScript, no TypeScript loader thread at run time.
 * Measured on the 2-core machine: the reference embedder starts in ~0.65 s instead of ~1.2 s under tsx, with ~50 MB
 * less anonymous RSS. That matters because start-up time and RSS are what the seeds' claims are about.
 * GAUNTLET_NO_BUNDLE=1 runs the .ts sources through tsx instead (slower, same behaviour).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT, packagePath, tsNodeArgs } from './ts-runner.ts';

const require = createRequire(import.meta.url);
const SOURCE_DIRS = ['harness', 'reference-embedder'];
let sourceHash: string | undefined;
const built = new Map<string, string>();

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

/** Builds (or reuses) the bundle of one entry file; returns its path, or undefined when bundling is off or failed. */
export function bundleEntry(entryRel: string): string | undefined {
  if (process.env.GAUNTLET_NO_BUNDLE === '1') return undefined;
  const cached = built.get(entryRel);
  if (cached) return cached;
  try {
    const name = entryRel.replace(/\.ts$/, '').replace(/[\\/]/g, '-');
    const dir = path.join(PACKAGE_ROOT, '.cache', 'bundles');
    const out = path.join(dir, `${name}-${hashSources()}.mjs`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      const esbuild = require('esbuild') as typeof import('esbuild');
      esbuild.buildSync({
        entryPoints: [packagePath(entryRel)],
        outfile: tmp,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'silent',
      });
      renameSync(tmp, out); // atomic: parallel runs never see a half-written bundle
      // Older bundles stay: a process of another run may be about to start one. They are ~100 KB each.
    }
    built.set(entryRel, out);
    return out;
  } catch (e) {
    process.emitWarning(`gauntlet: could not bundle ${entryRel} (${(e as Error).message}); running it through tsx`);
    return undefined;
  }
}

/** Node arguments that run a package entry (.ts path relative to the package root): the bundle, or tsx + source. */
export function nodeEntryArgs(entryRel: string): string[] {
  const bundle = bundleEntry(entryRel);
  return bundle ? [bundle] : [...tsNodeArgs(), packagePath(entryRel)];
}
