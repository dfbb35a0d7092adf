/** The gauntlet config as users write it (GauntletConfig) and as the harness uses it (ResolvedConfig). */
import type { AdapterConfig } from '../adapters/types.ts';
import type { Dtype, Preset } from '../gguf/model-spec.ts';

/** A model file on disk, or a synthetic model generated (once, then cached) from a seed. */
export type ModelInput = string | { preset?: Preset; seed?: number; dtype?: Dtype };

export type ModelSource =
  | { kind: 'file'; path: string }
  | { kind: 'generated'; path: string; preset: Preset; seed: number; dtype: Dtype };

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
  claims?: Record<string, ClaimOverride>;
  /** Where generated models are cached. Default $GAUNTLET_CACHE or <package>/.cache. */
  cacheDir?: string;
  /** Where runs write reports. Default reports/latest. */
  outDir?: string;
  /** Benchmarks in `gauntlet run` (`--bench` overrides it). Default 'on': quick sizes with --quick (about 30 s). */
  bench?: BenchMode;
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
  claims: Record<string, ClaimOverride>;
  cacheDir: string;
  outDir: string;
  bench: BenchMode;
  /** The file the config came from, if any. */
  configFile: string | undefined;
}
