/** Ends an embedder with escalation: `shutdown` message, then SIGTERM, then SIGKILL; records which one ended it. */
import type { EmbedderExit, EmbedderProcess } from './embedder-process.ts';
import type { StopHow } from './types.ts';

export interface StopOutcome {
  how: StopHow;
  exit: EmbedderExit | undefined;
  /** The `shutdown-ack`'s graceful flag, when one came. */
  graceful: boolean | undefined;
}

/** Last wait after SIGKILL: a process in uninterruptible sleep can take a moment to be reaped. */
const KILL_WAIT_MS = 5_000;

/**
 * `askShutdown` sends the `shutdown` message and resolves with the ack (or undefined); it is skipped when absent
 * (no connection). Each step waits up to `graceMs` for the exit.
 */
export async function stopEmbedder(
  proc: EmbedderProcess,
  graceMs: number,
  askShutdown: (() => Promise<boolean | undefined>) | undefined,
): Promise<StopOutcome> {
  if (!proc.alive) return { how: 'already-exited', exit: proc.exit, graceful: undefined };
  let graceful: boolean | undefined;
  if (askShutdown) {
    void askShutdown().then(
      (g) => {
        graceful = g;
      },
      () => {},
    );
    const exit = await proc.waitExit(graceMs);
    if (exit) return { how: 'shutdown', exit, graceful };
  }
  if (proc.kill('SIGTERM')) {
    const exit = await proc.waitExit(graceMs);
    if (exit) return { how: 'SIGTERM', exit, graceful };
  } else if (proc.exit) {
    return { how: askShutdown ? 'shutdown' : 'already-exited', exit: proc.exit, graceful };
  }
  proc.kill('SIGKILL');
  const exit = await proc.waitExit(KILL_WAIT_MS);
  return { how: 'SIGKILL', exit, graceful };
}
