/**
 * Host RSS with the model in-process vs the host of the external-process design (seed 002: "memory reduction
 * > 80%", "300MB to < 1MB"). The isolation benchmark runs every adapter inside one child process, so its RSS
 * cannot tell the designs apart; here each design gets its own host: the harness's real host process
 * (harness/host, the one the scenarios measure), forked once with the in-process adapter (node-llama-cpp and the
 * model inside it) and once with the reference adapter (the model in a separate reference-embedder process the
 * host talks to). Both hosts start, embed the same batch, run a full GC and report their RSS (VmRSS, with its
 * anonymous and file-backed parts); the two hosts run side by side.
 */
import { resolveAdapter, resolveConfig } from '../config/resolve-config.ts';
import { startHost } from '../host/host-handle.ts';
import type { HostHandle } from '../host/types.ts';
import { readProcStatus } from '../metrics/proc-status.ts';
import { GauntletError } from '../util/errors.ts';
import { BENCH_TEXTS, modelFor } from './isolation.ts';
import type { HostRssResults, HostRssRow } from './types.ts';


export interface HostRssOptions {
  preset: 'tiny' | 'small';
  /** Deadline for each host's start and calls, ms (default 60 s). */
  timeoutMs?: number;
  onStep?: (label: string) => void;
}

const DESIGNS = [
  { adapter: 'in-process', design: 'in-process' },
  { adapter: 'reference', design: 'external' },
] as const;

async function measure(adapterName: string, design: 'in-process' | 'external', modelPath: string, timeoutMs: number): Promise<HostRssRow> {
  const config = resolveConfig({});
  let host: HostHandle | undefined;
  try {
    host = await startHost({ ...resolveAdapter(config, adapterName, modelPath), lanes: 1 }, { startTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs });
    await host.embedBatch([...BENCH_TEXTS]);
    const mem = await host.memory({ gc: true });
    const embedderPid = await host.embedderPid();
    const embedder = embedderPid === undefined || embedderPid === host.pid ? undefined : await readProcStatus(embedderPid);
    return {
      adapter: adapterName, design, hostPid: host.pid,
      hostRssBytes: mem.rss, hostRssAnonBytes: mem.rssAnon ?? null, hostRssFileBytes: mem.rssFile ?? null, hostHeapUsedBytes: mem.heapUsed,
      embedderRssBytes: embedder?.rss ?? null,
    };
  } finally {
    await host?.close();
  }
}

export async function benchHostRss(opts: HostRssOptions): Promise<HostRssResults> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  opts.onStep?.(`host RSS: ${opts.preset} model, one host per design (${DESIGNS.map((d) => d.adapter).join(', ')}), side by side`);
  const model = await modelFor(opts.preset);
  const rows = await Promise.all(DESIGNS.map((d) => measure(d.adapter, d.design, model.path, timeoutMs)));
  const inProc = rows.find((r) => r.design === 'in-process')!;
  const ext = rows.find((r) => r.design === 'external')!;
  if (!(inProc.hostRssBytes > 0)) throw new GauntletError('GAUNTLET_INTERNAL', `host RSS of the in-process host is ${inProc.hostRssBytes}`);
  return {
    model: opts.preset, modelBytes: model.bytes, rows,
    reduction: Math.round(((inProc.hostRssBytes - ext.hostRssBytes) / inProc.hostRssBytes) * 10_000) / 10_000,
    notes: [
      'one harness host process (harness/host) per design, started side by side: in-process = node-llama-cpp and the model inside the host; '
      + 'external = the reference adapter (the model in a reference-embedder process the host talks to over stdio). Each host embeds the same batch of 10, '
      + 'then runs a full GC and reports its RSS (VmRSS; anon + file-backed). reduction = (in-process host RSS - external host RSS) / in-process host RSS.',
      `the model is the generated ${opts.preset} preset (${model.bytes} bytes), so the in-process host's extra RSS is mostly node-llama-cpp's native `
      + 'runtime rather than weights; the seed\'s 300 MB figure is for a real model. The external embedder\'s own RSS is shown for the total.',
    ],
  };
}
