/**
 * A TCP / Unix-socket proxy between the host and the embedder, with toxics and side-closing faults.
 * The embedder listens on `target`; the host is pointed at `listen`. Every connection the host opens is paired with
 * one to the target, and bytes flow through the active toxics of their direction, in order.
 */
import net from 'node:net';
import { setTimeout } from 'node:timers';
import { rmSync } from 'node:fs';
import { epochClock, type FaultClock, type FaultRecord } from './types.ts';
import {
  emptyCounters, garbageBytes, oversizedFrame, slice, touched, validateToxic,
  type Direction, type ToxicCounters, type ToxicSpec,
} from './toxics.ts';

/** A Unix socket path (or Windows pipe name), or a TCP address. */
export type ProxyEndpoint = string | { host?: string; port: number };

export interface FaultProxyOptions {
  listen: ProxyEndpoint;
  target: ProxyEndpoint;
  clock?: FaultClock;
  /** Deadline to connect to the target, ms (default 5000). */
  connectTimeoutMs?: number;
}

export interface ProxyStats {
  connections: number;
  open: number;
  bytesUpstream: number;
  bytesDownstream: number;
}

export interface FaultProxy {
  /** The address the host should connect to (the TCP port filled in when 0 was asked). */
  readonly address: ProxyEndpoint;
  stats(): ProxyStats;
  /** Activates a toxic; returns its id. Default direction: upstream for oversized-length, both otherwise. */
  addToxic(spec: ToxicSpec, direction?: Direction | 'both'): string;
  /** The toxic's record so far (proof = its counters). */
  toxicRecord(id: string): FaultRecord;
  /** Deactivates a toxic (a stall releases what it held unless it drops) and returns its final record. */
  removeToxic(id: string): FaultRecord;
  /** Closes the host-facing or embedder-facing socket of every live connection: `end` = FIN (half-close), `destroy`. */
  closeSide(side: 'host' | 'embedder', how?: 'end' | 'destroy', opts?: { waitMs?: number }): Promise<FaultRecord>;
  close(): Promise<void>;
}

interface Toxic {
  id: string;
  spec: ToxicSpec;
  directions: Direction[];
  counters: ToxicCounters;
  at: number;
  active: boolean;
  appliedTo: Set<number>;
}

interface Conn {
  id: number;
  host: net.Socket;      // the socket facing the host (accepted)
  embedder: net.Socket;  // the socket facing the embedder (dialled)
  chain: Record<Direction, Promise<void>>;
  held: Record<Direction, Buffer[]>;
  closed: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function describe(ep: ProxyEndpoint): string {
  return typeof ep === 'string' ? ep : `${ep.host ?? '127.0.0.1'}:${ep.port}`;
}

export async function createFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const clock = opts.clock ?? epochClock;
  const conns = new Map<number, Conn>();
  const toxics = new Map<string, Toxic>();
  const stats: ProxyStats = { connections: 0, open: 0, bytesUpstream: 0, bytesDownstream: 0 };
  let nextConn = 1;
  let nextToxic = 1;

  const src = (c: Conn, d: Direction) => (d === 'upstream' ? c.host : c.embedder);
  const dst = (c: Conn, d: Direction) => (d === 'upstream' ? c.embedder : c.host);
  const activeFor = (d: Direction) => [...toxics.values()].filter((t) => t.active && t.directions.includes(d));

  function destroyConn(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    stats.open--;
    c.host.destroy();
    c.embedder.destroy();
    conns.delete(c.id);
  }

  function write(c: Conn, d: Direction, buf: Buffer): void {
    const out = dst(c, d);
    if (!out.destroyed && out.writable) out.write(buf);
  }

  /** Applies the once-per-connection toxics that act at activation (oversized-length). */
  function applyImmediate(t: Toxic, c: Conn): void {
    if (t.spec.type !== 'oversized-length' || t.appliedTo.has(c.id)) return;
    t.appliedTo.add(c.id);
    for (const d of t.directions) {
      const frame = oversizedFrame(t.spec);
      write(c, d, frame);
      t.counters.frames++;
      t.counters.injectedBytes += frame.length;
    }
    t.counters.connections++;
  }

  async function forward(c: Conn, d: Direction, chunk: Buffer): Promise<void> {
    if (c.closed) return;
    let pieces: Buffer[] = [chunk];
    let sliceDelay = 0;
    for (const t of activeFor(d)) {
      const s = t.spec;
      switch (s.type) {
        case 'stall':
          t.counters.chunks++;
          t.counters.bytes += chunk.length;
          t.counters.heldBytes += chunk.length;
          if (!s.drop) c.held[d].push(chunk);
          return;
        case 'reset':
          if (s.on === 'data') {
            t.counters.chunks++;
            t.counters.bytes += chunk.length;
            t.counters.connections++;
            destroyConn(c);
            return;
          }
          break;
        case 'garbage':
          if (s.every || !t.appliedTo.has(c.id)) {
            if (!t.appliedTo.has(c.id)) t.counters.connections++;
            t.appliedTo.add(c.id);
            const g = garbageBytes(s);
            pieces = [g, ...pieces];
            t.counters.chunks++;
            t.counters.bytes += chunk.length;
            t.counters.injectedBytes += g.length;
          }
          break;
        case 'latency': {
          const ms = s.ms + (s.jitterMs ? Math.random() * s.jitterMs : 0);
          t.counters.chunks++;
          t.counters.bytes += chunk.length;
          t.counters.delayedMs += ms;
          await sleep(ms);
          break;
        }
        case 'slicer': {
          const out: Buffer[] = [];
          for (const p of pieces) out.push(...slice(p, s.maxBytes));
          t.counters.chunks++;
          t.counters.bytes += chunk.length;
          t.counters.pieces += out.length;
          sliceDelay = Math.max(sliceDelay, s.delayMs ?? 1);
          t.counters.delayedMs += sliceDelay * Math.max(0, out.length - 1);
          pieces = out;
          break;
        }
        case 'oversized-length':
          applyImmediate(t, c);
          break;
      }
    }
    for (let i = 0; i < pieces.length; i++) {
      if (c.closed) return;
      if (i > 0 && sliceDelay > 0) await sleep(sliceDelay);
      write(c, d, pieces[i]!);
    }
  }

  function pump(c: Conn, d: Direction): void {
    const from = src(c, d);
    let pending = 0;
    from.on('data', (chunk: Buffer) => {
      if (d === 'upstream') stats.bytesUpstream += chunk.length;
      else stats.bytesDownstream += chunk.length;
      pending++;
      if (pending > 64) from.pause();
      c.chain[d] = c.chain[d].then(() => forward(c, d, chunk)).catch(() => undefined).finally(() => {
        pending--;
        if (pending <= 16 && from.isPaused()) from.resume();
      });
    });
    from.on('end', () => {
      // Half-close: forward the FIN once everything before it went through.
      c.chain[d] = c.chain[d].then(() => {
        const out = dst(c, d);
        if (!out.destroyed) out.end();
      });
    });
    from.on('close', () => {
      // Once either socket is fully closed nothing more can reach it: tear the pair down after queued writes.
      void Promise.all([c.chain.upstream, c.chain.downstream]).then(() => destroyConn(c));
    });
    from.on('error', () => destroyConn(c));
  }

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (hostSock) => {
    const embSock = typeof opts.target === 'string'
      ? net.createConnection({ path: opts.target, allowHalfOpen: true })
      : net.createConnection({ host: opts.target.host ?? '127.0.0.1', port: opts.target.port, allowHalfOpen: true });
    const c: Conn = {
      id: nextConn++, host: hostSock, embedder: embSock,
      chain: { upstream: Promise.resolve(), downstream: Promise.resolve() },
      held: { upstream: [], downstream: [] }, closed: false,
    };
    stats.connections++;
    stats.open++;
    conns.set(c.id, c);
    hostSock.on('error', () => destroyConn(c));
    embSock.on('error', () => destroyConn(c));
    const timer = setTimeout(() => destroyConn(c), opts.connectTimeoutMs ?? 5000);
    embSock.once('connect', () => {
      clearTimeout(timer);
      pump(c, 'upstream');
      pump(c, 'downstream');
      for (const t of toxics.values()) if (t.active) applyImmediate(t, c);
      hostSock.resume();
    });
  });

  if (typeof opts.listen === 'string') {
    try { rmSync(opts.listen, { force: true }); } catch { /* not a file we can remove: listen will say */ }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof opts.listen === 'string') server.listen(opts.listen, resolve);
    else server.listen(opts.listen.port, opts.listen.host ?? '127.0.0.1', resolve);
  });
  const addr = server.address();
  const address: ProxyEndpoint = typeof opts.listen === 'string' ? opts.listen
    : { host: opts.listen.host ?? '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : opts.listen.port };

  function record(t: Toxic): FaultRecord {
    return {
      kind: 'proxy-toxic',
      target: `${describe(address)} -> ${describe(opts.target)}`,
      at: t.at,
      proof: { toxic: t.spec.type, id: t.id, directions: t.directions, active: t.active, ...t.counters },
      tookEffect: touched(t.counters),
    };
  }

  function get(id: string): Toxic {
    const t = toxics.get(id);
    if (!t) throw new Error(`no toxic with id "${id}" on proxy ${describe(address)}; active: ${[...toxics.keys()].join(', ') || 'none'}`);
    return t;
  }

  return {
    address,
    stats: () => ({ ...stats }),
    addToxic(spec, direction) {
      validateToxic(spec);
      const dir = direction ?? (spec.type === 'oversized-length' ? 'upstream' : 'both');
      const t: Toxic = {
        id: `${spec.type}-${nextToxic++}`, spec, directions: dir === 'both' ? ['upstream', 'downstream'] : [dir],
        counters: emptyCounters(), at: clock(), active: true, appliedTo: new Set(),
      };
      toxics.set(t.id, t);
      if (spec.type === 'reset' && (spec.on ?? 'now') === 'now') {
        for (const c of [...conns.values()]) { t.counters.connections++; destroyConn(c); }
      }
      for (const c of conns.values()) applyImmediate(t, c);
      return t.id;
    },
    toxicRecord: (id) => record(get(id)),
    removeToxic(id) {
      const t = get(id);
      t.active = false;
      toxics.delete(id);
      if (t.spec.type === 'stall' && !t.spec.drop) {
        for (const c of conns.values()) {
          for (const d of t.directions) {
            const held = c.held[d].splice(0);
            if (held.length) c.chain[d] = c.chain[d].then(async () => { for (const b of held) write(c, d, b); });
          }
        }
      }
      return record(t);
    },
    async closeSide(side, how = 'end', o = {}) {
      const at = clock();
      const live = [...conns.values()];
      const sockets = live.map((c) => (side === 'host' ? c.host : c.embedder));
      const closedSeen = sockets.map((s) => new Promise<boolean>((resolve) => {
        if (s.destroyed && s.closed) return resolve(true);
        const done = () => resolve(true);
        s.once(how === 'end' ? 'finish' : 'close', done);
        setTimeout(() => resolve(false), o.waitMs ?? 1000).unref();
      }));
      for (const s of sockets) {
        if (how === 'end') s.end();
        else s.destroy();
      }
      const seen = await Promise.all(closedSeen);
      const n = seen.filter(Boolean).length;
      return {
        kind: 'close-connection',
        target: `${side} side of ${describe(address)}`,
        at,
        proof: { side, how, liveConnections: live.length, socketsClosed: n },
        tookEffect: live.length > 0 && n === live.length,
      };
    },
    async close() {
      for (const c of [...conns.values()]) destroyConn(c);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        server.close(() => { clearTimeout(t); resolve(); });
      });
      if (typeof opts.listen === 'string') { try { rmSync(opts.listen, { force: true }); } catch { /* gone */ } }
    },
  };
}
