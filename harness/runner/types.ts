/**
 * The scenario contract: a scenario is data plus one `run(ctx)` function. The runner builds `ctx` for every
 * scenario x adapter, bounds it in time, and turns whatever happens into one ScenarioResult.
 */
import type { SampleLink } from '../stats/figure-intervals.ts';
import type { ResolvedAdapter } from '../adapters/types.ts';
import type { FaultInjector, FaultRecord } from '../faults/index.ts';
import type { HostHandle, HostMemory, StartHostOptions } from '../host/types.ts';
import type { Oracle } from '../gguf/oracle.ts';
import type { GoldenSet } from '../golden/golden-file.ts';
import type { GenerateOptions, GenerateResult } from '../gguf/generator.ts';
import type { BreakdownPart, LatencySummary, SamplePoint, ScenarioResult, TimelineEvent } from '../report/schema.ts';
import type { ScenarioRng } from './rng.ts';

/**
 * Fields of the run's adapter that one host may use differently: another model file (a large generated model, a
 * corrupt variant, a private copy a fault will truncate), another config of the same kind (a command wrapped by
 * `prlimit` or a relay, `useMmap: false`), other deadlines. Laid over `ctx.adapter` for that host only.
 */
export type AdapterOverride = Partial<Pick<ResolvedAdapter, 'model' | 'config' | 'startTimeoutMs' | 'requestTimeoutMs'>>;

/** `ctx.startHost()` options: the host's own, plus an adapter override for this one host. */
export interface ScenarioStartHostOptions extends StartHostOptions {
  /** This host runs `{ ...ctx.adapter, ...adapter }`; ctx.adapter itself is never changed. The config's kind must stay the same. */
  adapter?: AdapterOverride;
}

/** Sizes a scenario reads from `ctx.sizes` (request counts, kill counts...), one set for --quick and one for full. */
export type ScenarioSizes = Record<string, number | string | boolean | readonly (number | string)[]>;

export interface ScenarioDefinition<S extends ScenarioSizes = ScenarioSizes> {
  /** kebab-case id, e.g. "forced-kill". */
  id: string;
  title: string;
  /** Ids of the claims whose metrics this scenario measures. */
  claims: string[];
  /** Whether the scenario applies to an adapter: true, or false / a reason string when it does not (-> skipped). */
  appliesTo?: (adapter: ResolvedAdapter) => boolean | string;
  quick: S;
  full: S;
  /**
   * True when this scenario's claims are counts, verdicts and one process's memory, with time bounds far above the
   * work (no latency, throughput, restart or cold-start claim): its runs may then share the machine with other such
   * runs (the runner's lanes). A neighbour takes CPU, not this run's processes' pages.
   */
  overlap?: boolean;
  /** Hard limit for one adapter, ms; a number, or one per mode. */
  timeoutMs: number | { quick: number; full: number };
  run(ctx: ScenarioContext<S>): Promise<void>;
}

/** Any scenario, whatever its sizes (for registries and the runner). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScenario = ScenarioDefinition<any>;

export interface EmbedderMemory {
  pid: number;
  rss: number;
  rssAnon: number;
  rssFile: number;
}

export interface ScenarioTimeline {
  /** ms since the scenario started. */
  now(): number;
  add(kind: TimelineEvent['kind'], label: string, details?: Record<string, unknown>): TimelineEvent;
  readonly events: readonly TimelineEvent[];
}

export interface ScenarioContext<S extends ScenarioSizes = ScenarioSizes> {
  readonly scenario: { id: string; title: string };
  readonly adapter: ResolvedAdapter;
  readonly sizes: S;
  readonly quick: boolean;
  /** The run's seed; `rng` is already derived from it, the scenario id and the adapter name. */
  readonly seed: number;
  readonly rng: ScenarioRng;
  /** Aborts when the scenario's time is up. Pass it to every wait. */
  readonly signal: AbortSignal;
  /** An AbortSignal that fires after `ms` or when the scenario's own signal does, whichever is first. */
  deadline(ms: number): AbortSignal;
  /** ms left before the hard timeout. */
  remainingMs(): number;
  readonly timeline: ScenarioTimeline;

  /**
   * A fresh host for this adapter (with `opts.adapter` laid over it, for this host only); the runner tracks it and
   * everything it spawns, and ends them at the end.
   */
  startHost(opts?: ScenarioStartHostOptions): Promise<HostHandle>;
  /**
   * Pids of the live processes embedder `pid` started (itself excluded): its /proc descendants and this scenario's
   * processes that carry the run tag without a host or another embedder (a spare) as an ancestor: a worker in a
   * session of its own, a double-forked helper.
   */
  embedderTree(pid: number): number[];
  /** Fault injectors bound to the timeline: every record becomes a `fault` event and a timeline entry. */
  readonly faults: FaultInjector;

  /** Host memory (optionally after a full GC) as the host reports it; added to series hostHeapUsed / hostRss. */
  sampleHost(host: HostHandle, opts?: { gc?: boolean }): Promise<HostMemory>;
  /** Embedder memory from /proc/PID/status; added to series embedderRssAnon / embedderRssFile. Undefined when gone. */
  sampleEmbedder(pid: number): EmbedderMemory | undefined;
  /** Samples host (and embedder, when it has one) every `intervalMs` until stopped or the scenario ends. */
  startSampling(host: HostHandle, opts?: { intervalMs?: number; gc?: boolean }): () => void;

  /**
   * Records a named figure for claims (e.g. "restart.p50"); the last value wins. `from`: the latency summary whose
   * samples the figure is a statistic of (e.g. { samples: 'throughputSingle', stat: 'rate' }), for its interval.
   */
  metric(name: string, value: number | null, from?: SampleLink): void;
  /**
   * Records the parts a figure is made of (e.g. correctness.minCosine per corpus category, with the worst text): the
   * verdict of a claim on `metric` judges each part by its threshold and names the parts that miss it.
   */
  breakdown(metric: string, by: string, parts: BreakdownPart[]): void;
  /** Appends points to a named series (t = ms since scenario start when given a bare value). */
  series(name: string, points: SamplePoint[] | number): void;
  /**
   * Stores a latency summary built from durations in ms (errors counted apart), and its samples. `metric`: the
   * metric whose `.p50 .p90 .p99 .mean .max .min` figures are statistics of these samples (their intervals).
   */
  latency(name: string, durationsMs: number[], errors?: number, metric?: string): LatencySummary;
  note(text: string): void;
  /** Records an error without ending the scenario (e.g. a wrong vector). */
  error(code: string, message: string, extra?: { signal?: string | null; exitCode?: number | null; stderrTail?: string }): void;

  /** The run's model (absolute path) and what is known about it. */
  readonly model: RunModel;
  /** A per-run temporary folder (removed after the run). */
  readonly tmpDir: string;
  /** Generates an extra model into the per-run temp dir (same seed + name -> same file, generated once). */
  generateModel(name: string, opts: Omit<GenerateOptions, 'out'>): Promise<GenerateResult>;
  /** The independent forward pass for a model (default: the run's model); loaded once per path. */
  oracle(modelPath?: string): Promise<Oracle>;
  /**
   * Golden vectors (config `golden`), when the run is judged against them instead of the oracle: scenarios compare
   * their vectors with these (ctx.golden.lookup(text), the corpus scenario with its whole corpus).
   */
  readonly golden?: GoldenSet;
}

export interface RunModel {
  path: string;
  sha256?: string;
  dtype?: string;
  bytes?: number;
  dims?: number;
}

// ---------------------------------------------------------------- events

export type RunEvent =
  | { type: 'run-start'; info: import('../report/reporter.ts').RunStartInfo }
  | { type: 'scenario-start'; info: import('../report/reporter.ts').ScenarioStartInfo }
  | { type: 'fault'; scenario: string; adapter: string; record: FaultRecord }
  | { type: 'sample'; scenario: string; adapter: string; series: string; point: SamplePoint }
  | { type: 'restart'; scenario: string; adapter: string; event: Record<string, unknown> }
  | { type: 'scenario-end'; result: ScenarioResult }
  | { type: 'run-end'; report: import('../report/schema.ts').RunReport };

export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
