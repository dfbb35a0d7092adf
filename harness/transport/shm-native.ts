/**
 * The shared-memory addon (harness/native/shm/gauntlet_shm.c): an optional capability, compiled on first use with
 * the system C compiler against Node's own headers into <cache>/native/shm/<key>/ (nothing runs at npm install:
 * npm 11 skips dependency install scripts unless they are approved). Node-API only, so the key is the Node-API
 * version, OS, CPU and the source's hash, and one build serves every Node >= 20 of the machine.
 *
 * Where it cannot be built or loaded, loadShmNative() says why (`{ ok: false, reason }`) and nothing throws: the shm
 * transport, its adapter and its claims are then not-applicable with that reason, and the rest of gauntlet is as before.
 *   GAUNTLET_SHM=off            treat shared memory as unavailable (the not-applicable path, on purpose)
 *   GAUNTLET_NODE_HEADERS=DIR   the folder holding node_api.h (default: <node prefix>/include/node)
 *   CC=...                      the C compiler (default: cc)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { packagePath } from '../util/ts-runner.ts';

/** What the addon exports (see the C source for the contract of each). */
export interface ShmNative {
  map(fd: number, length: number): ArrayBuffer;
  unmap(buffer: ArrayBuffer): void;
  /** false when a page of either side is gone (the file was truncated under the mapping: SIGBUS, caught). */
  copy(dst: ArrayBufferLike | ArrayBufferView, dstOffset: number, src: ArrayBufferLike | ArrayBufferView, srcOffset: number, length: number): boolean;
  /** The 32-bit hash of the bytes copied, or -1 on SIGBUS. */
  copyHash(dst: ArrayBufferLike | ArrayBufferView, dstOffset: number, src: ArrayBufferLike | ArrayBufferView, srcOffset: number, length: number): number;
  /** The 32-bit hash of the bytes, or -1 on SIGBUS. */
  hash(src: ArrayBufferLike | ArrayBufferView, offset: number, length: number): number;
}

export type ShmSupport =
  | { ok: true; native: ShmNative; addon: string; built: boolean; buildMs: number }
  | { ok: false; reason: string };

export const SHM_SOURCE_REL = 'harness/native/shm/gauntlet_shm.c';
const require = createRequire(import.meta.url);
let cached: ShmSupport | undefined;

/**
 * The cache folder, by the rule of config/defaults.ts defaultCacheDir() ($GAUNTLET_CACHE, else
 * $XDG_CACHE_HOME/gauntlet, else ~/.cache/gauntlet); not imported from there, because defaults.ts asks this module
 * whether shared memory is available.
 */
function defaultCacheDir(): string {
  if (process.env.GAUNTLET_CACHE) return path.resolve(process.env.GAUNTLET_CACHE);
  const base = process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'gauntlet');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Where node_api.h is: GAUNTLET_NODE_HEADERS, else <prefix of this node>/include/node. */
export function nodeHeadersDir(): string {
  if (process.env.GAUNTLET_NODE_HEADERS) return path.resolve(process.env.GAUNTLET_NODE_HEADERS);
  return path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
}

function sourceHash(source: string): string {
  return createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
}

/** <cache>/native/shm/napi<N>-<os>-<cpu>-<source hash>/gauntlet_shm.node */
export function shmAddonPath(cacheDir = defaultCacheDir()): string {
  const key = `napi${process.versions.napi}-${process.platform}-${process.arch}-${sourceHash(packagePath(SHM_SOURCE_REL))}`;
  return path.join(cacheDir, 'native', 'shm', key, 'gauntlet_shm.node');
}

/** Why this machine cannot have shared memory before anything is compiled, or undefined when it may. */
export function shmPrecondition(): string | undefined {
  if (process.env.GAUNTLET_SHM === 'off') return 'GAUNTLET_SHM=off turns shared memory off (unset it to use the shm transport)';
  if (process.platform !== 'linux') return `shared memory regions live under /dev/shm, which ${process.platform} does not have (Linux only)`;
  try {
    if (!statSync('/dev/shm').isDirectory()) return '/dev/shm is not a directory';
  } catch {
    return 'there is no /dev/shm on this machine (mount a tmpfs there)';
  }
  if (!existsSync(packagePath(SHM_SOURCE_REL))) return `the addon source ${packagePath(SHM_SOURCE_REL)} is missing from this gauntlet package`;
  return undefined;
}

function compiler(): string | undefined {
  const cc = process.env.CC ?? 'cc';
  return path.isAbsolute(cc) ? (existsSync(cc) ? cc : undefined) : onPath(cc) ?? (process.env.CC ? undefined : onPath('gcc'));
}

/**
 * Whether shared memory can be had without compiling anything yet: the addon is already built, or the compiler and
 * Node's headers are there. Cheap (a few stat calls): config defaults call it.
 */
export function shmLikelyAvailable(): { ok: true } | { ok: false; reason: string } {
  const pre = shmPrecondition();
  if (pre) return { ok: false, reason: pre };
  if (cached) return cached.ok ? { ok: true } : { ok: false, reason: cached.reason };
  try {
    if (existsSync(shmAddonPath())) return { ok: true };
  } catch { /* an unreadable source is reported below */ }
  if (!existsSync(path.join(nodeHeadersDir(), 'node_api.h'))) return { ok: false, reason: headersMissing() };
  if (!compiler()) return { ok: false, reason: compilerMissing() };
  return { ok: true };
}

function headersMissing(): string {
  return `Node's headers are not at ${nodeHeadersDir()} (no node_api.h); install them (Debian/Ubuntu: apt-get install libnode-dev, or use a Node from nodejs.org) or set GAUNTLET_NODE_HEADERS`;
}

function compilerMissing(): string {
  return `no C compiler (${process.env.CC ? `CC=${process.env.CC}` : 'cc or gcc'}) on PATH; install one (Debian/Ubuntu: apt-get install gcc) or set CC`;
}

/**
 * Compiles the addon into the cache unless it is there (force: again). Throws a GauntletError-shaped Error whose
 * message says what is missing. The output is written under a temporary name and renamed: parallel processes never
 * load a half-written file.
 */
export function buildShmAddon(opts: { force?: boolean; cacheDir?: string } = {}): { addon: string; built: boolean; buildMs: number } {
  const pre = shmPrecondition();
  if (pre) throw new Error(pre);
  const addon = shmAddonPath(opts.cacheDir);
  if (!opts.force && existsSync(addon)) return { addon, built: false, buildMs: 0 };
  const headers = nodeHeadersDir();
  if (!existsSync(path.join(headers, 'node_api.h'))) throw new Error(headersMissing());
  const cc = compiler();
  if (!cc) throw new Error(compilerMissing());
  mkdirSync(path.dirname(addon), { recursive: true });
  const tmp = `${addon}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  const args = ['-O2', '-shared', '-fPIC', '-std=gnu11', '-DNODE_GYP_MODULE_NAME=gauntlet_shm', `-I${headers}`, '-o', tmp, packagePath(SHM_SOURCE_REL)];
  const t0 = performance.now();
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as { stderr?: Buffer; message: string };
    const detail = (err.stderr?.toString('utf8') ?? '').trim().split('\n').slice(-4).join(' | ') || err.message;
    throw new Error(`compiling ${SHM_SOURCE_REL} failed (${cc} ${args.join(' ')}): ${detail}`);
  }
  renameSync(tmp, addon);
  return { addon, built: true, buildMs: Math.round(performance.now() - t0) };
}

/** The addon, built on first use; the same answer for the rest of the process. Never throws. */
export function loadShmNative(): ShmSupport {
  if (cached) return cached;
  try {
    const { addon, built, buildMs } = buildShmAddon();
    const native = require(addon) as ShmNative;
    for (const fn of ['map', 'unmap', 'copy', 'copyHash', 'hash'] as const) {
      if (typeof native[fn] !== 'function') throw new Error(`${addon} does not export ${fn}(); delete it and run again`);
    }
    cached = { ok: true, native, addon, built, buildMs };
  } catch (e) {
    cached = { ok: false, reason: `shared memory unavailable: ${(e as Error).message}` };
  }
  return cached;
}
