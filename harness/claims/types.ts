/** The shape of a claim: one documented target or thesis from a seed document, and how gauntlet checks it. */
import type { Severity } from '../report/schema.ts';
import type { MetricDef } from './metrics-catalogue.ts';

export type MetricKind = 'latency' | 'bytes' | 'count' | 'rate' | 'ratio' | 'boolean';

/**
 * Built-in scenario families that produce metrics, plus 'bench' for `gauntlet bench` figures. A config's own
 * scenarios have ids of their own (any kebab-case string that is not one of these): see MetricDef's `S`.
 */
export type ScenarioId =
  | 'cold-start' | 'latency' | 'corpus' | 'throughput' | 'forced-kill' | 'restart-storm' | 'restart-limit' | 'hang'
  | 'concurrent-embeds' | 'memory-pressure' | 'pipe-disconnect' | 'corrupt-gguf' | 'model-file-changed'
  | 'parent-exit' | 'bad-input' | 'soak' | 'fuzz' | 'bench';

export const SCENARIO_IDS: readonly ScenarioId[] = [
  'cold-start', 'latency', 'corpus', 'throughput', 'forced-kill', 'restart-storm', 'restart-limit', 'hang',
  'concurrent-embeds', 'memory-pressure', 'pipe-disconnect', 'corrupt-gguf', 'model-file-changed', 'parent-exit',
  'bad-input', 'soak', 'fuzz', 'bench',
];

export type AdapterKind = 'process' | 'in-process' | 'http';
export const ADAPTER_KINDS: readonly AdapterKind[] = ['process', 'in-process', 'http'];

export type SeedId = '000' | '001' | '002' | '003' | '004';

export interface ClaimSource {
  seed: SeedId;
  /** File name of the seed document, e.g. "001_21e0050df77e8592.txt". */
  document: string;
  /** Heading text of the section that states the figure (emoji and trailing colon dropped). */
  section: string;
}

/** Where a config's own claim comes from: a document of the user's (path or URL, as written) and its section. */
export interface DocumentSource {
  seed?: undefined;
  document: string;
  section?: string;
}

/** A figure that must hold before the claim's own figure means anything (else: inconclusive). */
export interface Precondition { metric: string; threshold: string; why: string }

/** For theses: a figure that, when its threshold holds, is named in the verdict as the risk actually measured. */
export interface RealRisk { metric: string; threshold: string; says: string }

interface ClaimBase {
  /** Stable kebab-case id, e.g. "host-rss-under-100mb". */
  id: string;
  /** Our words, one line. */
  title: string;
  source: ClaimSource;
  /** Other places the same figure is stated. */
  alsoIn?: ClaimSource[];
  /** Metric name from metrics-catalogue.ts. */
  metric: string;
  /** k6-style threshold, parsed when config is resolved: "p50<25ms", "max<100MB", "count==0". */
  threshold: string;
  severity: Severity;
  /** Why this severity (and, where it is not obvious, why this metric stands for the seed's figure). */
  rationale: string;
  /** The seed's figure as the seed states it, in its units (e.g. "< 100MB total"). */
  stated: string;
  /** A current-state figure the seed gives for comparison, with its source. */
  baseline?: string;
  /** Adapter kinds the claim is about; absent = every kind. */
  appliesTo?: AdapterKind[];
  /**
   * A feature of gauntlet's protocol the claim is about: 'limits' = the frame and batch limits. An adapter that does
   * not promise it (adapters.NAME.enforcesLimits false, the default for http) gets not-applicable.
   * 'shm' = seed 004's shared memory: not-applicable, with the reason, where the bench could not have it.
   * 'reference' = gauntlet's reference embedder and in-process adapter (node-llama-cpp, an optional peer dependency):
   * not-applicable, naming the command that adds it, where it is not installed.
   */
  requires?: 'limits' | 'shm' | 'reference';
  preconditions?: Precondition[];
  /** 'config' for a claim a gauntlet config added (absent: built-in, from the catalogue). */
  origin?: 'config';
  /**
   * The metric's definition when it is not the catalogue's own: a metric the config declared, or a built-in one
   * with the config's scenarios added to those that record it (absent: `metric` is read from metrics-catalogue.ts).
   */
  metricDef?: MetricDef<string>;
}

export interface TargetClaim extends ClaimBase { kind: 'target' }

/**
 * A thesis: a statement about the world the seeds assert. Its threshold is the condition under which the
 * measurement CONFIRMS the statement: pass = confirmed, fail = refuted.
 */
export interface ThesisClaim extends ClaimBase {
  kind: 'thesis';
  statement: string;
  /** What it means, in plain words, when the measurement refutes the statement. */
  refutedMeans: string;
  /** Metrics reported next to the verdict for context (e.g. heapUsed and external deltas). */
  context?: string[];
  realRisks?: RealRisk[];
}

export type Claim = TargetClaim | ThesisClaim;

/** A claim a gauntlet config adds: a target, citing the user's own document instead of a seed. */
export type UserClaim = Omit<TargetClaim, 'source' | 'alsoIn' | 'origin'> & { origin: 'config'; source: DocumentSource };

/** What the resolver and the evaluator take: a built-in claim or a config's own. */
export type AnyClaim = Claim | UserClaim;
