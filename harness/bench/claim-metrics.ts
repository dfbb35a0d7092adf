/**
 * Benchmark figures as claim metrics: the bench.* keys of harness/claims/metrics-catalogue.ts computed from a
 * BenchResult (or from the `bench` section of a report, which holds the same sections), and the ScenarioResult
 * under the pseudo-adapter "bench" that `gauntlet run --bench` / `--bench-results` and `gauntlet merge` hand to
 * the claims engine. Also reads a bench.json written by `gauntlet bench --out DIR`, with errors that say what is wrong.
 */
import { readFile } from 'node:fs/promises';
import type { FigureInterval, RunReport, ScenarioResult } from '../report/schema.ts';
import { GauntletError } from '../util/errors.ts';
import { metricKey } from '../claims/metrics-catalogue.ts';
import { referenceNotApplicableNote, shmNotApplicableNote } from '../claims/evaluate.ts';
import { isNodeLlamaCppMissing } from '../engines/node-llama-cpp.ts';
import type { BenchResult, CodecResults, IsolationResults, TransportResults } from './types.ts';

/** The pseudo-adapter and scenario id under which benchmark figures are evaluated (harness/claims BENCH_ADAPTER). */
const BENCH = 'bench';
const KiB = 1024;
const MiB = 1024 * 1024;

type Sections = { codecs?: CodecResults; transports?: TransportResults; isolation?: IsolationResults };

/**
 * Figures keyed as the claims read them (metric + aggregation, e.g. "bench.ipc.controlRtt.p50"). Times in ms,
 * rates per second, ratios as fractions. A figure whose rows are missing is left out (the claim says "not measured").
 * Per-connection memory and the connection stress come from transports.connections, the JSON share of an NDJSON
 * round trip from transports.ndjsonCodecShare, the host RSS cut from isolation.hostRss; a section that did not run
 * leaves its figures out.
 */
export function benchClaimMetrics(r: Sections): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, v: number | null | undefined) => { if (typeof v === 'number' && Number.isFinite(v)) out[key] = v; };
  const t = r.transports;
  if (t) {
    const ping = (transport: string, codec: string) => t.pings.find((p) => p.transport === transport && p.codec === codec);
    // One payload kind per comparison: binary (msgpack bin, the form seed 004 sends payloads in) for the size
    // targets, text (the only kind NDJSON has) wherever msgpack is compared with NDJSON.
    const xfer = (transport: string, codec: string, bytes: number, payload: 'text' | 'binary') =>
      t.transfers.find((x) => x.transport === transport && x.codec === codec && x.bytes === bytes && x.payload === payload);
    const udsPing = ping('uds', 'msgpack');
    put('bench.ipc.controlRtt.p50', udsPing && udsPing.p50Us / 1000);
    put('bench.ipc.smallMsgRate', udsPing?.pipelinedMsgsPerSec);
    put('bench.ipc.transfer1kb.p50', xfer('uds', 'msgpack', KiB, 'binary')?.p50Ms);
    put('bench.ipc.transfer1mb.p50', xfer('uds', 'msgpack', MiB, 'binary')?.p50Ms);
    const big = xfer('uds', 'msgpack', 10 * MiB, 'binary');
    put('bench.ipc.transfer10mb.p50', big?.p50Ms);
    put('bench.ipc.largeTransferRate', big && big.p50Ms > 0 ? big.bytes / (big.p50Ms / 1000) : undefined);
    const udsMp = xfer('uds', 'msgpack', KiB, 'text');
    const stdioMp = xfer('stdio', 'msgpack', KiB, 'text');
    const stdioNd = xfer('stdio', 'ndjson', KiB, 'text');
    put('bench.ipc.stdioMsgpack1kb.p50', stdioMp?.p50Ms);
    put('bench.ipc.stdioNdjson1kb.p50', stdioNd?.p50Ms);
    put('bench.ipc.stdioMsgpackRate', stdioMp?.msgsPerSec);
    put('bench.ipc.stdioNdjsonRate', stdioNd?.msgsPerSec);
    put('bench.ipc.udsMsgpackRate', udsMp?.msgsPerSec);
    if (stdioNd && stdioNd.p50Ms > 0) {
      put('bench.ipc.latencyReduction', udsMp && 1 - udsMp.p50Ms / stdioNd.p50Ms);
      put('bench.ipc.pipeLatencyReduction', stdioMp && 1 - stdioMp.p50Ms / stdioNd.p50Ms);
    }
    if (stdioNd && stdioNd.msgsPerSec > 0) put('bench.ipc.throughputGain', udsMp && udsMp.msgsPerSec / stdioNd.msgsPerSec);
    const share = t.ndjsonCodecShare;
    put('bench.codec.ndjsonCodecShare', share?.jsonShare);
    put('bench.codec.textEncodingShare', share?.textShare);
    if (t.shm?.available) {
      const shmPing = ping('shm', 'msgpack');
      put('bench.shm.controlRtt.p50', shmPing && shmPing.p50Us / 1000);
      put('bench.shm.smallMsgRate', shmPing?.pipelinedMsgsPerSec);
      put('bench.shm.transfer1kb.p50', xfer('shm', 'msgpack', KiB, 'binary')?.p50Ms);
      put('bench.shm.transfer1mb.p50', xfer('shm', 'msgpack', MiB, 'binary')?.p50Ms);
      const shmBig = xfer('shm', 'msgpack', 10 * MiB, 'binary');
      put('bench.shm.transfer10mb.p50', shmBig?.p50Ms);
      put('bench.shm.largeTransferRate', shmBig && shmBig.p50Ms > 0 ? shmBig.bytes / (shmBig.p50Ms / 1000) : undefined);
      if (t.shm.connections) put(metricKey('bench.shm.perConnectionBytes', 'max'), t.shm.connections.perConnectionBytes);
    }
    const conns = t.connections;
    if (conns) {
      put(metricKey('bench.transport.perConnectionBytes', 'max'), conns.perConnectionBytes);
      put(metricKey('bench.uds.connections', 'count'), conns.connections);
      put(metricKey('bench.uds.connectionErrors', 'count'), conns.errors);
    }
  }
  put('bench.isolation.hostRssReduction', r.isolation?.hostRss?.reduction);
  const c = r.codecs;
  if (c) {
    const row = (codec: string) => c.rows.find((x) => x.codec === codec && x.payload.startsWith('vector'));
    const bin = row('msgpack-bin'), nd = row('ndjson');
    if (bin && nd && nd.p50Us > 0) put('bench.codec.cpuReduction', 1 - bin.p50Us / nd.p50Us);
  }
  return out;
}

/**
 * The 95 % interval of each p50 figure above (and of the byte rates made from a p50), from the rows' order-statistics
 * bounds: the bench verdicts carry it and say "near threshold". No raw samples are kept for the bench, so
 * `gauntlet compare` calls its figures "not enough samples".
 */
export function benchClaimIntervals(r: Sections): Record<string, FigureInterval> {
  const out: Record<string, FigureInterval> = {};
  const t = r.transports;
  if (!t) return out;
  const put = (key: string, row: { p50LoMs?: number | null; p50HiMs?: number | null; samples?: number } | undefined, scale = 1, rateOf?: number) => {
    if (!row || row.p50LoMs === undefined || row.p50HiMs === undefined) return;
    const lo = row.p50LoMs === null ? null : row.p50LoMs * scale, hi = row.p50HiMs === null ? null : row.p50HiMs * scale;
    const iv = rateOf === undefined ? { lo, hi } : { lo: hi ? rateOf / (hi / 1000) : null, hi: lo ? rateOf / (lo / 1000) : null };
    out[key] = { n: row.samples ?? 0, level: 0.95, ...iv, method: 'order-statistics', samples: key, stat: rateOf === undefined ? 'p50' : 'rate' };
  };
  const pingMs = (transport: string) => {
    const p = t.pings.find((x) => x.transport === transport && x.codec === 'msgpack');
    return p && p.p50LoUs !== undefined ? { p50LoMs: p.p50LoUs === null ? null : p.p50LoUs / 1000, p50HiMs: p.p50HiUs == null ? null : p.p50HiUs / 1000, samples: p.samples } : undefined;
  };
  const xfer = (transport: string, codec: string, bytes: number, payload: 'text' | 'binary') =>
    t.transfers.find((x) => x.transport === transport && x.codec === codec && x.bytes === bytes && x.payload === payload);
  put('bench.ipc.controlRtt.p50', pingMs('uds'));
  put('bench.ipc.transfer1kb.p50', xfer('uds', 'msgpack', KiB, 'binary'));
  put('bench.ipc.transfer1mb.p50', xfer('uds', 'msgpack', MiB, 'binary'));
  put('bench.ipc.transfer10mb.p50', xfer('uds', 'msgpack', 10 * MiB, 'binary'));
  put('bench.ipc.largeTransferRate', xfer('uds', 'msgpack', 10 * MiB, 'binary'), 1, 10 * MiB);
  put('bench.ipc.stdioMsgpack1kb.p50', xfer('stdio', 'msgpack', KiB, 'text'));
  put('bench.ipc.stdioNdjson1kb.p50', xfer('stdio', 'ndjson', KiB, 'text'));
  if (t.shm?.available) {
    put('bench.shm.controlRtt.p50', pingMs('shm'));
    put('bench.shm.transfer1kb.p50', xfer('shm', 'msgpack', KiB, 'binary'));
    put('bench.shm.transfer1mb.p50', xfer('shm', 'msgpack', MiB, 'binary'));
    put('bench.shm.transfer10mb.p50', xfer('shm', 'msgpack', 10 * MiB, 'binary'));
    put('bench.shm.largeTransferRate', xfer('shm', 'msgpack', 10 * MiB, 'binary'), 1, 10 * MiB);
  }
  return out;
}

function benchNotes(skipped: ReadonlyArray<{ section: string; reason: string }> | undefined, quick: boolean | undefined, from: string, t?: TransportResults): string[] {
  return [
    `benchmark figures from ${from}${quick === undefined ? '' : quick ? ' (quick sizes)' : ' (full sizes)'}`,
    ...(skipped ?? []).map((s) => `bench section ${s.section} skipped: ${s.reason}`),
    // Shared memory that cannot be had makes the shm claims not-applicable (with this reason), not inconclusive.
    ...(t?.shm && !t.shm.available ? [shmNotApplicableNote(t.shm.reason ?? 'shared memory unavailable')] : []),
    // So does a section that needs node-llama-cpp where it is not installed (claims with `requires: 'reference'`).
    ...(skipped ?? []).filter((s) => s.section === 'isolation' && isNodeLlamaCppMissing(s.reason)).map((s) => referenceNotApplicableNote(s.reason)),
  ];
}

/** The result the claims engine reads for the "bench" pseudo-adapter. `from`: where the figures come from, for the notes. */
export function benchScenarioResult(result: BenchResult, from = 'the benchmark suite'): ScenarioResult {
  return {
    scenario: BENCH, title: 'Benchmarks (gauntlet bench)', adapter: BENCH, status: 'completed',
    durationMs: result.environment?.durationMs ?? 0,
    metrics: benchClaimMetrics(result),
    intervals: benchClaimIntervals(result),
    timeline: [], errors: [],
    notes: benchNotes(result.skipped, result.environment?.quick, from, result.transports),
  };
}

/** The same, rebuilt from a report's `bench` section (what `gauntlet merge` re-evaluates); undefined when it has none. */
export function benchScenarioFromReport(bench: RunReport['bench']): ScenarioResult | undefined {
  if (!bench) return undefined;
  const b = bench as Sections & { skipped?: Array<{ section: string; reason: string }>; durationMs?: number };
  return {
    scenario: BENCH, title: 'Benchmarks (gauntlet bench)', adapter: BENCH, status: 'completed',
    durationMs: typeof b.durationMs === 'number' ? b.durationMs : 0,
    metrics: benchClaimMetrics(b), intervals: benchClaimIntervals(b), timeline: [], errors: [],
    notes: benchNotes(b.skipped, undefined, 'the report\'s benchmarks section', b.transports),
  };
}

/** A "bench" result that says why this run has no figures (e.g. a shard other than 1): the claims say it as their reason. */
export function benchSkippedResult(why: string): ScenarioResult {
  return { scenario: BENCH, title: 'Benchmarks (gauntlet bench)', adapter: BENCH, status: 'skipped', durationMs: 0, metrics: {}, timeline: [], errors: [], notes: [why] };
}

/** Reads and checks a bench.json (`gauntlet bench --out DIR` writes DIR/bench.json). Throws GAUNTLET_USAGE naming the file and the fix. */
export async function readBenchResults(file: string): Promise<BenchResult> {
  const fix = 'pass the bench.json that `gauntlet bench --out DIR` wrote (DIR/bench.json), or use --bench quick to measure in this run';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    throw new GauntletError('GAUNTLET_USAGE', `--bench-results: cannot read ${file}: ${what}; ${fix}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new GauntletError('GAUNTLET_USAGE', `--bench-results: ${file} is not valid JSON (${(e as Error).message}); ${fix}`);
  }
  const d = data as Partial<BenchResult> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d) || !Array.isArray(d.targets) || !d.environment || typeof d.environment !== 'object') {
    throw new GauntletError('GAUNTLET_USAGE', `--bench-results: ${file} is not a bench.json (expected an object with "targets" and "environment", as \`gauntlet bench\` writes); ${fix}`);
  }
  if (!d.transports && !d.codecs && !d.isolation && !d.overhead) {
    throw new GauntletError('GAUNTLET_USAGE', `--bench-results: ${file} holds no benchmark section (codecs, transports, isolation or overhead); ${fix}`);
  }
  for (const [name, ok] of [
    ['transports.pings', !d.transports || Array.isArray(d.transports.pings)],
    ['transports.transfers', !d.transports || Array.isArray(d.transports.transfers)],
    ['codecs.rows', !d.codecs || Array.isArray(d.codecs.rows)],
  ] as const) {
    if (!ok) throw new GauntletError('GAUNTLET_USAGE', `--bench-results: ${file}: "${name}" is not an array; ${fix}`);
  }
  return { skipped: [], ...d } as BenchResult;
}
