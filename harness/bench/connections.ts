/**
 * Connection stress and per-connection memory of a Unix-socket server (seed 004: "concurrent connections (100+)",
 * "per-connection overhead < 1MB"). The server is the bench's echo peer (harness/bench/echo-peer.ts: the project's
 * listenUds + msgpack framing) in its own process, so its RSS (/proc/PID/status VmRSS) is apart from ours.
 * One connection is opened and pinged first (code paths warm), the RSS read, then `connections` more are opened
 * at once and each sends one ping whose answer must carry its own id; with all of them still open the RSS is read
 * again. Errors: a connect that fails or times out, a connection closed before its answer, no answer in time, an
 * answer that is not a pong or carries another request's id.
 */
import { getCodec } from '../protocol/codec.ts';
import type { MessageConnection } from '../protocol/connection.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '../protocol/messages.ts';
import { readProcStatus } from '../metrics/proc-status.ts';
import { connectUds } from '../transport/uds.ts';
import { connectShm } from '../transport/shm-connection.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { startPeer } from './peer-client.ts';
import type { ConnectionResults } from './types.ts';

export interface ConnectionBenchOptions {
  /** Connections opened at once (besides the warm-up one). */
  connections: number;
  /** Deadline of each connect and each answer, ms (default 5000). */
  timeoutMs?: number;
  /** The echo peer's --fault (tests: a server that drops or misanswers some connections). */
  fault?: string;
  /** 'shm': every connection also maps a /dev/shm region of its own (rings of 64 KiB) (default 'uds'). */
  transport?: 'uds' | 'shm';
  onStep?: (label: string) => void;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

async function rssOf(pid: number): Promise<number> {
  const s = await readProcStatus(pid);
  if (!s) throw new GauntletError('GAUNTLET_INTERNAL', `cannot read /proc/${pid}/status of the socket server (gone, or no /proc on this OS)`);
  return s.rss;
}

/** One connection's round trip: connect, ping with a unique id, check the answer. Resolves with the open connection or an error text. */
async function oneRoundTrip(socket: string, id: number, timeoutMs: number, transport: 'uds' | 'shm'): Promise<{ conn?: MessageConnection; error?: string }> {
  let conn: MessageConnection;
  try {
    conn = transport === 'shm'
      ? await connectShm(socket, DEFAULT_LIMITS, { timeoutMs })
      : await connectUds(socket, getCodec('msgpack'), DEFAULT_LIMITS, { timeoutMs });
  } catch (e) {
    return { error: `connect: ${toError(e).message}` };
  }
  const error = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(`no answer to ping ${id} within ${timeoutMs} ms`), timeoutMs);
    const done = (why?: string) => { clearTimeout(timer); resolve(why); };
    conn.onMessage((m) => done(m.type === 'pong' && m.id === id ? undefined : `wrong answer to ping ${id}: ${m.type} with id ${m.id}`));
    conn.onClose(({ error: e }) => done(`closed before the answer to ping ${id}${e ? `: ${e.message}` : ''}`));
    try {
      conn.send({ v: PROTOCOL_VERSION, id, type: 'ping' });
    } catch (e) {
      done(`send: ${toError(e).message}`);
    }
  });
  return error ? { conn, error } : { conn };
}

export async function benchConnections(opts: ConnectionBenchOptions): Promise<ConnectionResults> {
  const n = opts.connections;
  if (!Number.isSafeInteger(n) || n < 1) throw new GauntletError('GAUNTLET_USAGE', `connections: expected a whole number >= 1, got ${n}`);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const transport = opts.transport ?? 'uds';
  opts.onStep?.(`connection stress: starting the ${transport === 'shm' ? 'shared-memory' : 'Unix-socket'} server, then ${n} connections at once`);
  const peer = await startPeer({ transport, codec: 'msgpack', ...(opts.fault ? { fault: opts.fault } : {}), ...(transport === 'shm' ? { ringBytes: 65536 } : {}) });
  const open: MessageConnection[] = [];
  try {
    await peer.ping(); // the warm-up connection: its buffers and the codec's code are in the baseline
    await settle();
    const rssBeforeBytes = await rssOf(peer.pid);
    const t0 = performance.now();
    // Ids from 1000 on, one per connection: an answer carrying another connection's id is an error.
    const results = await Promise.all(Array.from({ length: n }, (_, i) => oneRoundTrip(peer.socket!, 1000 + i, timeoutMs, transport)));
    const wallMs = performance.now() - t0;
    for (const r of results) if (r.conn && !r.conn.closed) open.push(r.conn);
    await settle();
    const rssAfterBytes = await rssOf(peer.pid);
    const errors = results.filter((r) => r.error).map((r) => r.error!);
    const kinds = new Map<string, number>();
    for (const e of errors) { const k = e.replace(/\d+/g, 'N').slice(0, 120); kinds.set(k, (kinds.get(k) ?? 0) + 1); }
    return {
      server: transport === 'shm'
        ? 'harness/bench/echo-peer.ts --transport shm --ring-bytes 65536 (separate process: listenUds + msgpack framing + a /dev/shm region per connection)'
        : 'harness/bench/echo-peer.ts --transport uds --codec msgpack (separate process: listenUds + msgpack framing)',
      serverPid: peer.pid,
      connections: n,
      openAtMeasure: open.length,
      answered: n - errors.length,
      errors: errors.length,
      errorKinds: [...kinds].map(([what, count]) => ({ what, count })),
      wallMs: Math.round(wallMs * 10) / 10,
      rssBeforeBytes,
      rssAfterBytes,
      perConnectionBytes: Math.round((rssAfterBytes - rssBeforeBytes) / n),
      notes: [
        `RSS = VmRSS of the server process; before: after one warm-up connection and ping; after: ${n} more connections opened at once, `
        + `each pinged once, ${open.length} still open when read. Per connection = (after - before) / ${n}; it includes what the server's `
        + 'heap grew by and any garbage not collected yet, and a collection between the two reads can take back more than the connections added '
          + '(500 connections keep the figure above that noise on this machine; with 100 it came out negative once in three).',
        'an error = a failed or timed-out connect, a connection closed before its answer, no answer in time, or an answer that is not the pong to that connection\'s own request id.',
      ],
    };
  } finally {
    for (const c of open) c.close();
    await peer.close();
  }
}
