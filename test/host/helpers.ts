import type { AdapterConfig, ResolvedAdapter } from '../../harness/adapters/types.ts';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { resolveAdapter, resolveConfig } from '../../harness/config/resolve-config.ts';

/** The resolved default config's adapter `name` (or a custom adapter), with the cached tiny model. */
export async function adapterFor(name: string, custom?: AdapterConfig, overrides: Partial<ResolvedAdapter> = {}): Promise<ResolvedAdapter> {
  const config = resolveConfig(custom ? { adapters: { [name]: custom } } : {});
  const model = await ensureModel(config.model);
  return { ...resolveAdapter(config, name, model), ...overrides };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
}

export async function waitUntil(cond: () => boolean, timeoutMs: number, intervalMs = 10): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return performance.now() - t0;
}
