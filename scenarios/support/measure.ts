/**
 * Small measuring steps shared by scenarios: latency metrics in the claims' key scheme
 * (`<metric>.p50`, `.max`, ...), vector comparison against the oracle, waiting for the next good embedding.
 */
import type { HostHandle } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import type { LatencySummary } from '../../harness/report/schema.ts';
import { GauntletError, toError } from '../../harness/util/errors.ts';

/** Stores `durations` as ctx.latency[latencyKey] and as metrics `<metric>.{count,min,p50,p90,p99,max,mean}`. */
export function recordLatency(ctx: ScenarioContext, metric: string, latencyKey: string, durations: number[], errors = 0): LatencySummary {
  const s = ctx.latency(latencyKey, durations, errors, metric);
  const has = s.count > 0;
  for (const k of ['min', 'p50', 'p90', 'p99', 'max', 'mean'] as const) ctx.metric(`${metric}.${k}`, has ? s[k] : null);
  ctx.metric(`${metric}.count`, s.count);
  return s;
}

/** Records `<metric>.max` (null when there are no values). */
export function recordMax(ctx: ScenarioContext, metric: string, values: number[]): void {
  ctx.metric(`${metric}.max`, values.length ? Math.max(...values) : null);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Same length, every value finite and bit-identical. */
export function identical(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Object.is(a[i], b[i]))) return false;
  return true;
}

export function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/**
 * Reference vectors for texts from the oracle (null when it cannot run this model, with a note saying so).
 * Compares with the adapter's normalisation.
 */
export async function oracleVectors(ctx: ScenarioContext, texts: string[]): Promise<Float32Array[] | null> {
  if (ctx.golden) {
    // golden vectors are the run's reference: the texts must be in the file (the corpus scenario's are)
    const found = texts.map((t) => ctx.golden!.lookup(t));
    if (found.every((v) => v !== undefined)) return found as Float32Array[];
    ctx.note(`golden reference: ${found.filter((v) => v === undefined).length} of ${texts.length} texts are not in ${ctx.golden.file}, vectors compared with each other only (the corpus scenario judges against the golden file)`);
    return null;
  }
  try {
    const oracle = await ctx.oracle();
    return texts.map((t) => oracle.embed(t, { normalize: ctx.adapter.normalize }));
  } catch (e) {
    ctx.note(`oracle unavailable, vectors compared with each other only: ${toError(e).message}`);
    return null;
  }
}

/** Short texts every synthetic vocabulary can tokenize (lower-case words), deterministic from the scenario rng. */
export function sampleTexts(ctx: ScenarioContext, n: number, maxWords = 6): string[] {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'local', 'model', 'embed', 'vector', 'socket', 'crash', 'node', 'pipe', 'token', 'cache', 'query', 'fast'];
  return Array.from({ length: n }, () => Array.from({ length: 1 + ctx.rng.int(maxWords) }, () => ctx.rng.pick(words)).join(' '));
}

/** What happened to a request: answered, a typed error (a stable GAUNTLET_ code), or something else. */
export type CallOutcome = { ok: true; ms: number; value: unknown } | { ok: false; ms: number; code: string; typed: boolean; message: string };

export async function outcome<T>(p: Promise<T>): Promise<CallOutcome> {
  const t0 = performance.now();
  try {
    const value = await p;
    return { ok: true, ms: performance.now() - t0, value };
  } catch (e) {
    const err = toError(e);
    const code = err instanceof GauntletError ? err.code : 'UNTYPED';
    return { ok: false, ms: performance.now() - t0, code, typed: err instanceof GauntletError && code !== 'GAUNTLET_INTERNAL', message: err.message };
  }
}

/**
 * `host.embed(text)` for a vector the scenario cannot go on without (a yardstick, a warm-up): a request that
 * reaches its deadline unanswered, or is answered with a malformed answer (GAUNTLET_BAD_ANSWER), is sent again, up
 * to `tries` times in all, so that one request the embedder lost or botched does not end the scenario (the
 * runner's request ledger counts it all the same: claims no-request-lost, valid-requests-succeed).
 * Any other error, and the last try's, propagate.
 */
export async function embedRequired(host: HostHandle, text: string, opts: { signal?: AbortSignal; timeoutMs?: number }, tries = 3): Promise<Float32Array> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await host.embed(text, opts);
    } catch (e) {
      const timedOut = e instanceof GauntletError && (e.code === 'GAUNTLET_TIMEOUT' || e.code === 'GAUNTLET_BAD_ANSWER');
      if (!timedOut || attempt >= tries || opts.signal?.aborted || !host.alive) throw e;
    }
  }
}

/**
 * Retries `host.embed(text)` until it returns a vector or `withinMs` passes; resolves with the vector and the
 * attempts, or null. Each try has its own short deadline so a dead embedder cannot eat the whole budget.
 */
export async function nextGoodEmbedding(host: HostHandle, text: string, withinMs: number, signal: AbortSignal): Promise<{ vector: Float32Array; attempts: number; errors: string[] } | null> {
  const end = performance.now() + withinMs;
  const errors: string[] = [];
  let attempts = 0;
  while (performance.now() < end && !signal.aborted && host.alive) {
    attempts++;
    try {
      const vector = await host.embed(text, { timeoutMs: Math.max(500, Math.min(5000, end - performance.now())), signal });
      return { vector, attempts, errors };
    } catch (e) {
      const err = toError(e);
      if (errors.length < 5) errors.push(err instanceof GauntletError ? `${err.code}: ${err.message}` : err.message);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return null;
}
