/**
 * Isolation benchmark: embeddings per second of the same model through the reference embedder in a separate
 * process (stdio and Unix socket, under the supervisor) and through node-llama-cpp inside this process, at each
 * lane count, for single texts and batches of 10. The adapters are measured in alternating rounds so that load
 * changes on a shared machine hit all of them alike; medians over rounds are compared.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '../adapters/create-client.ts';
import type { EmbedderClient } from '../adapters/types.ts';
import { ensureModel } from '../config/ensure-model.ts';
import { modelFileName, resolveAdapter, resolveConfig } from '../config/resolve-config.ts';
import { CORPUS } from '../gguf/corpus.ts';
import { toError } from '../util/errors.ts';
import { median, quantile, round } from './stats.ts';
import type { IsolationMode, IsolationRatio, IsolationResults, IsolationRow } from './types.ts';

export interface IsolationBenchOptions {
  presets: Array<'tiny' | 'small'>;
  lanes: number[];
  rounds: number;
  sliceMs: number;
  /** Pings per external adapter for the control round trip (0 to skip). */
  pings?: number;
  signal?: AbortSignal;
  onStep?: (label: string) => void;
}

const ADAPTERS = [
  { name: 'reference', kind: 'process', transport: 'stdio' },
  { name: 'reference-uds', kind: 'process', transport: 'uds' },
  { name: 'in-process', kind: 'in-process', transport: 'in-process' },
] as const;

/** Short plain texts every preset tokenizes well inside its context. */
export const BENCH_TEXTS: readonly string[] = CORPUS.slice(0, 10);

/** User + system CPU of another process so far, microseconds, from /proc (clock ticks of 10 ms); undefined off Linux. */
export function processCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000; // utime, stime (fields 14, 15), USER_HZ 100
  } catch {
    return undefined;
  }
}

/**
 * Embeddings per second over `sliceMs`, keeping `concurrency` requests in flight, and the CPU time per embedding
 * of this process plus the embedder process (when it has its own pid); `callerCpuUs` and `embedderCpuUs` are the
 * two shares of `cpuUs` (the embedder's is 0 for an adapter without a process of its own).
 */
export async function throughput(client: EmbedderClient, mode: IsolationMode, sliceMs: number, concurrency: number): Promise<{ eps: number; cpuUs: number | null; callerCpuUs: number | null; embedderCpuUs: number | null }> {
  const pid = client.embedderPid();
  const self0 = process.cpuUsage();
  const other0 = pid === undefined ? 0 : processCpuUs(pid);
  let done = 0;
  let i = 0;
  const t0 = performance.now();
  const end = t0 + sliceMs;
  const worker = async () => {
    while (performance.now() < end) {
      if (mode === 'single') { await client.embed(BENCH_TEXTS[i++ % BENCH_TEXTS.length]!); done += 1; }
      else { await client.embedBatch([...BENCH_TEXTS]); done += BENCH_TEXTS.length; }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const eps = done / ((performance.now() - t0) / 1000);
  const self = process.cpuUsage(self0);
  const other1 = pid === undefined ? 0 : processCpuUs(pid);
  if (other0 === undefined || other1 === undefined || done === 0) return { eps, cpuUs: null, callerCpuUs: null, embedderCpuUs: null };
  const caller = (self.user + self.system) / done;
  const embedder = (other1 - other0) / done;
  return { eps, cpuUs: caller + embedder, callerCpuUs: caller, embedderCpuUs: embedder };
}

/**
 * What bounds an external/in-process ratio when the cores are the limit: lanes >= cores (in this bench the
 * lane threads, the embedder's event loop and the host's share two cores), or other processes on them. Then
 * throughput follows CPU time per embedding, and the ratio tracks in-process CPU / external CPU.
 * Returns that note, with the caller / embedder split of the external CPU, or undefined without CPU figures.
 */
export function cpuBoundNote(r: {
  model: string; adapter: string; lanes: number; mode: IsolationMode; ratio: number;
  externalCpuUs: number | null; callerCpuUs: number | null; embedderCpuUs: number | null; inProcessCpuUs: number | null;
}): string | undefined {
  const { externalCpuUs: ext, inProcessCpuUs: inp } = r;
  if (ext === null || inp === null || !(ext > 0) || !(inp > 0)) return undefined;
  const split = r.callerCpuUs !== null && r.embedderCpuUs !== null ? ` (medians by process: host ${round(r.callerCpuUs, 0)}, embedder ${round(r.embedderCpuUs, 0)})` : '';
  return `${r.model}, ${r.adapter}, ${r.lanes} lane(s), ${r.mode}: CPU per embedding ${round(ext, 0)} us${split} vs ${round(inp, 0)} us in-process `
    + `(x${round(ext / inp, 3)}); where the cores are the limit the ratio tracks in-process / external CPU: ${round(inp / ext, 3)} (measured ${r.ratio})`;
}

export async function modelFor(preset: 'tiny' | 'small'): Promise<{ path: string; bytes: number }> {
  const config = resolveConfig({});
  const m = { preset, seed: 1, dtype: 'f32' as const };
  const file = await ensureModel({ kind: 'generated', ...m, path: path.join(config.cacheDir, 'models', modelFileName(m)) });
  return { path: file, bytes: (await stat(file)).size };
}

export async function benchIsolation(opts: IsolationBenchOptions): Promise<IsolationResults> {
  const config = resolveConfig({});
  const rows: IsolationRow[] = [];
  const ratios: IsolationRatio[] = [];
  const models: IsolationResults['models'] = [];
  const adapterPings: IsolationResults['adapterPings'] = [];
  const notes = [
    'single: `lanes` requests kept in flight (one per lane); batch10: one embed-batch of 10 texts at a time (the embedder spreads it over its lanes).',
    'Each round measures every adapter in turn (order rotated per round); emb/s is the median over rounds, ext/in-process the median of per-round ratios. threads 1 per context.',
    'CPU per embedding = CPU time of the calling process + the embedder process (/proc, 10 ms ticks) / embeddings: what isolation costs in CPU, unaffected by waiting for a core.',
  ];
  const cpuNotes: string[] = [];
  for (const preset of opts.presets) {
    opts.onStep?.(`model ${preset}: generating or reading from the cache`);
    const model = await modelFor(preset);
    let dims = 0;
    for (const lanes of opts.lanes) {
      if (opts.signal?.aborted) { notes.push(`stopped before ${preset} at ${lanes} lanes: the run's time budget ran out`); break; }
      opts.onStep?.(`model ${preset}, ${lanes} lane(s): starting ${ADAPTERS.map((a) => a.name).join(', ')}`);
      const clients: EmbedderClient[] = [];
      try {
        for (const a of ADAPTERS) {
          const resolved = { ...resolveAdapter(config, a.name, model.path), lanes };
          const client = await createClient(resolved);
          clients.push(client);
          dims = (await client.start()).dims;
          await client.embedBatch([...BENCH_TEXTS]); // warm-up: first-call costs out of the figures
        }
        for (const [i, a] of ADAPTERS.entries()) {
          if (a.kind !== 'process' || !opts.pings) continue;
          const rtt: number[] = [];
          for (let k = 0; k < opts.pings; k++) rtt.push(await clients[i]!.ping());
          adapterPings.push({ model: preset, adapter: a.name, lanes, p50Us: round(quantile(rtt, 0.5) * 1000, 1), p99Us: round(quantile(rtt, 0.99) * 1000, 1) });
        }
        const samples = new Map<string, number[]>();
        const cpu = new Map<string, number[]>();
        const callerCpu = new Map<string, number[]>();
        const embedderCpu = new Map<string, number[]>();
        for (let r = 0; r < opts.rounds; r++) {
          opts.onStep?.(`model ${preset}, ${lanes} lane(s): round ${r + 1}/${opts.rounds}`);
          for (let k = 0; k < ADAPTERS.length; k++) {
            const idx = (k + r) % ADAPTERS.length;
            for (const mode of ['single', 'batch10'] as const) {
              const { eps, cpuUs, callerCpuUs, embedderCpuUs } = await throughput(clients[idx]!, mode, opts.sliceMs, mode === 'single' ? lanes : 1);
              const key = `${idx}|${mode}`;
              (samples.get(key) ?? samples.set(key, []).get(key)!).push(eps);
              if (cpuUs !== null) (cpu.get(key) ?? cpu.set(key, []).get(key)!).push(cpuUs);
              if (callerCpuUs !== null) (callerCpu.get(key) ?? callerCpu.set(key, []).get(key)!).push(callerCpuUs);
              if (embedderCpuUs !== null) (embedderCpu.get(key) ?? embedderCpu.set(key, []).get(key)!).push(embedderCpuUs);
            }
          }
        }
        for (const mode of ['single', 'batch10'] as const) {
          const inProc = samples.get(`${ADAPTERS.length - 1}|${mode}`) ?? [];
          const inProcCpu = cpu.get(`${ADAPTERS.length - 1}|${mode}`) ?? [];
          for (const [idx, a] of ADAPTERS.entries()) {
            const rounds = samples.get(`${idx}|${mode}`) ?? [];
            const cpuRounds = cpu.get(`${idx}|${mode}`) ?? [];
            const cpuUs = cpuRounds.length ? median(cpuRounds) : null;
            rows.push({
              model: preset, adapter: a.name, kind: a.kind, transport: a.transport, lanes, mode, embeddingsPerSec: round(median(rounds), 1),
              rounds: rounds.map((x) => round(x, 1)), cpuUsPerEmbedding: cpuUs === null ? null : round(cpuUs, 1),
            });
            if (a.kind !== 'process') continue;
            const roundRatios = rounds.map((x, r) => x / inProc[r]!);
            const ratio = round(median(roundRatios), 3);
            ratios.push({
              model: preset, adapter: a.name, lanes, mode, ratio, roundRatios: roundRatios.map((x) => round(x, 3)),
              cpuRatio: cpuUs !== null && inProcCpu.length ? round(cpuUs / median(inProcCpu), 3) : null,
            });
            if (mode === 'batch10') {
              const of = (m: Map<string, number[]>) => { const xs = m.get(`${idx}|${mode}`) ?? []; return xs.length ? median(xs) : null; };
              const note = cpuBoundNote({
                model: preset, adapter: a.name, lanes, mode, ratio, externalCpuUs: cpuUs, callerCpuUs: of(callerCpu), embedderCpuUs: of(embedderCpu),
                inProcessCpuUs: inProcCpu.length ? median(inProcCpu) : null,
              });
              if (note) cpuNotes.push(note);
            }
          }
        }
      } catch (e) {
        notes.push(`model ${preset}, ${lanes} lane(s): ${toError(e).message}`);
      } finally {
        for (const c of clients) await c.close().catch((e: unknown) => notes.push(`closing ${c.name}: ${toError(e).message}`));
      }
    }
    models.push({ label: preset === 'tiny' ? 'tiny (IPC dominates: a text takes well under a millisecond)' : 'small (more compute per text)', preset, path: model.path, dims, bytes: model.bytes });
  }
  if (cpuNotes.length) {
    notes.push('Throughput on a machine whose cores are all busy (lanes = cores here, or other processes running) follows CPU time per embedding: '
      + 'the external design spends more per embedding (the host encodes, writes, reads and decodes every frame; the embedder decodes, checks and '
      + 'encodes it; each process runs its own V8 with its own GC and compiler threads), so there the ratio tracks in-process CPU / external CPU '
      + '(both figures are noisy on a loaded machine, CPU from 10 ms /proc ticks: compare them over runs):');
    notes.push(...cpuNotes);
  }
  return { models, rows, ratios, adapterPings, notes };
}
