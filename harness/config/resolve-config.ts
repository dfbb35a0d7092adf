/** Fills defaults and validates a GauntletConfig once; every later step can trust the ResolvedConfig. */
import path from 'node:path';
import type { AdapterConfig, ResolvedAdapter } from '../adapters/types.ts';
import { GauntletError } from '../util/errors.ts';
import { nodeLlamaCpp, nodeLlamaCppMissing, REFERENCE_ADAPTERS, unknownAdapterMessage } from '../engines/node-llama-cpp.ts';
import { PACKAGE_ROOT } from '../util/ts-runner.ts';
import { DEFAULT_POOLING, type Arch, type Pooling } from '../gguf/model-spec.ts';
import { DEFAULT_LIMITS_CONFIG, DEFAULT_MODEL, DEFAULTS, defaultAdapters, defaultCacheDir } from './defaults.ts';
import { describeValue, formatIssues } from './format-issues.ts';
import { resolveExtensions } from './resolve-extensions.ts';
import { configSchema, KINDS, modelObjectSchema } from './schema.ts';
import { REPORTER_NAMES } from '../report/reporters.ts';
import type { GauntletConfig, ModelSource, ResolvedConfig } from './types.ts';

export interface ResolveOptions {
  /** Relative paths (model, cacheDir, outDir, adapters' cwd) are resolved from here. Default: the config file's folder, else cwd. */
  root?: string;
  configFile?: string;
}

function invalid(lines: string[], configFile?: string): GauntletError {
  const where = configFile ? ` in ${configFile}` : '';
  return new GauntletError('GAUNTLET_CONFIG_INVALID', `invalid config${where}:\n  ${lines.join('\n  ')}`, { details: { issues: lines } });
}

/** A clearer message than the union's for the commonest mistake: a wrong or missing adapter kind. */
function checkKinds(input: GauntletConfig): string[] {
  const adapters = (input as { adapters?: unknown }).adapters;
  if (!adapters || typeof adapters !== 'object') return [];
  const lines: string[] = [];
  for (const [name, a] of Object.entries(adapters)) {
    const kind = a && typeof a === 'object' ? (a as { kind?: unknown }).kind : undefined;
    if (!KINDS.includes(kind as never)) {
      lines.push(`adapters.${name}.kind: expected "process", "in-process" or "http", got ${describeValue(kind)}`);
    }
  }
  return lines;
}

/** tiny-seed1-f32.gguf for BERT with its mean pooling (the name files had before other architectures), else prefixed. */
export function modelFileName(m: { preset: string; seed: number; dtype: string; arch?: Arch; pooling?: Pooling }): string {
  const arch = m.arch ?? 'bert';
  const pooling = m.pooling && m.pooling !== DEFAULT_POOLING[arch] ? `-${m.pooling}` : '';
  return `${arch === 'bert' ? '' : `${arch}-`}${m.preset}-seed${m.seed}-${m.dtype}${pooling}.gguf`;
}

/**
 * A config's adapters run from the config file's folder: a relative `cwd` is resolved against it, and a command
 * without `cwd` gets that folder, so `command: ['python3', 'embedder.py']` or `['./target/release/embedder']` work
 * from wherever gauntlet is started (as `model`, `outDir` and `cacheDir` do). Without a file, cwd stays inherited.
 */
function anchorAdapters(own: Record<string, AdapterConfig>, root: string, fromFile: boolean): Record<string, AdapterConfig> {
  const out: Record<string, AdapterConfig> = {};
  for (const [name, a] of Object.entries(own)) {
    if (a.kind === 'in-process' || !a.command) {
      out[name] = a;
      continue;
    }
    const cwd = a.cwd !== undefined ? path.resolve(root, a.cwd) : fromFile ? root : undefined;
    out[name] = cwd === undefined ? a : { ...a, cwd };
  }
  return out;
}

export function resolveConfig(input: GauntletConfig = {}, opts: ResolveOptions = {}): ResolvedConfig {
  const kindLines = checkKinds(input);
  if (kindLines.length > 0) throw invalid(kindLines, opts.configFile);
  const m0 = (input as { model?: unknown }).model;
  if (m0 !== null && typeof m0 === 'object' && !Array.isArray(m0)) {
    const pm = modelObjectSchema.safeParse(m0);
    if (!pm.success) throw invalid(formatIssues(pm.error.issues.map((i) => ({ ...i, path: ['model', ...i.path] })), input), opts.configFile);
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw invalid(formatIssues(parsed.error.issues, input), opts.configFile);
  const c = parsed.data;
  const ext = resolveExtensions(c, opts.configFile);
  if (ext.problems.length > 0) throw invalid(ext.problems, opts.configFile);
  const root = opts.root ?? (opts.configFile ? path.dirname(opts.configFile) : process.cwd());
  const cacheDir = c.cacheDir ? path.resolve(root, c.cacheDir) : defaultCacheDir();

  let model: ModelSource;
  if (typeof c.model === 'string') {
    model = { kind: 'file', path: path.resolve(root, c.model) };
  } else {
    const m = { ...DEFAULT_MODEL, ...(c.model ?? {}) };
    const pooling = m.pooling ?? DEFAULT_POOLING[m.arch];
    model = { kind: 'generated', preset: m.preset, seed: m.seed, dtype: m.dtype, arch: m.arch, pooling, path: path.join(cacheDir, 'models', modelFileName({ ...m, pooling })) };
  }

  const own = anchorAdapters((c.adapters ?? {}) as Record<string, AdapterConfig>, root, opts.configFile !== undefined);
  const adapters: Record<string, AdapterConfig> = { ...defaultAdapters(), ...own };
  const defaultNames = c.defaultAdapters ?? Object.keys(adapters);
  const unknown = defaultNames.filter((n) => !(n in adapters));
  if (unknown.length > 0) {
    const name = unknown[0]!;
    throw invalid([(REFERENCE_ADAPTERS as readonly string[]).includes(name) && !nodeLlamaCpp()
      ? `defaultAdapters: ${describeValue(name)} ${nodeLlamaCppMissing('is gauntlet\'s reference embedder, which')}; or remove it from defaultAdapters`
      : `defaultAdapters: unknown adapter ${describeValue(name)}; known: ${Object.keys(adapters).join(', ')}`], opts.configFile);
  }

  const reporters = (c.reporters ?? DEFAULTS.reporters).map((r): [string, Record<string, unknown>] => (typeof r === 'string' ? [r, {}] : [r[0], r[1]]));
  const badReporter = reporters.findIndex(([name]) => !REPORTER_NAMES.includes(name));
  if (badReporter >= 0) {
    throw invalid([`reporters.${badReporter}: unknown reporter ${describeValue(reporters[badReporter]![0])}; known: ${REPORTER_NAMES.join(', ')}`], opts.configFile);
  }

  return {
    model,
    adapters,
    defaultAdapters: defaultNames,
    limits: { ...DEFAULT_LIMITS_CONFIG, ...(c.limits ?? {}) },
    lanes: c.lanes ?? DEFAULTS.lanes,
    threads: c.threads ?? DEFAULTS.threads,
    normalize: c.normalize ?? DEFAULTS.normalize,
    seed: c.seed ?? DEFAULTS.seed,
    reporters,
    claims: ext.overrides,
    userClaims: ext.userClaims,
    scenarios: ext.scenarios,
    cacheDir,
    outDir: path.resolve(root, c.outDir ?? DEFAULTS.outDir),
    bench: c.bench ?? DEFAULTS.bench,
    ...(c.golden !== undefined ? { golden: path.resolve(root, c.golden) } : {}),
    configFile: opts.configFile,
    warnings: adapterWarnings(own),
  };
}

/**
 * Adapter shapes the schema accepts that find no server unless it does one particular thing: an http command with
 * neither {port} nor baseUrl nor freePort starts a server on a port gauntlet does not know, which works only when it
 * prints the ready line {"ready": true, "port": N}.
 */
export function adapterWarnings(adapters: Record<string, AdapterConfig>): string[] {
  const out: string[] = [];
  for (const [name, a] of Object.entries(adapters)) {
    if (a.kind !== 'http' || !a.command || a.baseUrl || a.freePort) continue;
    if (a.command.some((w) => w.includes('{port}'))) continue; // {port} is 0: the server names its port (reference-http)
    out.push(`adapters.${name}: the command has no {port} and there is no baseUrl, so the host learns where the server listens only from a stdout line {"ready": true, "port": N}; if it prints none, add {port} to the command with freePort: true (gauntlet picks the port), or set baseUrl to the address it listens on`);
  }
  return out;
}

/** The adapter names, for messages. */
export function adapterNames(config: ResolvedConfig): string[] {
  return Object.keys(config.adapters);
}

/**
 * Everything a host needs for one adapter: the adapter's own settings over the run-wide ones.
 * Throws GAUNTLET_USAGE naming the known adapters when `name` is unknown.
 */
export function resolveAdapter(config: ResolvedConfig, name: string, modelPath: string = config.model.path): ResolvedAdapter {
  const adapter = config.adapters[name];
  if (!adapter) {
    throw new GauntletError('GAUNTLET_USAGE', unknownAdapterMessage(name, adapterNames(config)));
  }
  return {
    name,
    config: adapter,
    model: path.resolve(modelPath),
    lanes: adapter.lanes ?? config.lanes,
    threads: adapter.threads ?? config.threads,
    normalize: adapter.normalize ?? config.normalize,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    startTimeoutMs: config.limits.startTimeoutMs,
    maxBatch: config.limits.maxBatch,
    maxFrameBytes: config.limits.maxFrameBytes,
  };
}

export { PACKAGE_ROOT };
