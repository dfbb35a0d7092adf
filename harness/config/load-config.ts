/** Finds and imports a gauntlet.config.ts (tsx handles the TypeScript), then resolves it. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GauntletError, toError } from '../util/errors.ts';
import { codePath } from '../util/ts-runner.ts';
import { resolveConfig } from './resolve-config.ts';
import type { GauntletConfig, ResolvedConfig } from './types.ts';

export const CONFIG_NAMES = ['gauntlet.config.ts', 'gauntlet.config.mts', 'gauntlet.config.js', 'gauntlet.config.mjs'];

/** The config file to use: `file` if given (must exist), else the first CONFIG_NAMES in cwd, else the package's default. */
export function findConfigFile(file?: string, cwd = process.cwd()): string | undefined {
  if (file) {
    const abs = path.resolve(cwd, file);
    if (!existsSync(abs)) throw new GauntletError('GAUNTLET_USAGE', `config file ${JSON.stringify(file)} not found (looked at ${abs})`);
    return abs;
  }
  for (const name of CONFIG_NAMES) {
    const p = path.join(cwd, name);
    if (existsSync(p)) return p;
  }
  const builtIn = codePath('gauntlet.config.ts'); // the .ts in a checkout, dist/gauntlet.config.js when installed
  return existsSync(builtIn) ? builtIn : undefined;
}

export async function importConfig(file: string): Promise<GauntletConfig> {
  let mod: { default?: unknown };
  try {
    // tsImport loads the file as ESM whatever the nearest package.json says (a plain import() would not).
    // tsx is loaded only for a TypeScript config: plain .js / .mjs configs and --help pay nothing for it.
    mod = /\.[cm]?ts$/.test(file)
      ? ((await (await import('tsx/esm/api')).tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown })
      : ((await import(pathToFileURL(file).href)) as { default?: unknown });
  } catch (e) {
    const err = toError(e);
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `could not import config ${file}: ${err.message}`, { cause: err });
  }
  // A .ts file compiled as CommonJS (no "type": "module" nearby) arrives wrapped once more: { default: { default } }.
  let exported = mod.default;
  if (exported && typeof exported === 'object' && Object.keys(exported).every((k) => k === 'default' || k === '__esModule') && 'default' in exported) {
    exported = (exported as { default: unknown }).default;
  }
  mod = { default: exported };
  const value = typeof mod.default === 'function' ? await (mod.default as () => unknown)() : mod.default;
  if (!value || typeof value !== 'object') {
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `config ${file} must \`export default defineConfig({...})\`; its default export is ${typeof value}`);
  }
  return value as GauntletConfig;
}

/** Loads (or defaults) and resolves the config. */
export async function loadConfig(file?: string, cwd = process.cwd()): Promise<ResolvedConfig> {
  const found = findConfigFile(file, cwd);
  if (!found) return resolveConfig({}, { root: cwd });
  return resolveConfig(await importConfig(found), { configFile: found });
}
