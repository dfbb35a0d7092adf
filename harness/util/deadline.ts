import { GauntletError, timeoutError } from './errors.ts';

/**
 * Waits for `work` with a deadline and an optional abort signal. The work itself is not cancelled (pass the
 * signal on to it where it can be); the caller just stops waiting, with a GAUNTLET_TIMEOUT or GAUNTLET_CLOSED error.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) {
    work.catch(() => {});
    return Promise.reject(abortedError(what, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(timeoutError(what, ms))), ms);
    const onAbort = () => finish(() => reject(abortedError(what, signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(fn: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    }
    work.then(
      (v) => finish(() => resolve(v)),
      (e) => finish(() => reject(e)),
    );
  });
}

function abortedError(what: string, signal: AbortSignal): GauntletError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new GauntletError('GAUNTLET_CLOSED', `${what} was aborted: ${reason}`, { cause: signal.reason });
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
