/**
 * A proof that node-llama-cpp's native binary loads on this machine, so that a start after the first can skip the
 * binary test that getLlama runs in a child process (~420 ms of a ~1.2 s start on the 2-core machine, nearly all of
 * it that child booting node and importing node-llama-cpp; the test itself takes ~15 ms).
 *
 * getLlama tests a prebuilt binary on Linux before loading it, every time, because loading an incompatible one kills
 * the process. The first start (no proof, or a proof that no longer matches) still goes through getLlama and its
 * test; once it has passed, the embedder records which binary was loaded (from /proc/self/maps) in a proof under the
 * gauntlet cache. A later start loads that binary directly only when everything the test's outcome depends on is
 * unchanged: the binary folder's files (name, size, mtime, inode: the addon and the ggml/llama libraries beside it),
 * node-llama-cpp's folder and version and its local-build folders, the node binary and version, the machine (host
 * name, kernel, CPU model), the options, and no NODE_LLAMA_CPP_* variable set. Loading the same files with the same
 * loader on the same machine gives the test's answer again; anything else goes back to getLlama and its test.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InstalledNodeLlamaCpp } from './load-node-llama-cpp.ts';

export interface BindingProof {
  /** The llama-addon.node getLlama loaded after its test passed. */
  bindingPath: string;
  /** node-llama-cpp's build metadata beside it (_nlcBuildMetadata.json), as getLlama reads it for a prebuilt binary. */
  buildMetadataPath: string;
  /** Everything the test's outcome depends on (see the module comment), hashed. */
  signature: string;
  /** ISO time of the test this proof records. */
  testedAt: string;
}

const PROOF_VERSION = 1;
/** The getLlama options the proof was taken with (engine.ts passes exactly these). */
export const PROVEN_OPTIONS = { gpu: false, build: 'never' } as const;

/** The gauntlet cache folder (the rule of harness/config/defaults.ts defaultCacheDir, which the embedder does not import). */
function cacheDir(): string {
  if (process.env.GAUNTLET_CACHE) return path.resolve(process.env.GAUNTLET_CACHE);
  const base = process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'gauntlet');
}

/** NODE_LLAMA_CPP_* variables change what getLlama does (log level, debug, GPU, ...): with any set, no shortcut. */
function nlcEnvSet(): boolean {
  return Object.keys(process.env).some((k) => k.startsWith('NODE_LLAMA_CPP_'));
}

const statKey = (p: string): string => {
  try {
    const s = statSync(p);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return 'absent';
  }
};

/** What identifies this machine, node and node-llama-cpp (the proof file's name). */
function environmentKey(nlc: InstalledNodeLlamaCpp): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return JSON.stringify([PROOF_VERSION, nlc.dir, nlc.version, process.execPath, process.version, process.arch, process.platform, os.hostname(), os.release(), cpu, PROVEN_OPTIONS]);
}

function proofPath(nlc: InstalledNodeLlamaCpp): string {
  const h = createHash('sha256').update(environmentKey(nlc)).digest('hex').slice(0, 16);
  return path.join(cacheDir(), 'runtime-proofs', `node-llama-cpp-${h}.json`);
}

/** The files the test's outcome depends on: the binary's folder, node-llama-cpp's own bins and local builds, node. */
function signatureOf(nlc: InstalledNodeLlamaCpp, bindingPath: string): string {
  const dir = path.dirname(bindingPath);
  const files = readdirSync(dir).sort().map((f) => `${f}=${statKey(path.join(dir, f))}`);
  const elsewhere = [path.join(nlc.dir, 'llama', 'localBuilds'), path.join(nlc.dir, 'bins'), path.join(nlc.dir, 'package.json'), process.execPath]
    .map((p) => `${p}=${statKey(p)}`);
  return createHash('sha256').update(JSON.stringify([environmentKey(nlc), bindingPath, files, elsewhere])).digest('hex');
}

/** The proof for this environment when it still matches the files on disk; undefined otherwise (then: getLlama). */
export function readBindingProof(nlc: InstalledNodeLlamaCpp | null): BindingProof | undefined {
  if (!nlc || process.platform !== 'linux' || nlcEnvSet()) return undefined;
  try {
    const proof = JSON.parse(readFileSync(proofPath(nlc), 'utf8')) as BindingProof;
    if (typeof proof.bindingPath !== 'string' || typeof proof.buildMetadataPath !== 'string' || !isPrebuiltAddon(proof.bindingPath)) return undefined;
    if (proof.buildMetadataPath !== path.join(path.dirname(proof.bindingPath), '_nlcBuildMetadata.json')) return undefined;
    return proof.signature === signatureOf(nlc, proof.bindingPath) ? proof : undefined;
  } catch {
    return undefined;
  }
}

/** A llama-addon.node of one of node-llama-cpp's prebuilt binary packages (the only kind the shortcut loads). */
const isPrebuiltAddon = (p: string): boolean => path.isAbsolute(p) && path.basename(p) === 'llama-addon.node' && p.includes(`${path.sep}@node-llama-cpp${path.sep}`);

/** The llama-addon.node files mapped into this process (Linux: /proc/self/maps). */
export function loadedAddons(): string[] {
  try {
    const found = new Set<string>();
    for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const i = line.indexOf('/');
      if (i >= 0 && line.endsWith('.node') && path.basename(line.slice(i)) === 'llama-addon.node') found.add(line.slice(i));
    }
    return [...found];
  } catch {
    return [];
  }
}

/**
 * After getLlama (and its binary test) succeeded: records which binary it loaded. Only a prebuilt binary of an
 * @node-llama-cpp/* package with its build metadata beside it (what engine.ts can load the same way); returns why
 * not otherwise. Written atomically: parallel embedders may record the same proof at once.
 */
export function recordBindingProof(nlc: InstalledNodeLlamaCpp | null): string {
  if (!nlc || process.platform !== 'linux' || nlcEnvSet()) return 'no proof recorded (not Linux, node-llama-cpp not found, or NODE_LLAMA_CPP_* set)';
  const addons = loadedAddons();
  if (addons.length !== 1) return `no proof recorded (${addons.length} llama-addon.node files mapped)`;
  const bindingPath = addons[0]!;
  const buildMetadataPath = path.join(path.dirname(bindingPath), '_nlcBuildMetadata.json');
  if (!isPrebuiltAddon(bindingPath) || statKey(buildMetadataPath) === 'absent') {
    return `no proof recorded (${bindingPath} is not a prebuilt binary of an @node-llama-cpp package)`;
  }
  const proof: BindingProof = { bindingPath, buildMetadataPath, signature: signatureOf(nlc, bindingPath), testedAt: new Date().toISOString() };
  const file = proofPath(nlc);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(proof, null, 2)}\n`);
    renameSync(tmp, file);
    return `proof recorded in ${file}`;
  } catch (e) {
    return `no proof recorded (${(e as Error).message})`;
  }
}
