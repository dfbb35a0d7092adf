/**
 * report.json, version 1: the one result shape every reporter reads and `compare` / `merge` consume.
 * Producers: harness/runner (scenarios, samples, timeline), harness/claims (verdicts).
 */
export const REPORT_SCHEMA_VERSION = 1 as const;

export type Verdict = 'pass' | 'fail' | 'not-applicable' | 'inconclusive';
export type Severity = 'required' | 'advisory';

export interface VerdictRow {
  claim: string;            // claim id, e.g. "host-rss-max"
  adapter: string;          // adapter name from the config
  severity: Severity;
  verdict: Verdict;
  /** The measured figure the threshold was checked against (null when nothing could be measured). */
  value: number | null;
  unit: string;             // 'ms' | 'bytes' | 'count' | 'ratio' | 'req/s' | ...
  threshold: string;        // k6-style, as written in the claim, e.g. "p50<25ms"
  source: string;           // "seed 001 §Performance targets"; a config's own claim: "docs/slo.md §latency"
  /** 'config': a claim the run's gauntlet config added (absent: a built-in claim from the catalogue). */
  origin?: 'config';
  /** One sentence a user can act on: what was measured, and for theses what the real risk is. */
  reason: string;
  /** Where the figure came from: scenario ids, sample counts, fault proofs. */
  evidence: {
    scenarios: string[]; samples?: number; notes?: string[];
    /** The claim's figure part by part (e.g. min cosine per corpus category), each judged by the same threshold. */
    breakdown?: { by: string; parts: Array<BreakdownPart & { scenario: string; verdict: Verdict }> };
  };
  /** The 95 % interval of a timing or rate value, from the samples of the scenario that gave it (absent: none). */
  interval?: FigureInterval & { scenario: string };
  /** The interval straddles the threshold: the verdict could come out the other way in the next run. */
  nearThreshold?: boolean;
}

/**
 * A figure's 95 % confidence interval: order statistics for quantiles (distribution-free), the percentile
 * bootstrap (seeded) for means and rates, the exact bootstrap for a maximum or minimum (whose upper, resp. lower,
 * bound is the sample's own extreme). A null bound: too few samples to bound that side.
 */
export interface FigureInterval {
  /** Samples the figure is a statistic of. */
  n: number;
  level: number;
  lo: number | null;
  hi: number | null;
  method: 'order-statistics' | 'bootstrap';
  /** The key of ScenarioResult.samples holding those samples, and the statistic the figure is of them. */
  samples: string;
  stat: import('../stats/resample.ts').FigureStat;
  /** For a rate: rate = scale / mean(samples). */
  scale?: number;
}

/**
 * One part of a figure a scenario measured in parts (ScenarioResult.breakdowns): e.g. the lowest cosine of one
 * corpus category, with the text that set it.
 */
export interface BreakdownPart {
  /** Stable id of the part, e.g. a corpus category id ("cjk"). */
  key: string;
  label: string;
  /** The figure for this part, in the metric's unit (null: not measured, see note). */
  value: number | null;
  /** Items behind the figure (texts). */
  count: number;
  /** The item that set the figure (the worst text), quoted in a failure. */
  worst?: string;
  /** What else the reader needs: an error instead of a vector, why nothing was measured. */
  note?: string;
}

/** One point of a time series; t is ms since the scenario started. */
export interface SamplePoint { t: number; value: number }

export interface TimelineEvent {
  t: number;                // ms since scenario start
  kind: 'fault' | 'spawn' | 'ready' | 'crash' | 'restart' | 'give-up' | 'hang' | 'error' | 'host-exit' | 'note';
  label: string;
  details?: Record<string, unknown>;
}

export interface LatencySummary {
  count: number;
  errors: number;
  min: number; p50: number; p90: number; p99: number; max: number; mean: number;   // ms
  /** Bucketed distribution for charts: [upper bound ms, count]. */
  histogram: Array<[number, number]>;
}

export interface ScenarioResult {
  scenario: string;         // scenario id, e.g. "forced-kill"
  title: string;
  adapter: string;
  status: 'completed' | 'host-died' | 'timed-out' | 'harness-error' | 'skipped';
  durationMs: number;
  /** Where the run's time went: phases and CPU ("busy") vs wall (harness/runner/timing.ts). */
  timing?: import('../runner/timing.ts').ScenarioTiming;
  /** Named figures this scenario measured (what claims read), e.g. { "restart.p50": 812 }. */
  metrics: Record<string, number | null>;
  latency?: Record<string, LatencySummary>;       // e.g. { single: ..., batch10: ... }
  /** Raw samples (ms, rounded to 1 us, at most 2000 kept in order) of the latency summaries: compare's input. */
  samples?: Record<string, number[]>;
  /** The 95 % interval of each timing and rate figure of `metrics` (and `latency.KEY.p50` etc.), by key. */
  intervals?: Record<string, FigureInterval>;
  series?: {
    hostHeapUsed?: SamplePoint[]; hostRss?: SamplePoint[];
    embedderRssAnon?: SamplePoint[]; embedderRssFile?: SamplePoint[];
    [name: string]: SamplePoint[] | undefined;
  };
  timeline: TimelineEvent[];
  /** Figures measured in parts, by the metric they make up: { "correctness.minCosine": { by: "category", parts } }. */
  breakdowns?: Record<string, { by: string; parts: BreakdownPart[] }>;
  /** Host death, harness errors: what happened, with signal/exit code and stderr tail. */
  errors: Array<{ code: string; message: string; signal?: string | null; exitCode?: number | null; stderrTail?: string }>;
  notes: string[];
}

/** A run skipped because the scenario does not apply to its adapter has this prefix on its first note. */
const NOT_APPLICABLE = 'not applicable: ';

/** The first note of a run skipped as not applicable to its adapter. */
export function notApplicableNote(reason: string): string {
  return `${NOT_APPLICABLE}${reason}`;
}

/** Why the run was skipped as not applicable to its adapter; undefined for any other run. */
export function notApplicableReason(r: Pick<ScenarioResult, 'status' | 'notes'>): string | undefined {
  const first = r.status === 'skipped' ? r.notes?.[0] : undefined;
  return first?.startsWith(NOT_APPLICABLE) ? first.slice(NOT_APPLICABLE.length) : undefined;
}

export interface EnvironmentInfo {
  node: string; platform: string; arch: string; cpus: number; cpuModel: string; totalMemBytes: number;
  nodeLlamaCpp: string; gauntlet: string; memoryLimitMechanism?: string; hostname?: string;
  /** The git commit of a checkout run (+dirty with uncommitted changes); absent for an installed package. */
  commit?: string;
  /** 1, 5 and 15 minute load averages when the run started: timing figures of a loaded machine are noisy. */
  loadavg?: number[];
}

/** The reference one adapter's vectors were judged against. */
export interface ReferenceInfo {
  adapter: string;
  /** oracle: gauntlet's forward pass of the model; golden: vectors recorded by an engine; none: nothing could judge. */
  kind: 'oracle' | 'golden' | 'none';
  /** The model (oracle) or the golden file. */
  source: string;
  /** golden: the adapter that recorded the file, its kind, and when. */
  engine?: string;
  engineKind?: string;
  recordedAt?: string;
  note?: string;
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  seed: number;
  /** The command line that reproduces this run. */
  command: string;
  startedAt: string;        // ISO
  durationMs: number;
  quick: boolean;
  shard?: { index: number; count: number };
  environment: EnvironmentInfo;
  model: { path: string; sha256?: string; dtype?: string; bytes?: number; dims?: number };
  adapters: string[];
  /** Which reference judged each adapter's vectors (embeddings-match-reference): the oracle or a golden file. */
  references?: ReferenceInfo[];
  /** Adapters run for comparison only: their required-claim failures are reported but do not set the exit code. */
  comparisonAdapters?: string[];
  scenarios: ScenarioResult[];
  verdicts: VerdictRow[];
  /** Benchmarks section (issue 6), when `gauntlet bench` results are merged in. */
  bench?: { targets: Array<{ name: string; target: string; value: number | null; unit: string; pass: boolean; interval?: { lo: number | null; hi: number | null; n: number }; judgement?: 'PASS' | 'MISS' | 'too noisy to judge' }>; [k: string]: unknown };
  /**
   * Set when the run was interrupted (Ctrl-C, SIGTERM): the report holds the runs that completed; the one under way
   * was stopped and dropped, the rest never started.
   */
  partial?: {
    signal: 'SIGINT' | 'SIGTERM';
    /** ms after the run's start. */
    atMs: number;
    interrupted?: { scenario: string; adapter: string };
    notRun: Array<{ scenario: string; adapter: string }>;
  };
  /** Run-level problems outside any scenario (claims evaluation, a reporter or listener that threw, leftover processes). */
  errors?: Array<{ code: string; message: string }>;
  summary: { required: { pass: number; fail: number; inconclusive: number; notApplicable: number }; advisory: { pass: number; fail: number; inconclusive: number; notApplicable: number }; exitCode: 0 | 1 | 2 | 130 | 143; /** Required-claim failures of comparison adapters (not counted in the exit code). */ comparisonFailures?: number };
}
