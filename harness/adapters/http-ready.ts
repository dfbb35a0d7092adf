/** GET of a custom readiness URL (the http adapter's `readyUrl`); the standard /health goes through httpHealth. */
import { httpRequest, type HttpAnswer } from '../transport/http-client.ts';
import { GauntletError, toError } from '../util/errors.ts';

/** Resolves with the round trip in ms when the answer is 2xx; throws a typed error otherwise. */
export async function getOk(url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
  const t0 = performance.now();
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
  let res: HttpAnswer;
  try {
    res = await httpRequest(url, { method: 'GET', signal });
  } catch (e) {
    const err = toError(e);
    if (err.name === 'TimeoutError') throw new GauntletError('GAUNTLET_TIMEOUT', `GET ${url}: no answer within ${opts.timeoutMs} ms`, { cause: err });
    const reason = toError((err as { cause?: unknown }).cause ?? err).message;
    throw new GauntletError('GAUNTLET_CLOSED', `GET ${url} failed: ${reason}`, { cause: err });
  }
  if (!res.ok) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `GET ${url} answered HTTP ${res.status}`, { details: { status: res.status } });
  return performance.now() - t0;
}
