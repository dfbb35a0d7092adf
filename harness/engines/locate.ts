/**
 * Where third-party engines are: built ones under <cache>/engines/NAME-TAG/ (engine.json + bin/), or on PATH.
 * Light on purpose: a config calls `findEngine('llama-server')` while it is being loaded.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../config/defaults.ts';

export const ENGINE_NAMES = ['llama-server'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** What a finished build leaves in its folder as engine.json. */
export interface EngineManifest {
  engine: EngineName;
  /** llama.cpp's release tag as node-llama-cpp records it, and the commit of its source bundle. */
  tag: string;
  commit: string;
  /** Absolute path of the executable. */
  binary: string;
  builtAt: string;
  buildSeconds: number;
  /** cmake -D flags the build used. */
  flags: string[];
  compiler: string;
}

export interface FoundEngine { name: EngineName; binary: string; from: 'PATH' | 'cache'; manifest?: EngineManifest }

export function enginesDir(cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, 'engines');
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, or undefined. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (existsSync(file) && executable(file)) return file;
  }
  return undefined;
}

/** Every finished build in the cache, newest first. */
export function builtEngines(cacheDir = defaultCacheDir()): EngineManifest[] {
  const dir = enginesDir(cacheDir);
  if (!existsSync(dir)) return [];
  const out: EngineManifest[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry, 'engine.json');
    if (!existsSync(file)) continue; // a build in progress, or one that failed
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as EngineManifest;
      if (existsSync(m.binary)) out.push(m);
    } catch { /* a damaged manifest is the same as no build */ }
  }
  return out.sort((a, b) => b.builtAt.localeCompare(a.builtAt));
}

/** An engine's executable: PATH first (the user's own install wins), then gauntlet's cache. */
export function locateEngine(name: EngineName, cacheDir = defaultCacheDir()): FoundEngine | undefined {
  const fromPath = onPath(name);
  if (fromPath) return { name, binary: fromPath, from: 'PATH' };
  const built = builtEngines(cacheDir).find((m) => m.engine === name);
  return built ? { name, binary: built.binary, from: 'cache', manifest: built } : undefined;
}

/**
 * For configs: the path of an engine's executable, else its bare name (spawning it then fails with a message
 * that says to run `npx gauntlet engines build NAME`).
 */
export function findEngine(name: EngineName): string {
  return locateEngine(name)?.binary ?? name;
}
