/**
 * `gauntlet engines build llama-server`: llama.cpp's own HTTP server, built from the llama.cpp source that
 * node-llama-cpp ships (its git bundle), CPU only, with cmake and the system C++ compiler, into
 * <cache>/engines/llama-server-TAG-COMMIT/ (bin/llama-server + engine.json), and reused after.
 * The build runs in a scratch folder and is renamed into place when done, so a killed build leaves nothing that
 * looks finished; a lock folder keeps two builds of the same source from racing.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import { defaultCacheDir } from '../config/defaults.ts';
import { enginesDir, onPath, type EngineManifest } from './locate.ts';
import { llamaSource } from './llama-source.ts';
import { pidExists } from '../faults/proc.ts';

export type BuildEvent =
  | { type: 'step'; label: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'output'; line: string };

export interface BuildOptions {
  cacheDir?: string;
  /** Parallel compile jobs. Default: the machine's cores. */
  jobs?: number;
  /** Build again even when a finished build of this source exists. */
  force?: boolean;
  onEvent?: (e: BuildEvent) => void;
  signal?: AbortSignal;
}

export interface BuildResult { manifest: EngineManifest; reused: boolean; dir: string }

/** cmake cache entries: CPU only, static (the binary can be moved), nothing but the server. */
export const LLAMA_SERVER_FLAGS = [
  '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_CUDA=OFF', '-DGGML_VULKAN=OFF', '-DGGML_METAL=OFF',
  '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_TOOLS=ON', '-DLLAMA_BUILD_SERVER=ON',
  '-DLLAMA_BUILD_UI=OFF', '-DLLAMA_USE_PREBUILT_UI=OFF', '-DLLAMA_OPENSSL=OFF',
];

interface Tool { bin: string; debian: string; what: string }
const TOOLS: Tool[] = [
  { bin: 'git', debian: 'git', what: 'git (to unpack node-llama-cpp\'s llama.cpp bundle)' },
  { bin: 'cmake', debian: 'cmake', what: 'cmake' },
];

/** Checks the toolchain; throws naming the Debian package of the first thing missing. */
export function preflight(envPath = process.env.PATH ?? ''): { compiler: string; generator: string[] } {
  for (const t of TOOLS) {
    if (!onPath(t.bin, envPath)) {
      throw new GauntletError('GAUNTLET_USAGE', `${t.what} is not on PATH; install it (Debian/Ubuntu: apt-get install ${t.debian}) and run the build again`);
    }
  }
  const cxx = process.env.CXX ? onPath(process.env.CXX, envPath) ?? (existsSync(process.env.CXX) ? process.env.CXX : undefined) : onPath('c++', envPath) ?? onPath('g++', envPath);
  if (!cxx) {
    throw new GauntletError('GAUNTLET_USAGE', `no C++ compiler on PATH (looked for ${process.env.CXX ? `CXX=${process.env.CXX}` : 'c++ and g++'}); install one (Debian/Ubuntu: apt-get install g++ , or build-essential) and run the build again`);
  }
  const ninja = onPath('ninja', envPath);
  if (!ninja && !onPath('make', envPath)) {
    throw new GauntletError('GAUNTLET_USAGE', 'neither ninja nor make is on PATH; install one (Debian/Ubuntu: apt-get install ninja-build , or make) and run the build again');
  }
  return { compiler: cxx, generator: ninja ? ['-G', 'Ninja'] : [] };
}

/** Runs one build command, streaming its lines; rejects with the last lines when it fails. */
function exec(cmd: string, args: string[], opts: { cwd?: string; onLine?: (line: string) => void; signal?: AbortSignal }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal, killSignal: 'SIGKILL' });
    const tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (e) => reject(new GauntletError('GAUNTLET_INTERNAL', `${cmd} could not run: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new GauntletError('GAUNTLET_INTERNAL', `${cmd} ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit ${code}`}); last lines:\n${tail.join('\n')}`));
    });
  });
}

export function llamaServerDirName(tag: string, commit: string): string {
  return `llama-server-${tag}-${commit}`.replace(/[^\w.-]/g, '_');
}

export async function buildLlamaServer(opts: BuildOptions = {}): Promise<BuildResult> {
  const emit = opts.onEvent ?? (() => {});
  const src = llamaSource();
  const root = enginesDir(opts.cacheDir ?? defaultCacheDir());
  const dir = path.join(root, llamaServerDirName(src.tag, src.commit));
  const manifestFile = path.join(dir, 'engine.json');
  if (!opts.force && existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as EngineManifest;
    if (existsSync(manifest.binary)) return { manifest, reused: true, dir };
  }
  const { compiler, generator } = preflight();
  mkdirSync(root, { recursive: true });
  const lock = `${dir}.lock`;
  try {
    mkdirSync(lock);
  } catch {
    const holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8').trim() || 0);
    if (holder && pidExists(holder)) throw new GauntletError('GAUNTLET_USAGE', `another build of ${path.basename(dir)} is running (pid ${holder}); wait for it, or kill it and run again`);
    rmSync(lock, { recursive: true, force: true }); // left by a build that was killed
    mkdirSync(lock);
  }
  writeFileSync(path.join(lock, 'pid'), String(process.pid));
  const work = `${dir}.build-${process.pid}`;
  const t0 = performance.now();
  try {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    emit({ type: 'step', label: `unpacking llama.cpp ${src.tag} (${src.commit}) from ${src.bundle}` });
    await exec('git', ['clone', '--quiet', src.bundle, path.join(work, 'src')], { signal: opts.signal });
    emit({ type: 'step', label: `configuring (cmake, CPU only, ${path.basename(compiler)})` });
    const build = path.join(work, 'build');
    await exec('cmake', ['-S', path.join(work, 'src'), '-B', build, ...generator, `-DCMAKE_CXX_COMPILER=${compiler}`, ...LLAMA_SERVER_FLAGS], {
      signal: opts.signal, onLine: (line) => emit({ type: 'output', line }),
    });
    const jobs = opts.jobs ?? os.availableParallelism();
    emit({ type: 'step', label: `compiling llama-server with ${jobs} job(s)` });
    await exec('cmake', ['--build', build, '--target', 'llama-server', '--parallel', String(jobs)], {
      signal: opts.signal,
      onLine: (line) => {
        const ninja = /^\[(\d+)\/(\d+)\]/.exec(line);
        const make = /^\[\s*(\d+)%\]/.exec(line);
        if (ninja) emit({ type: 'progress', done: Number(ninja[1]), total: Number(ninja[2]) });
        else if (make) emit({ type: 'progress', done: Number(make[1]), total: 100 });
        else emit({ type: 'output', line });
      },
    });
    const built = path.join(build, 'bin', 'llama-server');
    if (!existsSync(built)) throw new GauntletError('GAUNTLET_INTERNAL', `the build finished but ${built} is missing`);
    const stage = path.join(work, 'engine');
    mkdirSync(path.join(stage, 'bin'), { recursive: true });
    copyFileSync(built, path.join(stage, 'bin', 'llama-server'));
    chmodSync(path.join(stage, 'bin', 'llama-server'), 0o755);
    const manifest: EngineManifest = {
      engine: 'llama-server', tag: src.tag, commit: src.commit, binary: path.join(dir, 'bin', 'llama-server'),
      builtAt: new Date().toISOString(), buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
      flags: LLAMA_SERVER_FLAGS, compiler,
    };
    writeFileSync(path.join(stage, 'engine.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(stage, dir);
    return { manifest, reused: false, dir };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}
