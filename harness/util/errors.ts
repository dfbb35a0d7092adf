/** Stable error codes. Every error the harness raises carries one. */
export type GauntletErrorCode =
  | 'GAUNTLET_USAGE'
  | 'GAUNTLET_CONFIG_INVALID'
  | 'GAUNTLET_MODEL_INVALID'
  | 'GAUNTLET_PROTOCOL'
  | 'GAUNTLET_TIMEOUT'
  | 'GAUNTLET_EMBEDDER_CRASHED'
  | 'GAUNTLET_EMBEDDER_GAVE_UP'
  | 'GAUNTLET_EMBEDDER_ERROR'
  | 'GAUNTLET_OVERLOADED'
  | 'GAUNTLET_BAD_ANSWER'
  | 'GAUNTLET_CLOSED'
  | 'GAUNTLET_INTERNAL'
  | 'GAUNTLET_HOST_DIED'
  | 'GAUNTLET_INTERRUPTED'
  | 'GAUNTLET_GOLDEN_INVALID';

export class GauntletError extends Error {
  readonly code: GauntletErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: GauntletErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GauntletError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Turns any thrown value into an Error (unknown values are wrapped, never lost). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error(`non-error thrown: ${String(value)}`);
  }
}

/** A usage error: printed without a stack, exit code 2. */
export function usageError(message: string): GauntletError {
  return new GauntletError('GAUNTLET_USAGE', message);
}

/** The host process exited while calls were pending (details: code, signal, stderrTail). */
export function hostDiedError(what: string, exit: { code: number | null; signal: string | null; stderrTail: string }): GauntletError {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  const tail = exit.stderrTail.trim().split('\n').slice(-3).join(' | ');
  return new GauntletError('GAUNTLET_HOST_DIED', `host process died (${how}) during ${what}${tail ? `; stderr: ${tail}` : ''}`, {
    details: { code: exit.code, signal: exit.signal, stderrTail: exit.stderrTail },
  });
}

/** A deadline passed while waiting for `what`. */
export function timeoutError(what: string, ms: number): GauntletError {
  return new GauntletError('GAUNTLET_TIMEOUT', `${what} did not finish within ${ms} ms`, { details: { timeoutMs: ms } });
}
