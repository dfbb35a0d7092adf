/**
 * transformers.js (@huggingface/transformers on onnxruntime-node, CPU) installed OUTSIDE the gauntlet package, in
 * <cache>/engines/transformers-js, with npm. It adds ~475 MB of node_modules, so it is never a dependency of the
 * core package: engines and adapters resolve it from that folder at run time (`locateTransformersJs`).
 *
 * onnxruntime-node's postinstall downloads extra files (CUDA / DirectML) from a host outside the npm registry;
 * ONNXRUNTIME_NODE_INSTALL=skip (and `onnxruntime-node-install=skip` in the folder's .npmrc) skips it. The CPU
 * binaries it needs ship inside the npm package.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCacheDir } from '../config/defaults.ts';
import { GauntletError } from '../util/errors.ts';

export const TRANSFORMERS_JS_DIR = 'transformers-js';
export const TRANSFORMERS_JS_SPECS = ['@huggingface/transformers@4', 'onnxruntime-node@1.30'] as const;

export interface TransformersJsInstall {
  dir: string;
  /** Absolute path of @huggingface/transformers' Node entry (CommonJS build). */
  entry: string;
  transformersVersion: string;
  onnxruntimeVersion: string;
}

function versionOf(req: NodeJS.Require, pkg: string): string | undefined {
  try {
    // package.json is not always exported; find it from the resolved entry instead
    let dir = path.dirname(req.resolve(pkg));
    while (!existsSync(path.join(dir, 'package.json')) || !dir.includes(pkg.replace('/', path.sep))) {
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The install under `cacheDir`, or undefined when transformers.js or onnxruntime-node is not there. */
export function locateTransformersJs(cacheDir = defaultCacheDir()): TransformersJsInstall | undefined {
  const dir = path.join(cacheDir, 'engines', TRANSFORMERS_JS_DIR);
  if (!existsSync(path.join(dir, 'package.json'))) return undefined;
  const req = createRequire(path.join(dir, 'package.json'));
  try {
    const entry = req.resolve('@huggingface/transformers');
    const transformersVersion = versionOf(req, '@huggingface/transformers');
    const onnxruntimeVersion = versionOf(req, 'onnxruntime-node');
    if (!transformersVersion || !onnxruntimeVersion) return undefined;
    return { dir, entry, transformersVersion, onnxruntimeVersion };
  } catch {
    return undefined;
  }
}

/** Why transformers.js is not usable, for a skipped test or a refused start. */
export function transformersJsMissingReason(cacheDir = defaultCacheDir()): string {
  return `transformers.js is not installed in ${path.join(cacheDir, 'engines', TRANSFORMERS_JS_DIR)} (npx gauntlet engines build transformers-js)`;
}

/** The little of transformers.js's API gauntlet uses (it is not a dependency, so its types are not either). */
export interface TjTensor { dims: number[]; data: Float32Array | BigInt64Array; tolist(): unknown[]; dispose?(): void }
export interface TjEncoding { input_ids: TjTensor; attention_mask: TjTensor; token_type_ids?: TjTensor }
export interface TjTokenizer {
  (text: string | string[], opts?: { add_special_tokens?: boolean; padding?: boolean; truncation?: boolean }): TjEncoding;
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
}
export interface TjPipeline {
  (texts: string | string[], opts: { pooling: 'mean' | 'cls' | 'none'; normalize: boolean }): Promise<TjTensor>;
  tokenizer: TjTokenizer;
  dispose(): Promise<void>;
}
export interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string; useBrowserCache?: boolean; useFSCache?: boolean; cacheDir?: string | null };
  pipeline(task: 'feature-extraction', model: string, opts: { dtype?: string; device?: string; local_files_only?: boolean; session_options?: Record<string, unknown> }): Promise<TjPipeline>;
  AutoTokenizer: { from_pretrained(model: string, opts?: { local_files_only?: boolean }): Promise<TjTokenizer> };
}

/** transformers.js's module, imported from the cache by absolute path. Throws GAUNTLET_USAGE when absent. */
export async function importTransformersJs(cacheDir = defaultCacheDir()): Promise<TransformersModule> {
  const found = locateTransformersJs(cacheDir);
  if (!found) throw new GauntletError('GAUNTLET_USAGE', transformersJsMissingReason(cacheDir));
  const mod = (await import(pathToFileURL(found.entry).href)) as Partial<TransformersModule> & { default?: TransformersModule };
  return (typeof mod.pipeline === 'function' ? mod : mod.default!) as TransformersModule;
}

export interface InstallTransformersOptions {
  cacheDir?: string;
  /** Install again even when an install is there. */
  force?: boolean;
  /** Each line npm prints (stdout and stderr). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** npm executable (default "npm" on PATH). */
  npm?: string;
}

export interface InstallTransformersResult extends TransformersJsInstall {
  reused: boolean;
  seconds: number;
}

/**
 * Installs transformers.js and onnxruntime-node into <cache>/engines/transformers-js: npm runs in a scratch folder
 * beside it, which is renamed into place when npm succeeds (a failed or interrupted install leaves nothing behind).
 */
export async function installTransformersJs(opts: InstallTransformersOptions = {}): Promise<InstallTransformersResult> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const started = performance.now();
  const existing = locateTransformersJs(cacheDir);
  if (existing && !opts.force) return { ...existing, reused: true, seconds: 0 };
  const target = path.join(cacheDir, 'engines', TRANSFORMERS_JS_DIR);
  const scratch = `${target}.install-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    await writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'gauntlet-engine-transformers-js', private: true }, null, 2) + '\n');
    await writeFile(path.join(scratch, '.npmrc'), 'onnxruntime-node-install=skip\n');
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        opts.npm ?? 'npm',
        ['install', '--prefix', scratch, '--no-audit', '--no-fund', '--save', ...TRANSFORMERS_JS_SPECS],
        { cwd: scratch, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, signal: opts.signal, maxBuffer: 64 << 20 },
        (error, _stdout, stderr) => {
          if (error) {
            const tail = stderr.split('\n').filter(Boolean).slice(-12).join('\n');
            reject(new GauntletError('GAUNTLET_USAGE', `npm install of ${TRANSFORMERS_JS_SPECS.join(' ')} failed (${error.message.split('\n')[0]}):\n${tail}`, { cause: error }));
          } else resolve();
        },
      );
      const lines = (chunk: Buffer | string) => { for (const l of String(chunk).split('\n')) if (l.trim()) opts.onLine?.(l); };
      child.stdout?.on('data', lines);
      child.stderr?.on('data', lines);
    });
    await rm(target, { recursive: true, force: true });
    await rename(scratch, target);
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
  const found = locateTransformersJs(cacheDir);
  if (!found) throw new GauntletError('GAUNTLET_INTERNAL', `npm finished but @huggingface/transformers / onnxruntime-node cannot be resolved from ${target}`);
  return { ...found, reused: false, seconds: Math.round((performance.now() - started) / 1000) };
}
