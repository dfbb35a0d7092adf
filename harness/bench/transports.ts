/**
 * Transport benchmark: control-message round trips (ping -> pong) and payload transfers (payload out, small ack
 * back) against echo peers in separate processes, over stdio, a Unix socket and HTTP, with each codec, plus a
 * raw length-prefixed link with no codec as the floor, and seed 004's shared memory (payloads in a /dev/shm ring,
 * control over the Unix socket) where its addon can be had. Seed 004's latency table gives the sizes: 1 KB, 1 MB, 10 MB.
 */
import { GauntletError, toError } from '../util/errors.ts';
import { ndjsonCodecWork } from './codecs.ts';
import { benchConnections } from './connections.ts';
import { makePayload, startPeer, type Peer, type PeerWireCodec } from './peer-client.ts';
import { round, runTasks } from './stats.ts';
import { loadShmNative } from '../transport/shm-native.ts';
import { busySpan } from './machine-busy.ts';
import type { LatencyStats, NdjsonCodecShare, PeerCodec, PeerTransport, PingRow, ShmBenchInfo, TransferRow, TransportResults } from './types.ts';

export interface TransportBenchOptions {
  pingTimeMs: number;
  pipelineMessages: number;
  pipelineWindow?: number;
  transferBytes: number[];
  transferTimeMs: number;
  /** Which links to measure (default: every one). */
  links?: Array<{ transport: PeerTransport; codec: PeerWireCodec }>;
  signal?: AbortSignal;
  onStep?: (label: string) => void;
  /** Connections the Unix-socket stress opens at once, after the links are measured (0 or absent: not run). */
  stressConnections?: number;
}

export const DEFAULT_LINKS: Array<{ transport: PeerTransport; codec: PeerWireCodec }> = [
  { transport: 'uds', codec: 'msgpack' },
  { transport: 'stdio', codec: 'msgpack' },
  { transport: 'uds', codec: 'ndjson' },
  { transport: 'stdio', codec: 'ndjson' },
  { transport: 'http', codec: 'msgpack' },
  { transport: 'uds', codec: 'raw' },
  { transport: 'stdio', codec: 'raw' },
  { transport: 'shm', codec: 'msgpack' },
];

/** Measured rounds of pipelined pings per link (after one unmeasured round); the figure is their median. */
const PIPELINE_ROUNDS = 3;

/** 16 MiB: room for a 10 MB payload plus framing. The protocol's default (seed 000) is 64 KiB. */
export function transferFrameLimit(maxTransfer: number): number {
  return Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(maxTransfer + 64 * 1024)));
}

const codecOf = (p: { transport: PeerTransport; codec: PeerWireCodec }): PeerCodec => (p.transport === 'http' ? 'json-http' : p.codec);

export async function benchTransports(opts: TransportBenchOptions): Promise<TransportResults> {
  const window = opts.pipelineWindow ?? 32;
  const frameLimit = transferFrameLimit(Math.max(0, ...opts.transferBytes));
  const notes = [
    `maxFrameBytes raised to ${frameLimit} bytes on both ends (client and echo peer) for every link, so that the `
    + `${Math.max(0, ...opts.transferBytes)}-byte transfers fit; the protocol default is ${64 * 1024} bytes (seed 000), `
    + 'under which a frame over 64 KiB is refused. The limit is only checked against the length prefix, so ping figures do not depend on it.',
    'transfer = payload to the peer and a small ack back, one at a time. payload text = an `embed` text (msgpack str / JSON string); '
    + 'binary = an `embedding` whose vector holds the bytes (msgpack bin; NDJSON has no binary form); raw = plain bytes; HTTP = a POST /v1/embeddings JSON body.',
    'ping over HTTP = GET /health on a keep-alive connection (fetch).',
    `pipelined = ${opts.pipelineMessages} pings with ${window} in flight, after one unmeasured round: the median of ${PIPELINE_ROUNDS} rounds.`,
  ];
  let links = opts.links ?? DEFAULT_LINKS;
  let shm: ShmBenchInfo | undefined;
  if (links.some((l) => l.transport === 'shm')) {
    const support = loadShmNative();
    if (support.ok) {
      shm = { available: true, ringBytes: frameLimit, addon: support.addon };
      notes.push(`shm = payloads in a /dev/shm region (two rings of ${frameLimit} bytes; mode 0600), control messages over a Unix socket + MessagePack; `
        + 'the sender copies a payload into its ring and hashes it on the way, the echo peer checks the record and the hash where the bytes lie (no copy) and acks; '
        + `binary payloads only (an \`embedding\` vector). Addon: ${support.addon}${support.built ? ` (compiled for this run in ${support.buildMs} ms)` : ''}.`);
    } else {
      shm = { available: false, reason: support.reason };
      links = links.filter((l) => l.transport !== 'shm');
      notes.push(`shm: not measured: ${support.reason}`);
    }
  }
  const startNotes = notes.length;
  opts.onStep?.(`starting ${links.length} echo peers`);
  const started = await Promise.allSettled(links.map((l) => startPeer({ transport: l.transport, codec: l.codec, maxFrameBytes: frameLimit, ...(l.transport === 'shm' ? { ringBytes: frameLimit } : {}) })));
  const peers: Array<{ link: (typeof links)[number]; peer: Peer }> = [];
  started.forEach((s, i) => {
    if (s.status === 'fulfilled') peers.push({ link: links[i]!, peer: s.value });
    else if (links[i]!.transport === 'shm' && shm) {
      shm = { available: false, reason: `the shm echo peer did not start: ${toError(s.reason).message}` };
      notes.push(`shm: not measured: ${shm.reason}`);
    } else notes.push(`${links[i]!.transport}/${codecOf(links[i]!)}: echo peer did not start: ${toError(s.reason).message}`);
  });
  try {
    if (peers.length === 0) throw new GauntletError('GAUNTLET_INTERNAL', `no echo peer started: ${notes.slice(startNotes).join('; ')}`);
    const sig = opts.signal ? { signal: opts.signal } : {};

    opts.onStep?.('ping round trips');
    const pingSpan = busySpan(peers.map(({ peer }) => peer.pid));
    const pingStats = await runTasks(peers.map(({ peer }) => ({ name: peer.label, fn: () => peer.ping() })), { time: opts.pingTimeMs, iterations: 64, ...sig });
    const pingBusy = pingSpan.end();
    const pings: PingRow[] = [];
    for (const { link, peer } of peers) {
      const s = pingStats.get(peer.label)!;
      let pipelinedMsgsPerSec: number | null = null;
      try {
        // One unmeasured round first (a cold first round came out at half the rate of the next ones: JIT and
        // buffers warming up), then the median of three.
        await peer.pipeline(opts.pipelineMessages, window);
        const rounds: number[] = [];
        for (let i = 0; i < PIPELINE_ROUNDS; i++) rounds.push(await peer.pipeline(opts.pipelineMessages, window));
        pipelinedMsgsPerSec = Math.round(rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!);
      } catch (e) {
        notes.push(`${peer.label}: pipelined pings failed: ${toError(e).message}`);
      }
      pings.push({
        transport: link.transport, codec: codecOf(link), p50Us: round(s.p50Ms * 1000, 1), p99Us: round(s.p99Ms * 1000, 1),
        sequentialMsgsPerSec: Math.round(s.opsPerSec), pipelinedMsgsPerSec, pipelineWindow: window,
        ...usBounds(s), samples: s.samples,
        ...(pingBusy ? { machineBusy: pingBusy.machine, othersBusy: pingBusy.others } : {}),
      });
    }

    const transfers: TransferRow[] = [];
    const contention: NonNullable<TransportResults['contention']> = [];
    for (const bytes of opts.transferBytes) {
      opts.onStep?.(`transfers of ${bytes} bytes`);
      const payload = makePayload(bytes);
      const big = bytes >= 1024 * 1024;
      const tasks = peers.flatMap(({ peer }) => peer.forms.map((form) => ({ name: `${peer.label}|${form}`, fn: () => peer.transfer(payload, form) })));
      const pids = peers.map(({ peer }) => peer.pid);
      const span = busySpan(pids);
      // One task at a time, each with how busy the cores were while it ran: a row measured while another process
      // held a core says so (the whole size's span averages a burst away).
      const stats = new Map<string, { s: ReturnType<typeof latencyOf>; busy?: { machine: number; others: number } }>();
      for (const task of tasks) {
        const own = busySpan(pids);
        const one = await runTasks([task], { time: opts.transferTimeMs, iterations: big ? 4 : 32, warmupIterations: big ? 2 : 4, ...sig });
        const b = own.end();
        stats.set(task.name, { s: latencyOf(one, task.name), ...(b ? { busy: { machine: b.machine, others: b.others } } : {}) });
      }
      const busy = span.end();
      if (busy) contention.push({ bytes, machineBusy: busy.machine, othersBusy: busy.others, cores: busy.cores });
      for (const { link, peer } of peers) {
        for (const form of peer.forms) {
          const { s, busy: b } = stats.get(`${peer.label}|${form}`)!;
          transfers.push({
            transport: link.transport, codec: codecOf(link), bytes, payload: form, p50Ms: round(s.p50Ms, 4), p99Ms: round(s.p99Ms, 4),
            msgsPerSec: Math.round(s.opsPerSec), mbPerSec: round(bytes / 1e6 / (s.p50Ms / 1000), 1), samples: s.samples,
            ...(s.p50LoMs !== undefined ? { p50LoMs: s.p50LoMs === null ? null : round(s.p50LoMs, 4), p50HiMs: s.p50HiMs == null ? null : round(s.p50HiMs, 4) } : {}),
            ...(b ? { machineBusy: b.machine, othersBusy: b.others } : {}),
          });
        }
      }
    }
    let ndjsonCodecShare: NdjsonCodecShare | undefined;
    const nd1k = transfers.find((x) => x.transport === 'stdio' && x.codec === 'ndjson' && x.bytes === 1024 && x.payload === 'text');
    if (nd1k && nd1k.p50Ms > 0) {
      opts.onStep?.('JSON and UTF-8 work of the NDJSON 1 KiB round trip');
      const work = await ndjsonCodecWork(makePayload(1024).text, { timeMs: Math.min(opts.transferTimeMs, 200), ...sig });
      const rttUs = nd1k.p50Ms * 1000;
      ndjsonCodecShare = {
        message: '`embed` with the 1 KiB transfer text, `pong` ack back (stdio/ndjson transfer row)',
        jsonUs: work.jsonUs, textUs: work.textUs, roundTripP50Us: round(rttUs, 1),
        jsonShare: round(work.jsonUs / rttUs, 4), textShare: round(work.textUs / rttUs, 4),
      };
      notes.push('NDJSON codec share: JSON.stringify + JSON.parse of the 1 KiB `embed` request and of its `pong` ack (both ends\' work in one round trip), '
        + 'timed in a loop in this process (p50), / the stdio/ndjson 1 KiB text transfer p50; UTF-8 encode + decode of both lines likewise. '
        + 'A hot loop is the codec at its fastest, so the share is a lower bound.');
    }
    const mib = contention.find((c) => c.bytes === 1024 * 1024);
    if (mib) {
      notes.push(`during the 1 MiB transfers the ${mib.cores} cores were ${Math.round(mib.machineBusy * 100)}% busy, ${Math.round(mib.othersBusy * 100)}% of them by other processes `
        + '(a round trip between two processes needs both: when another process holds a core, sender and peer take turns on one, a 64 KiB socket or pipe buffer at a time; '
        + 'compare 1 MiB figures of runs only at similar contention).');
    }
    return {
      ...(contention.length ? { contention } : {}),
      peer: 'harness/bench/echo-peer.ts (separate process; project codecs and transports; answers without work)', pings, transfers,
      transferFrameLimitBytes: frameLimit, ...(ndjsonCodecShare ? { ndjsonCodecShare } : {}), ...(shm ? { shm } : {}), notes,
    };
  } finally {
    await Promise.all(peers.map(({ peer }) => peer.close()));
  }
}

/** p50's interval in us, as the ping and codec rows give p50. */
export function usBounds(s: LatencyStats): { p50LoUs?: number | null; p50HiUs?: number | null } {
  if (s.p50LoMs === undefined) return {};
  const us = (v: number | null | undefined) => (v === null || v === undefined ? null : round(v * 1000, 1));
  return { p50LoUs: us(s.p50LoMs), p50HiUs: us(s.p50HiMs) };
}

function latencyOf(stats: Map<string, LatencyStats>, name: string): LatencyStats {
  return stats.get(name)!;
}

/** benchTransports, then the connection stress (its own server process, once the link peers are gone). */
export async function benchTransportsAndConnections(opts: TransportBenchOptions): Promise<TransportResults> {
  const r = await benchTransports(opts);
  if (!opts.stressConnections) return r;
  try {
    r.connections = await benchConnections({ connections: opts.stressConnections, ...(opts.onStep ? { onStep: opts.onStep } : {}) });
  } catch (e) {
    r.notes.push(`connection stress failed: ${toError(e).message}`);
  }
  if (r.shm?.available) {
    // Fewer than the socket stress: each shm connection maps a region of its own (two rings of 64 KiB here, the
    // smallest; the memory a connection costs is what it touches, not the size it maps).
    const connections = Math.min(opts.stressConnections, 100);
    try {
      r.shm.connections = await benchConnections({ connections, transport: 'shm', ...(opts.onStep ? { onStep: opts.onStep } : {}) });
    } catch (e) {
      r.notes.push(`shm connection memory failed: ${toError(e).message}`);
    }
  }
  return r;
}
