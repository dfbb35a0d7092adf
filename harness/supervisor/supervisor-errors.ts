/** The supervisor's typed errors, built in one place so their messages and details stay uniform. */
import { GauntletError } from '../util/errors.ts';
import { describeExit, type EmbedderExit } from './embedder-process.ts';
import type { CrashReason, RestartPolicy } from './types.ts';

export function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ').slice(-400);
}

/** A request that was in flight when its embedder went away. */
export function crashedError(pid: number | undefined, reason: CrashReason, exit: EmbedderExit, stderrTail: string): GauntletError {
  return new GauntletError(
    'GAUNTLET_EMBEDDER_CRASHED',
    `the embedder (pid ${pid}) went away (${reason}, ${describeExit(exit)}) with the request in flight${stderrTail ? `; stderr: ${lastLines(stderrTail)}` : ''}`,
    { details: { reason, exitCode: exit.exitCode, signal: exit.signal, stderrTail, pid } },
  );
}

/** The breaker tripped: terminal. */
export function gaveUpError(
  policy: RestartPolicy,
  inWindow: number,
  spawns: number,
  stderrTail: string,
  lastStartError: GauntletError | undefined,
): GauntletError {
  const last = lastStartError ? `last start: ${lastStartError.message}` : 'the embedder kept dying after it was ready';
  return new GauntletError(
    'GAUNTLET_EMBEDDER_GAVE_UP',
    `the supervisor gave up on the embedder after ${spawns} spawns: ${inWindow} restarts within ${policy.windowMs} ms reached ` +
      `restart.maxRestarts (${policy.maxRestarts}); ${last}. Check the embedder's stderr and its model, or raise restart.maxRestarts.`,
    {
      details: { restartsInWindow: inWindow, windowMs: policy.windowMs, maxRestarts: policy.maxRestarts, spawns, stderrTail },
      cause: lastStartError,
    },
  );
}

