import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Walks up from this file to the folder whose package.json is gauntlet's (works from source and from bundles). */
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
    if (up === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = up;
  }
}

/** Absolute root of the gauntlet package (the folder holding package.json). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Node arguments that let a child process run a .ts file: `node ...tsNodeArgs() file.ts`. */
export function tsNodeArgs(): string[] {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return ['--import', tsx];
}

/** Absolute path of a file inside the package, from a path relative to its root. */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
