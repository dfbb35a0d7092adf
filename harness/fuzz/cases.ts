/**
 * A fuzz crash saved so it can be replayed: the run's seed, the index (or indices) of what was sent, and the bytes
 * themselves (base64), which `fuzzFrame(seed, index, ...)` / `fuzzHttpRequest(seed, index, ...)` rebuild exactly.
 * Cases go into the report as `fault` timeline events labelled FUZZ_CASE_LABEL, details = the case.
 */
export const FUZZ_CASE_LABEL = 'fuzz crash case';

export interface FuzzCase {
  /** The seed the frames were made from (the run seed). */
  seed: number;
  /** What the adapter was fed: 'msgpack' / 'ndjson' protocol frames, or 'http' requests. */
  wire: 'msgpack' | 'ndjson' | 'http';
  /** The frame (request) that crashed the embedder when sent alone after a probe; when none did alone, every index of the batch. */
  indices: number[];
  kinds: string[];
  /** The bytes of those frames in order, base64. For http: the raw request bytes. */
  bytes: string;
  /** What `fuzzFrame` / `fuzzHttpRequest` were given besides seed and index, so that the bytes can be rebuilt. */
  options: { maxFrameBytes: number; maxBatch: number; streamEnderEvery?: number };
  /** Whether sending `bytes` alone to a fresh embedder reproduced the crash while the scenario narrowed it down. */
  reproducedAlone: boolean;
  /** How the embedder ended. */
  death: { reason: string; signal: string | null; exitCode: number | null };
  stderrTail?: string;
}

/** The cases recorded in a scenario result's timeline. */
export function casesFromTimeline(timeline: ReadonlyArray<{ label: string; details?: Record<string, unknown> }>): FuzzCase[] {
  return timeline.filter((e) => e.label === FUZZ_CASE_LABEL && e.details).map((e) => e.details as unknown as FuzzCase);
}
