/**
 * The dims probe of an http server's start: a server's start ends at its first good embedding, not at its first
 * 200 from the readiness URL. Within the start deadline, an answer that says "still loading" (HTTP 503, a refused
 * connection, an error whose message says loading) is waited out: probe again after a short backoff, never kill.
 * Any other failure of the probe (a 400, a malformed answer, an empty vector) is the start's failure at once.
 */
import { GauntletError, toError } from '../util/errors.ts';
import { sleep } from '../util/deadline.ts';

/** First wait between probes, and the longest (the backoff doubles in between). */
const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 500;

/** Whether a failed probe means the server is still loading (keep probing) rather than broken. */
export function stillLoading(e: unknown): boolean {
  const err = toError(e);
  if (err instanceof GauntletError && err.details.status === 503) return true;
  if (err instanceof GauntletError && err.code === 'GAUNTLET_EMBEDDER_ERROR' && /\bloading\b/i.test(err.message)) return true;
  for (let cur = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    if (cur.code === 'ECONNREFUSED') return true;
  }
  return false;
}

export interface ProbeUntilReady {
  /** One probe with its own deadline; resolves with the dims. */
  probe: (timeoutMs: number) => Promise<number>;
  /** performance.now() by which the start must be done. */
  end: number;
  signal?: AbortSignal;
  /** For the message of a start that ran out of time while still loading. */
  what: string;
}

/** Probes until a good answer (resolves with the dims and the number of probes), or throws. */
export async function probeUntilReady(o: ProbeUntilReady): Promise<{ dims: number; probes: number }> {
  let backoff = FIRST_BACKOFF_MS;
  for (let probes = 1; ; probes++) {
    const left = Math.round(o.end - performance.now());
    try {
      return { dims: await o.probe(Math.max(1_000, left)), probes };
    } catch (e) {
      if (!stillLoading(e) || o.signal?.aborted) throw e;
      const wait = Math.min(backoff, o.end - performance.now());
      if (wait <= 0) {
        const err = toError(e);
        throw new GauntletError('GAUNTLET_TIMEOUT', `${o.what} was still loading when its start deadline passed (${probes} embedding probe(s), the last: ${err.message.slice(0, 300)})`, { cause: err, details: { probes } });
      }
      await sleep(wait, o.signal);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }
}
