/**
 * Starting a host whose adapter differs from the run's in one or two fields: another model file (a large generated
 * model, a corrupt variant, a private copy that a fault will truncate) or a command wrapped by another one
 * (`prlimit --as=N --`, a relay). Shared by memory-pressure, corrupt-gguf, model-file-changed and pipe-disconnect.
 *
 * ctx.startHost() takes no adapter override yet, so the patch is put on ctx.adapter for the duration of the fork
 * (the host receives its adapter as JSON when it is forked) and taken off again before anything else runs.
 */
import type { ProcessAdapterConfig, ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { HostHandle, StartHostOptions } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';

export type AdapterPatch = Partial<Pick<ResolvedAdapter, 'model' | 'config' | 'startTimeoutMs' | 'requestTimeoutMs'>>;

let patching: Promise<unknown> = Promise.resolve();

/**
 * A host for `ctx.adapter` with `patch` applied. Started (adapter start included) unless `opts.deferStart`;
 * `startTimeoutMs` bounds that start. The host is tracked by the runner like any other.
 */
export async function startHostWith(ctx: ScenarioContext, patch: AdapterPatch, opts: StartHostOptions = {}): Promise<HostHandle> {
  const target = ctx.adapter as unknown as Record<string, unknown>;
  if (Object.isFrozen(target)) {
    throw new GauntletError('GAUNTLET_INTERNAL', 'startHostWith: ctx.adapter is frozen; the runner must offer an adapter override in startHost()');
  }
  // One patch at a time: two overlapping starts must not see each other's model.
  const previous = patching;
  let release!: () => void;
  patching = new Promise<void>((r) => (release = r));
  await previous;
  const saved: Record<string, unknown> = {};
  for (const key of Object.keys(patch)) saved[key] = target[key];
  Object.assign(target, patch);
  let host: HostHandle;
  try {
    host = await ctx.startHost({ ...opts, deferStart: true });
  } finally {
    Object.assign(target, saved);
    release();
  }
  if (!opts.deferStart) {
    await host.start({ signal: ctx.signal, ...(opts.startTimeoutMs !== undefined ? { timeoutMs: opts.startTimeoutMs } : {}) });
  }
  return host;
}

/** The adapter's config with `prefix` run before its command (process and harness-started http adapters). */
export function prefixCommand(adapter: ResolvedAdapter, prefix: string[]): ResolvedAdapter['config'] {
  const c = adapter.config;
  if (c.kind === 'in-process' || !c.command) {
    throw new GauntletError('GAUNTLET_USAGE', `adapter ${adapter.name} (${c.kind}) has no command to wrap with ${JSON.stringify(prefix.join(' '))}`);
  }
  return { ...c, command: [...prefix, ...c.command] } as ProcessAdapterConfig;
}

/** The reason a scenario part does not apply to an adapter that starts no process of its own. */
export function spawnsEmbedder(adapter: ResolvedAdapter): boolean {
  return adapter.config.kind === 'process' || (adapter.config.kind === 'http' && !!adapter.config.command);
}
