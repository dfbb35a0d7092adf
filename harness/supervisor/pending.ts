/** One request waiting for its answer: deadline, caller abort, and how an embedder answer maps to a result. */
import type { ErrorResponse, RequestBody, Response } from '../protocol/messages.ts';
import { GauntletError, timeoutError } from '../util/errors.ts';

/** The answer type each request type expects. */
export const EXPECTED_RESPONSE: Record<RequestBody['type'], Response['type']> = {
  initialize: 'initialized',
  embed: 'embedding',
  'embed-batch': 'embeddings',
  ping: 'pong',
  stats: 'stats',
  shutdown: 'shutdown-ack',
};

export interface Pending {
  body: RequestBody;
  /** Health pings and the handshake: not counted in request counters, never queued. */
  internal: boolean;
  timeoutMs: number;
  /** Wire id of the latest send; undefined while queued. */
  id: number | undefined;
  /** Which embedder process the latest send went to. */
  generation: number | undefined;
  retried: boolean;
  settled: boolean;
  startedHr: number;
  resolve(response: Response): void;
  reject(error: Error): void;
}

export interface PendingHooks {
  /** Called once when the deadline fires (after the pending is rejected). */
  onTimeout(p: Pending): void;
  /** Called once when the pending settles, however it did (to drop it from queues). */
  onSettle(p: Pending): void;
}

/** Creates the pending and its promise; the deadline starts now and survives restarts. */
export function createPending(
  body: RequestBody,
  opts: { timeoutMs: number; signal?: AbortSignal; internal: boolean },
  hooks: PendingHooks,
): { pending: Pending; promise: Promise<Response> } {
  let resolveP!: (r: Response) => void;
  let rejectP!: (e: Error) => void;
  const promise = new Promise<Response>((res, rej) => {
    resolveP = res;
    rejectP = rej;
  });
  const what = `${body.type} request`;
  const onAbort = () => pending.reject(abortError(what, opts.signal!));
  const timer = setTimeout(() => {
    if (pending.settled) return;
    const error = timeoutError(pending.id === undefined ? `${what} (queued while the embedder was not ready)` : `${what} #${pending.id}`, opts.timeoutMs);
    // The wire id lets the caller match a late answer (lifecycle `unmatched-response`, late: true) to this request.
    if (pending.id !== undefined) Object.assign(error.details, { wireId: pending.id, generation: pending.generation });
    pending.reject(error);
    hooks.onTimeout(pending);
  }, opts.timeoutMs);
  const settle = () => {
    pending.settled = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    hooks.onSettle(pending);
  };
  const pending: Pending = {
    body,
    internal: opts.internal,
    timeoutMs: opts.timeoutMs,
    id: undefined,
    generation: undefined,
    retried: false,
    settled: false,
    startedHr: performance.now(),
    resolve(response) {
      if (pending.settled) return;
      settle();
      resolveP(response);
    },
    reject(error) {
      if (pending.settled) return;
      settle();
      rejectP(error);
    },
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  return { pending, promise };
}

function abortError(what: string, signal: AbortSignal): GauntletError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new GauntletError('GAUNTLET_CLOSED', `${what} was aborted by the caller: ${reason}`, { cause: signal.reason });
}

/** Maps an embedder's `error` answer to a typed GauntletError. */
export function embedderError(body: RequestBody, response: ErrorResponse): GauntletError {
  const details = { embedderCode: response.code, retryable: response.retryable, id: response.id, requestType: body.type };
  const text = `embedder answered ${body.type} #${response.id} with error ${response.code}: ${response.message}`;
  if (response.code === 'overloaded') return new GauntletError('GAUNTLET_OVERLOADED', text, { details });
  if (body.type === 'initialize' && (response.code === 'model-invalid' || response.code === 'model-load-failed')) {
    return new GauntletError('GAUNTLET_MODEL_INVALID', `${text} (model: ${(body as { modelPath?: string }).modelPath})`, { details });
  }
  return new GauntletError('GAUNTLET_EMBEDDER_ERROR', text, { details });
}

/** Checks that an answer has the type its request expects. */
export function checkResponse(body: RequestBody, response: Response): Error | undefined {
  if (response.type === 'error') return embedderError(body, response);
  const expected = EXPECTED_RESPONSE[body.type];
  if (response.type !== expected) {
    return new GauntletError(
      'GAUNTLET_PROTOCOL',
      `embedder answered ${body.type} #${response.id} with a "${response.type}" message; expected "${expected}"`,
      { details: { id: response.id, expected, got: response.type } },
    );
  }
  return undefined;
}
