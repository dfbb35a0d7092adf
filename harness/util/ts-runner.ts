/**
 * Where gauntlet's own code lives, and how to run one of its modules as a child process.
 *
 * Two layouts: in a checkout ("source") the .ts files run through tsx; in an installed package ("dist") only the
 * compiled JavaScript under dist/ exists and runs with plain node (no TypeScript toolchain on the user's side).
 * Module paths are always written as in the source tree ('harness/bench/echo-peer.ts'); `codePath` maps them.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const HERE = fileURLToPath(import.meta.url);

/** Walks up from this file to the folder whose package.json is gauntlet's (works from source, dist and bundles). */
function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gauntlet') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(path.dirname(HERE), '..', '..');
    dir = up;
  }
}

/** Absolute root of the gauntlet package (the folder holding package.json). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(HERE));

/** 'dist' when this code is the compiled JavaScript under <package>/dist (an installed package), else 'source'. */
export const LAYOUT: 'dist' | 'source' = HERE.startsWith(path.join(PACKAGE_ROOT, 'dist') + path.sep) ? 'dist' : 'source';

/** The folder that holds harness/, scenarios/ and reference-embedder/: the package root, or <package>/dist. */
export const CODE_ROOT = LAYOUT === 'dist' ? path.join(PACKAGE_ROOT, 'dist') : PACKAGE_ROOT;

/** Absolute path of one of gauntlet's modules, from its source path ('harness/x/y.ts'): the .ts, or the compiled .js. */
export function codePath(sourceRel: string): string {
  return path.join(CODE_ROOT, LAYOUT === 'dist' ? sourceRel.replace(/\.ts$/, '.js') : sourceRel);
}

/** Node arguments that let a child process run a .ts file: `node ...tsNodeArgs() file.ts` (source layout only). */
export function tsNodeArgs(): string[] {
  if (LAYOUT === 'dist') return [];
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return ['--import', tsx];
}

/** Node arguments that run one of gauntlet's modules as a script: `node ...scriptArgs('harness/x/y.ts') args`. */
export function scriptArgs(sourceRel: string): string[] {
  return [...tsNodeArgs(), codePath(sourceRel)];
}

/** Absolute path of a file inside the package, from a path relative to its root. */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

/** The package.json of an installed dependency (resolved from gauntlet, wherever npm hoisted it), or undefined. */
export function dependencyManifest(name: string): { version?: string; name?: string } | undefined {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string };
  } catch {
    // packages whose exports hide package.json: walk up from the entry
    try {
      let dir = path.dirname(require.resolve(name));
      for (let i = 0; i < 6; i++) {
        const file = path.join(dir, 'package.json');
        if (existsSync(file)) {
          const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; name?: string };
          if (pkg.name === name) return pkg;
        }
        dir = path.dirname(dir);
      }
    } catch { /* not installed */ }
    return undefined;
  }
}
