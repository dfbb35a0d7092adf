/** One corrupt file through a real host: does the host survive, and what does its start (or first embed) say? */
import type { HostExit } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { GauntletError, toError } from '../../harness/util/errors.ts';
import type { FileOutcome } from './corrupt-gguf-probers.ts';

export interface HostCheck {
  variant: string;
  outcome: FileOutcome;
  /** The error code the host returned (GAUNTLET_MODEL_INVALID, GAUNTLET_EMBEDDER_GAVE_UP...), when start failed. */
  code?: string;
  hostDied: boolean;
  hostExit?: HostExit;
  /** From asking the host to start to its answer (or death), ms. */
  ms: number;
}

export async function throughHost(ctx: ScenarioContext, variant: string, file: string, startTimeoutMs: number): Promise<HostCheck> {
  const host = await ctx.startHost({ adapter: { model: file }, deferStart: true });
  const t0 = performance.now();
  let outcome: FileOutcome;
  let code: string | undefined;
  try {
    await host.start({ signal: ctx.signal, timeoutMs: startTimeoutMs });
    try {
      // A corrupt model is a deliberate edge case: its answer is judged by corrupt-gguf's claims, not valid-requests-succeed.
      const v = await host.embed('corrupt model probe', { signal: ctx.signal, timeoutMs: startTimeoutMs, invalid: `corrupt model ${variant}` });
      outcome = { kind: 'loaded', finite: Array.from(v).every(Number.isFinite), dims: v.length, vector: Array.from(v) };
    } catch (e) {
      const err = toError(e);
      code = err instanceof GauntletError ? err.code : 'UNTYPED';
      outcome = { kind: 'refused', code, message: `loaded, then embed failed: ${err.message}` };
    }
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const err = toError(e);
    code = err instanceof GauntletError ? err.code : 'UNTYPED';
    const signal = /\b(SIG[A-Z]+)\b/.exec(err.message)?.[1] ?? null;
    if (code === 'GAUNTLET_TIMEOUT') outcome = { kind: 'hang', waitedMs: performance.now() - t0 };
    // The embedder (or http server) was killed by a signal: the host got a crash or give-up error. An embedder that
    // exited with a code after saying why (the http server does) is judged by its message like any refusal.
    else if (signal) {
      outcome = { kind: 'died', signal, exitCode: null, stage: 'load', stderrTail: err.message.slice(-1500) };
    } else outcome = { kind: 'refused', code, message: err.message };
  }
  const ms = performance.now() - t0;
  // A host that dies on a bad file may need a moment before its exit is seen.
  const exit = await Promise.race([host.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), host.alive ? 300 : 2000))]);
  if (exit) {
    const signal = exit.signal;
    ctx.timeline.add('crash', `host pid ${host.pid} died on ${variant} (${signal ?? `code ${exit.code}`})`, { variant, signal, exitCode: exit.code });
    return { variant, outcome: { kind: 'died', signal, exitCode: exit.code, stage: outcome.kind === 'loaded' ? 'embed' : 'load', stderrTail: exit.stderrTail.slice(-1500) }, code, hostDied: true, hostExit: exit, ms };
  }
  await host.close({ deadlineMs: 3000, killAfterMs: 1000 });
  return { variant, outcome, ...(code ? { code } : {}), hostDied: false, ms };
}
