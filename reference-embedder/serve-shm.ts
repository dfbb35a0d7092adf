/**
 * The reference embedder's shared-memory mode (`--transport uds --shm`, seed 004's design): the Unix socket carries
 * the control messages with the msgpack framing, and vectors (embedder -> host) and texts (host -> embedder) travel
 * through a /dev/shm region this process creates for each accepted connection (harness/transport/shm-connection.ts).
 * Fault switch (env GAUNTLET_SHM_TORN_WRITE=N; only this mode has it, so it is not one of faults.ts's switches that
 * selfcheck plants in every adapter): the Nth vector payload is committed with only half of its bytes copied, its
 * answer is sent, and the process SIGKILLs itself 50 ms later. A host that trusted the control message alone would
 * deliver a torn vector; gauntlet's host refuses it (the hash in the commit does not match the bytes).
 * GAUNTLET_SHM_RING_BYTES sets each ring's size (default 1 MiB).
 */
import type net from 'node:net';
import type { MessageConnection } from '../harness/protocol/connection.ts';
import type { ProtocolLimits } from '../harness/protocol/messages.ts';
import { DEFAULT_RING_BYTES, shmServerConnection } from '../harness/transport/shm-connection.ts';

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function shmConnectionFactory(limits: ProtocolLimits, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): (socket: net.Socket) => MessageConnection {
  const tearAt = positiveInt(env, 'GAUNTLET_SHM_TORN_WRITE');
  let payloads = 0;
  const tearNext = tearAt === undefined ? undefined : (): number | undefined => {
    if (++payloads !== tearAt) return undefined;
    log(`fault shm-torn-write: payload ${payloads} committed with half of its bytes; SIGKILL in 50 ms`);
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
    return 0.5;
  };
  const ringBytes = positiveInt(env, 'GAUNTLET_SHM_RING_BYTES') ?? DEFAULT_RING_BYTES;
  return (socket) => {
    const conn = shmServerConnection(socket, limits, { ringBytes, log, ...(tearNext ? { tearNext } : {}) });
    if (conn.shm.region) log(`shm: region ${conn.shm.region.file} (${conn.shm.region.totalBytes} bytes, rings of ${ringBytes})`);
    return conn;
  };
}
