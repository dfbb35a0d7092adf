/**
 * Helpers for hosts whose adapter differs from the run's: a command wrapped by another one (`prlimit --as=N --`, a
 * relay), and whether an adapter spawns an embedder of its own. The host itself is started with
 * `ctx.startHost({ adapter: { model, config } })`, which lays the override over ctx.adapter for that host only.
 * Shared by memory-pressure, corrupt-gguf, model-file-changed and pipe-disconnect.
 */
import type { ProcessAdapterConfig, ResolvedAdapter } from '../../harness/adapters/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';

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
