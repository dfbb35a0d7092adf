import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute root of the gauntlet package (the folder holding package.json). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Node arguments that let a child process run a .ts file: `node ...tsNodeArgs() file.ts`. */
export function tsNodeArgs(): string[] {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return ['--import', tsx];
}

/** Absolute path of a file inside the package, from a path relative to its root. */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
