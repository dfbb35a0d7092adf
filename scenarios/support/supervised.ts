/** Whether an adapter's embedder runs under a supervisor that restarts it: process adapters, and http adapters
 * that start their own server (`command`). An external http server (baseUrl only) and in-process are not. */
import type { AdapterConfig } from '../../harness/adapters/types.ts';
import { restartPolicy } from '../../harness/supervisor/options.ts';
import type { RestartPolicy } from '../../harness/supervisor/types.ts';

export function supervised(adapter: { config: AdapterConfig }): boolean {
  const c = adapter.config;
  return c.kind === 'process' || (c.kind === 'http' && !!c.command);
}

/** The restart policy the adapter's supervisor runs with: its `supervisor.restart` over the defaults. */
export function restartPolicyOf(adapter: { config: AdapterConfig }): RestartPolicy {
  const c = adapter.config;
  return restartPolicy(c.kind === 'process' || c.kind === 'http' ? c.supervisor?.restart : undefined);
}
