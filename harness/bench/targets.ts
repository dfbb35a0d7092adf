/**
 * The targets `gauntlet bench` checks, each with its comparator and where its number comes from. A target's
 * pass flag is computed from its value here and nowhere else; a missing value never passes.
 */
import type { BenchResult, BenchTarget, TargetOp } from './types.ts';

export interface TargetDef {
  id: string;
  name: string;
  op: TargetOp;
  threshold: number;
  unit: string;
  source: string;
  basis: string;
}

/** pass = the value is a finite number on the right side of the threshold (equality passes). */
export function compare(op: TargetOp, value: number | null | undefined, threshold: number): boolean {
  if (value === null || value === undefined || !Number.isFinite(value)) return false;
  return op === '<=' ? value <= threshold : value >= threshold;
}

export function formatTarget(op: TargetOp, threshold: number, unit: string): string {
  return `${op} ${threshold}${unit === 'x' ? 'x' : ` ${unit}`}`;
}

/** A row whose 95 % interval reaches further than this share of its value on either side cannot be judged. */
export const NOISY_HALF_WIDTH = 0.2;

/** 'too noisy to judge' when the interval is open on a side or reaches past +/-20 % of the value. */
export function judge(pass: boolean, value: number | null, interval: BenchTarget['interval']): NonNullable<BenchTarget['judgement']> {
  if (interval && value !== null && value !== 0) {
    const { lo, hi } = interval;
    if (lo === null || hi === null || Math.max(value - lo, hi - value) > NOISY_HALF_WIDTH * Math.abs(value)) return 'too noisy to judge';
  }
  return pass ? 'PASS' : 'MISS';
}

export function evaluateTarget(def: TargetDef, value: number | null | undefined, interval?: BenchTarget['interval']): BenchTarget {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  const pass = compare(def.op, v, def.threshold);
  return { ...def, target: formatTarget(def.op, def.threshold, def.unit), value: v, pass, ...(interval ? { interval } : {}), judgement: judge(pass, v, interval) };
}

type Bounded = { p50LoUs?: number | null; p50HiUs?: number | null; p50LoMs?: number | null; p50HiMs?: number | null; samples?: number };

/** A row's p50 interval in us (ping rows) or ms (transfer rows); undefined when the row has none. */
function p50Interval(row: Bounded | undefined, unit: 'us' | 'ms'): BenchTarget['interval'] {
  if (!row) return undefined;
  const [lo, hi] = unit === 'us' ? [row.p50LoUs, row.p50HiUs] : [row.p50LoMs, row.p50HiMs];
  if (lo === undefined || hi === undefined) return undefined;
  return { lo, hi, n: row.samples ?? 0 };
}

/** The interval of bytes / p50 in MB/s from a transfer row's p50 interval (the bounds swap). */
function rateInterval(row: (Bounded & { bytes: number }) | undefined): BenchTarget['interval'] {
  const i = p50Interval(row, 'ms');
  if (!i || !row) return undefined;
  const mbps = (ms: number | null) => (ms === null || ms <= 0 ? null : Math.round((row.bytes / 1e6 / (ms / 1000)) * 10) / 10);
  return { lo: mbps(i.hi), hi: mbps(i.lo), n: i.n };
}

const SEED_004 = 'seed 004_f9770f90d0cd53f5.txt';

export const TARGETS = {
  controlRttUds: {
    id: 'control-rtt-uds-p50', name: 'control message RTT over UDS + msgpack, p50', op: '<=', threshold: 50, unit: 'us',
    source: `issue 6 (${SEED_004} §Performance Requirements asks < 0.1 ms for control messages)`,
    basis: 'ping -> pong to an echo peer process over a Unix socket, one at a time (tinybench p50)',
  },
  msgpackVsNdjson: {
    id: 'msgpack-bin-vs-ndjson-768', name: 'msgpack (Float32 bin) vs NDJSON, encode+decode of one 768-float vector', op: '>=', threshold: 5, unit: 'x',
    source: `issue 6 (${SEED_004} §Success Metrics: 5-10x throughput)`,
    basis: 'NDJSON p50 / msgpack-bin p50 of encode + decode of one `embedding` frame, same run',
  },
  transfer1mb: (transport: string): TargetDef => ({
    id: `transfer-1mb-${transport}-p50`, name: `1 MiB transfer over ${transport} + msgpack (bin payload), p50`, op: '<=', threshold: 1, unit: 'ms',
    source: `${SEED_004} §Performance Requirements (1MB file transfer < 1ms; its messages carry payloads as Uint8Array)`,
    basis: `1 MiB msgpack \`bin\` to an echo peer process over ${transport}, small ack back (maxFrameBytes raised on both ends)`,
  }),
  isolationBatch: (model: string, adapter: string, lanes: number): TargetDef => ({
    id: `isolation-batch10-${model}-${adapter}-lanes${lanes}`, name: `external/in-process throughput, batches of 10, ${adapter}, ${lanes} lane(s), ${model} model`,
    op: '>=', threshold: 0.9, unit: 'ratio',
    source: 'issue 6 (the price of isolation: an external embedder keeps >= 90% of in-process throughput)',
    basis: 'median embeddings/s over alternating rounds, external adapter / in-process adapter, same model and lanes; once the cores are the limit '
      + '(lanes = cores, or other load) it follows CPU per embedding, tracking in-process CPU / external CPU, which the isolation notes give per ratio',
  }),
  perConnectionMemory: {
    id: 'uds-per-connection-memory', name: 'server memory per open Unix-socket connection', op: '<=', threshold: 1000, unit: 'KB',
    source: `${SEED_004} §Performance Requirements > Memory Usage (per-connection overhead < 1MB)`,
    basis: 'VmRSS growth of the echo-peer server process (listenUds + msgpack) with the stress connections open, / their number',
  },
  connectionErrors: (connections: number): TargetDef => ({
    id: 'uds-concurrent-connection-errors', name: `errors over ${connections} concurrent Unix-socket connections (seed: 100+)`, op: '<=', threshold: 0, unit: 'errors',
    source: `${SEED_004} §Testing Strategy > Stress Tests (concurrent connections (100+))`,
    basis: 'connections opened at once to one server, a ping on each whose answer must carry its own id; fewer than 100 connections gives no figure',
  }),
  hostRssReduction: {
    id: 'host-rss-reduction', name: 'host RSS cut by moving the model out of the host (in-process host vs reference host)', op: '>=', threshold: 80, unit: '%',
    source: 'seed 002 §SUCCESS CRITERIA VERIFICATION (memory reduction > 80%)',
    basis: '(in-process host RSS - external host RSS) / in-process host RSS: one harness host per design, same model, same batch, after a full GC',
  },
  ndjsonJsonShare: {
    id: 'ndjson-json-share', name: 'JSON stringify+parse share of an NDJSON 1 KiB round trip (thesis: ~30%)', op: '>=', threshold: 25, unit: '%',
    source: `${SEED_004} §Background (JSON serialization/deserialization ~30% of processing time), read as >= 25%`,
    basis: 'JSON.stringify + JSON.parse of the request and its ack, timed in a loop, / the stdio/ndjson 1 KiB text transfer p50',
  },
  shmControlRtt: {
    id: 'shm-control-rtt-p50', name: 'control message RTT over the shm link (its Unix socket + msgpack), p50', op: '<=', threshold: 100, unit: 'us',
    source: `${SEED_004} §Performance Requirements > Latency (control messages < 0.1ms)`,
    basis: 'ping -> pong to the shm echo peer process, one at a time (tinybench p50); control messages never touch the region',
  },
  shmTransfer: (label: string, bytes: number, ms: number): TargetDef => ({
    id: `shm-transfer-${label}-p50`, name: `${label} transfer over shared memory (payload in the /dev/shm ring), p50`, op: '<=', threshold: ms, unit: 'ms',
    source: `${SEED_004} §Performance Requirements > Latency (${label} file transfer < ${ms}ms)`,
    basis: `${bytes}-byte payload copied into the ring with its hash, a control message over the socket, the peer checks record and hash in place, small ack back`,
  }),
  shmLargeRate: {
    id: 'shm-large-transfer-rate', name: 'large payloads over shared memory (10 MB transfer, bytes / p50)', op: '>=', threshold: 1000, unit: 'MB/s',
    source: `${SEED_004} §Performance Requirements > Throughput (large files > 1GB/sec)`,
    basis: '10 MiB round trip p50 of the shm link; the payload\'s bytes / that time',
  },
  shmSmallRate: {
    id: 'shm-small-messages-rate', name: 'small messages per second over the shm link (32 pings in flight)', op: '>=', threshold: 100_000, unit: 'msg/s',
    source: `${SEED_004} §Performance Requirements > Throughput (small messages > 100,000 msg/sec; the shared-memory row of its comparison table: 100K/sec)`,
    basis: 'pipelined pings over the shm link\'s socket (control messages carry no payload)',
  },
  shmPerConnection: {
    id: 'shm-per-connection-memory', name: 'server memory per open shm connection (a region of its own each)', op: '<=', threshold: 1000, unit: 'KB',
    source: `${SEED_004} §Performance Requirements > Memory Usage (per-connection overhead < 1MB)`,
    basis: 'VmRSS growth of the shm echo peer with the connections open (each mapped a region of two 64 KiB rings), / their number',
  },
  samplerOverhead: {
    id: 'sampler-cpu', name: 'sampler CPU at its default interval', op: '<=', threshold: 1, unit: '% of a core',
    source: 'issue 6 (the harness must not disturb what it measures)',
    basis: 'CPU time of one tick of the scenario probes x ticks per second',
  },
} as const satisfies Record<string, TargetDef | ((...a: never[]) => TargetDef)>;

/** Every target the result has figures for, in a fixed order. */
export function buildTargets(r: Omit<BenchResult, 'targets'>): BenchTarget[] {
  const out: BenchTarget[] = [];
  if (r.transports) {
    const ping = r.transports.pings.find((p) => p.transport === 'uds' && p.codec === 'msgpack');
    out.push(evaluateTarget(TARGETS.controlRttUds, ping?.p50Us, p50Interval(ping, 'us')));
  }
  if (r.codecs) {
    const single = Object.entries(r.codecs.speedupBinVsNdjson).find(([payload]) => payload.startsWith('vector'));
    out.push(evaluateTarget(TARGETS.msgpackVsNdjson, single?.[1]));
  }
  if (r.transports) {
    for (const transport of ['uds', 'stdio'] as const) {
      const row = r.transports.transfers.find((t) => t.transport === transport && t.codec === 'msgpack' && t.payload === 'binary' && t.bytes === 1024 * 1024);
      if (row || r.transports.transfers.some((t) => t.bytes === 1024 * 1024)) out.push(evaluateTarget(TARGETS.transfer1mb(transport), row?.p50Ms, p50Interval(row, 'ms')));
    }
  }
  if (r.isolation) {
    for (const x of r.isolation.ratios.filter((q) => q.mode === 'batch10')) {
      out.push(evaluateTarget(TARGETS.isolationBatch(x.model, x.adapter, x.lanes), x.ratio));
    }
  }
  const conns = r.transports?.connections;
  if (conns) {
    out.push(evaluateTarget(TARGETS.perConnectionMemory, conns.perConnectionBytes / 1000));
    out.push(evaluateTarget(TARGETS.connectionErrors(conns.connections), conns.connections >= 100 ? conns.errors : null));
  }
  const shm = r.transports?.shm;
  if (r.transports && shm?.available) {
    const t = r.transports;
    const ping = t.pings.find((p) => p.transport === 'shm');
    out.push(evaluateTarget(TARGETS.shmControlRtt, ping?.p50Us, p50Interval(ping, 'us')));
    const row = (bytes: number) => t.transfers.find((x) => x.transport === 'shm' && x.bytes === bytes);
    for (const [label, bytes, ms] of [['1kb', 1024, 0.2], ['1mb', 1024 * 1024, 1], ['10mb', 10 * 1024 * 1024, 5]] as const) {
      if (t.transfers.some((x) => x.bytes === bytes)) out.push(evaluateTarget(TARGETS.shmTransfer(label, bytes, ms), row(bytes)?.p50Ms, p50Interval(row(bytes), 'ms')));
    }
    if (t.transfers.some((x) => x.bytes === 10 * 1024 * 1024)) out.push(evaluateTarget(TARGETS.shmLargeRate, row(10 * 1024 * 1024)?.mbPerSec, rateInterval(row(10 * 1024 * 1024))));
    out.push(evaluateTarget(TARGETS.shmSmallRate, ping?.pipelinedMsgsPerSec));
    if (shm.connections) out.push(evaluateTarget(TARGETS.shmPerConnection, shm.connections.perConnectionBytes / 1000));
  }
  if (r.transports?.ndjsonCodecShare) out.push(evaluateTarget(TARGETS.ndjsonJsonShare, Math.round(r.transports.ndjsonCodecShare.jsonShare * 10_000) / 100));
  if (r.isolation?.hostRss) out.push(evaluateTarget(TARGETS.hostRssReduction, Math.round(r.isolation.hostRss.reduction * 10_000) / 100));
  if (r.overhead) out.push(evaluateTarget(TARGETS.samplerOverhead, r.overhead.cpuPercentOfCore));
  return out;
}
