/** The gauntlet config as users write it (GauntletConfig) and as the harness uses it (ResolvedConfig). */
import type { AdapterConfig } from '../adapters/types.ts';
import type { MetricKind, UserClaim } from '../claims/types.ts';
import type { Arch, Dtype, Pooling, Preset } from '../gguf/model-spec.ts';
import type { AnyScenario } from '../runner/types.ts';

/** A model file on disk, or a synthetic model generated (once, then cached) from a seed. */
export type ModelInput = string | { preset?: Preset; seed?: number; dtype?: Dtype; arch?: Arch; pooling?: Pooling };

export type ModelSource =
  | { kind: 'file'; path: string }
  | { kind: 'generated'; path: string; preset: Preset; seed: number; dtype: Dtype; arch?: Arch; pooling?: Pooling };

export interface LimitsConfig {
  /** Largest protocol frame, bytes. */
  maxFrameBytes?: number;
  /** Most texts in one batch. */
  maxBatch?: number;
  /** Per-request deadline, ms. */
  requestTimeoutMs?: number;
  /** Deadline for an adapter's start, ms. */
  startTimeoutMs?: number;
}

export type ReporterEntry = string | [string, Record<string, unknown>];

/**
 * Per-claim override, as harness/claims reads it (claimsForConfig validates ids and thresholds against the
 * catalogue): `false` drops the claim; an object changes its threshold (k6 style, e.g. "p50<25ms"),
 * severity or the adapter kinds it applies to.
 */
export type ClaimOverride =
  | false
  | { threshold?: string; severity?: 'required' | 'advisory'; appliesTo?: ('process' | 'in-process' | 'http')[] };

/**
 * A claim of the config's own, under an id that is not a built-in claim's: `claims: { 'search-p50-under-20ms': {
 * title, source: 'docs/slo.md#search', metric: 'search.latency', kind: 'latency', threshold: 'p50<20ms' } }`.
 * Its metric is a built-in one (e.g. "embed.latency"; then no `kind`) or the config's own, declared with `kind`
 * and recorded by a scenario of the config through ctx.metric(name, value) or ctx.latency(name, durationsMs).
 */
export interface ClaimDefinition {
  /** One line, our words. */
  title: string;
  /** Where the figure is stated: "docs/slo.md#search" (document#section), a URL, or { document, section }. */
  source: string | { document: string; section?: string };
  /** A built-in metric (docs/claims.md lists them) or a name of your own, e.g. "search.latency". */
  metric: string;
  /** k6 style, checked against the metric's kind when the config is resolved: "p50<20ms", "max<100MB", "count==0". */
  threshold: string;
  /** Default 'required': a miss fails the run (exit 1). 'advisory' is reported and never fails it. */
  severity?: 'required' | 'advisory';
  /** Your own metric's kind (required for one, not allowed to differ for a built-in one). */
  kind?: MetricKind;
  /** Your own metric's unit; default by kind: ms, bytes, count, req/s, ratio, boolean. */
  unit?: 'ms' | 'bytes' | 'bytes/request' | 'count' | 'req/s' | 'texts/s' | 'msg/s' | 'B/s' | 'ratio' | 'boolean';
  /** Scenarios that record the metric. Default: your scenarios that list this claim's id in their `claims`. */
  scenarios?: string[];
  /** Adapter kinds the claim is about; absent = every kind. */
  appliesTo?: ('process' | 'in-process' | 'http')[];
  /** The figure as your document states it, quoted in the verdict. */
  stated?: string;
  description?: string;
}

/**
 * Benchmarks in `gauntlet run` (the suite `gauntlet bench` runs, after the scenarios; its figures decide the bench
 * claims): 'quick' or 'full' sizes, 'on' = quick sizes with --quick and full sizes without, 'off' = none.
 */
export type BenchMode = 'quick' | 'full' | 'on' | 'off';
export const BENCH_MODES: readonly BenchMode[] = ['quick', 'full', 'on', 'off'];

export interface GauntletConfig {
  /** Path of a GGUF file, or how to generate one. Default: the tiny synthetic model, seed 1, f32. */
  model?: ModelInput;
  /** Adapters by name; merged over the defaults (same name replaces). */
  adapters?: Record<string, AdapterConfig>;
  /** Adapters to run when none is named. Default: all of them. */
  defaultAdapters?: string[];
  limits?: LimitsConfig;
  /** Lanes (parallel contexts) per embedder. Default 1. */
  lanes?: number;
  /** Threads per context. Default 1. */
  threads?: number;
  normalize?: boolean;
  /** Seed of every random choice in a run. */
  seed?: number;
  reporters?: ReporterEntry[];
  /**
   * By claim id: for a built-in claim, an override (`false` drops it; `{ threshold, severity, appliesTo }` changes
   * it); for a new id, a claim of your own (ClaimDefinition). The report shows both kinds side by side.
   */
  claims?: Record<string, ClaimOverride | ClaimDefinition>;
  /**
   * Scenarios of your own (`defineScenario({...})`, with the same ctx as the built-in ones), run after the
   * built-in ones; `--scenario <id>` selects one. Ids are kebab-case and must not be a built-in scenario's.
   */
  scenarios?: AnyScenario[];
  /** Where generated models are cached. Default $GAUNTLET_CACHE, else ~/.cache/gauntlet ($XDG_CACHE_HOME/gauntlet). */
  cacheDir?: string;
  /** Where runs write reports. Default reports/latest. */
  outDir?: string;
  /** Benchmarks in `gauntlet run` (`--bench` overrides it). Default 'on': quick sizes with --quick (about 30 s). */
  bench?: BenchMode;
  /**
   * Golden vectors (`gauntlet golden record --adapter A --out FILE`): embeddings-match-reference then compares every
   * adapter with them instead of the oracle. The file must have been recorded on this config's model.
   */
  golden?: string;
}

export interface ResolvedConfig {
  model: ModelSource;
  adapters: Record<string, AdapterConfig>;
  defaultAdapters: string[];
  limits: Required<LimitsConfig>;
  lanes: number;
  threads: number;
  normalize: boolean;
  seed: number;
  reporters: [string, Record<string, unknown>][];
  /** Overrides of built-in claims (the config's own claims are in `userClaims`). */
  claims: Record<string, ClaimOverride>;
  /** The config's own claims, checked (thresholds, metrics, scenarios), in the config's order. */
  userClaims: UserClaim[];
  /** The config's own scenarios, checked, in the config's order (built-in ones: scenarios/index.ts). */
  scenarios: AnyScenario[];
  cacheDir: string;
  outDir: string;
  bench: BenchMode;
  /** Absolute path of the golden file (the config's `golden`), when the run is judged against one. */
  golden?: string;
  /** The file the config came from, if any. */
  configFile: string | undefined;
  /**
   * What the config allows but will probably not work as meant, each naming the adapter and the fix (an http
   * command with no {port} and no baseUrl, say); the commands print them. Optional: hand-built configs may omit it.
   */
  warnings?: string[];
}
