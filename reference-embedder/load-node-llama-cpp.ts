/**
 * node-llama-cpp for the llama engine, imported when the engine first needs it (not at process start).
 *
 * From the reference embedder's bundle it comes from the bundle's companion file (harness/util/bundle.ts: the same
 * JavaScript as one file, ~100 ms to import instead of ~330-470 ms for the package's ~440 files), provided the
 * installed node-llama-cpp is the version the companion was built from; otherwise, and when running unbundled, from
 * the installed package itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as NodeLlamaCpp from 'node-llama-cpp';

/** What the engine uses of node-llama-cpp. */
export type NodeLlamaCppApi = Pick<typeof NodeLlamaCpp, 'getLlama' | 'Llama' | 'LlamaLogLevel'>;

/** Set by the bundle build (esbuild `define`): JSON {file, version} of the companion, or '' without one. */
declare const __GAUNTLET_NLC_BUNDLE__: string | undefined;

export interface InstalledNodeLlamaCpp {
  /** The package folder (holding package.json, dist/, llama/). */
  dir: string;
  version: string;
}

let installed: InstalledNodeLlamaCpp | null | undefined;

/** The node-llama-cpp package this process resolves (from here, as `import('node-llama-cpp')` would), or null. */
export function installedNodeLlamaCpp(): InstalledNodeLlamaCpp | null {
  if (installed !== undefined) return installed;
  try {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('node-llama-cpp'))), '..'); // <dir>/dist/index.js
    const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
    installed = typeof version === 'string' ? { dir, version } : null;
  } catch {
    installed = null;
  }
  return installed;
}

let loading: Promise<{ api: NodeLlamaCppApi; from: string }> | undefined;

/** Imports node-llama-cpp once; `from` says which copy of its JavaScript (for the log). */
export function importNodeLlamaCpp(): Promise<{ api: NodeLlamaCppApi; from: string }> {
  loading ??= load().catch((e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('node-llama-cpp')) {
      // Kept in step with harness/engines/node-llama-cpp.ts (not imported: this file is in the embedder's bundle).
      throw new Error('the llama engine needs node-llama-cpp, an optional peer dependency of gauntlet that is not installed; add it with: npm install -D node-llama-cpp', { cause: e });
    }
    throw e;
  });
  return loading;
}

function load(): Promise<{ api: NodeLlamaCppApi; from: string }> {
  return (async () => {
    const spec = typeof __GAUNTLET_NLC_BUNDLE__ === 'string' && __GAUNTLET_NLC_BUNDLE__ ? (JSON.parse(__GAUNTLET_NLC_BUNDLE__) as { file: string; version: string }) : undefined;
    if (spec) {
      const url = new URL(`./${spec.file}`, import.meta.url);
      const have = installedNodeLlamaCpp();
      if (have?.version === spec.version && existsSync(url)) {
        try {
          return { api: (await import(url.href)) as NodeLlamaCppApi, from: `bundled node-llama-cpp ${spec.version} (${spec.file})` };
        } catch (e) {
          return { api: (await import('node-llama-cpp')) as NodeLlamaCppApi, from: `the installed node-llama-cpp package (the bundled copy failed to load: ${(e as Error).message})` };
        }
      }
      const why = have ? `the installed one is ${have.version}, the bundled copy ${spec.version}` : 'the installed one was not found';
      return { api: (await import('node-llama-cpp')) as NodeLlamaCppApi, from: `the installed node-llama-cpp package (${why})` };
    }
    return { api: (await import('node-llama-cpp')) as NodeLlamaCppApi, from: 'the installed node-llama-cpp package' };
  })();
}
