/**
 * The bench's echo peer: a separate process that answers over the project's own transports and codecs, doing no
 * work of its own, so that a round trip measures the link and the codec alone.
 *   node ...tsNodeArgs() harness/bench/echo-peer.ts --transport stdio|uds|http [--codec msgpack|ndjson|raw]
 *        [--socket PATH] [--max-frame-bytes N] [--fault drop-every=N|wrong-id-every=N]
 *   --transport shm --socket PATH [--ring-bytes N]: a Unix socket for control messages and a /dev/shm region per
 *        connection for payloads (seed 004); a payload is verified where it lies (hash checked, no copy) and acked.
 * Protocol codecs: `ping` -> `pong`; any other message -> `pong` with its id (a small ack after a transfer).
 * `raw`: [u32 BE length][bytes] frames are not decoded at all; each is acked with 4 zero bytes.
 * HTTP: GET /health, and POST /v1/embeddings answered with one empty vector per input.
 * uds/http print one ready line on stdout; the peer exits when stdin ends or its parent dies.
 * --fault (uds, protocol codecs; for tests of the connection stress bench): drop-every=N destroys every Nth accepted
 * connection unanswered; wrong-id-every=N answers every message of every Nth connection with the wrong id.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { getCodec } from '../protocol/codec.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, type CodecName } from '../protocol/messages.ts';
import { connectStreams } from '../transport/stream-connection.ts';
import { listenUds } from '../transport/uds.ts';
import { serveHttp } from '../transport/http-server.ts';
import { shmServerConnection } from '../transport/shm-connection.ts';

const log = (line: string) => process.stderr.write(`[echo-peer ${process.pid}] ${line}\n`);

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    transport: { type: 'string', default: 'stdio' },
    codec: { type: 'string', default: 'msgpack' },
    socket: { type: 'string' },
    'max-frame-bytes': { type: 'string' },
    fault: { type: 'string' },
    'ring-bytes': { type: 'string' },
  },
});
const transport = values.transport!;
const codecName = values.codec!;
const maxFrameBytes = Number(values['max-frame-bytes'] ?? DEFAULT_LIMITS.maxFrameBytes);
const ringBytes = Number(values['ring-bytes'] ?? 1 << 24);
if (!['stdio', 'uds', 'http', 'shm'].includes(transport) || !['msgpack', 'ndjson', 'raw'].includes(codecName)
  || !Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 16 || ((transport === 'uds' || transport === 'shm') && !values.socket)
  || (transport === 'shm' && codecName !== 'msgpack') || !Number.isSafeInteger(ringBytes)) {
  log(`bad arguments: ${JSON.stringify(values)}; expected --transport stdio|uds|http|shm --codec msgpack|ndjson|raw (shm: msgpack) [--socket PATH] [--max-frame-bytes N>=16] [--ring-bytes N]`);
  process.exit(2);
}
const limits = { ...DEFAULT_LIMITS, maxFrameBytes };
const faultMatch = values.fault === undefined ? undefined : /^(drop-every|wrong-id-every)=([1-9]\d*)$/.exec(values.fault);
if (values.fault !== undefined && (!faultMatch || transport !== 'uds' || codecName === 'raw')) {
  log(`bad --fault ${JSON.stringify(values.fault)}: expected drop-every=N or wrong-id-every=N (N >= 1), with --transport uds and a protocol codec`);
  process.exit(2);
}
const fault = faultMatch ? { kind: faultMatch[1] as 'drop-every' | 'wrong-id-every', every: Number(faultMatch[2]) } : undefined;
let accepted = 0;

/** Exit when the parent goes (ppid changes) or stops writing to our stdin. */
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 200).unref();
if (transport !== 'stdio') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

const ACK = Buffer.alloc(4);

/** Length-prefixed frames, never decoded: the floor a codec's cost sits on. */
function serveRaw(readable: Readable, writable: Writable): void {
  let pending: Buffer[] = [];
  let have = 0;
  let need = -1;
  readable.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    have += chunk.length;
    for (;;) {
      if (need < 0) {
        if (have < 4) return;
        const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [head];
        need = head.readUInt32BE(0);
        if (need > maxFrameBytes) { log(`raw frame of ${need} bytes over ${maxFrameBytes}`); process.exit(3); }
      }
      if (have < 4 + need) return;
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      const rest = all.subarray(4 + need);
      pending = rest.length ? [rest] : [];
      have = rest.length;
      need = -1;
      writable.write(ACK);
    }
  });
  if (transport === 'stdio') readable.on('end', () => process.exit(0));
}

function serveMessages(readable: Readable, writable: Writable): void {
  const conn = connectStreams(readable, writable, getCodec(codecName as CodecName), limits);
  const wrongId = fault?.kind === 'wrong-id-every' && accepted % fault.every === 0;
  conn.onMessage((m) => conn.send({ v: PROTOCOL_VERSION, id: wrongId ? m.id + 1 : m.id, type: 'pong' }));
  conn.onFault((f) => log(`protocol fault: ${f.message}`));
  if (transport === 'stdio') conn.onClose(() => process.exit(0));
}

const serve = codecName === 'raw' ? serveRaw : serveMessages;

if (transport === 'stdio') {
  serve(process.stdin, process.stdout);
} else if (transport === 'uds') {
  const server = await listenUds(values.socket!, (socket: net.Socket) => {
    accepted += 1;
    if (fault?.kind === 'drop-every' && accepted % fault.every === 0) { socket.destroy(); return; }
    serve(socket, socket);
  });
  process.stdout.write(`${JSON.stringify({ ready: true, socket: server.path, pid: process.pid })}\n`);
} else if (transport === 'shm') {
  const server = await listenUds(values.socket!, (socket: net.Socket) => {
    const conn = shmServerConnection(socket, limits, { ringBytes, consume: 'verify', log });
    conn.onMessage((m) => conn.send({ v: PROTOCOL_VERSION, id: m.id, type: 'pong' }));
    conn.onFault((f) => log(`protocol fault: ${f.message}`));
  });
  process.stdout.write(`${JSON.stringify({ ready: true, socket: server.path, pid: process.pid })}\n`);
} else {
  const server = await serveHttp({
    host: '127.0.0.1', port: 0, maxBodyBytes: maxFrameBytes,
    isReady: () => true,
    modelName: () => 'echo',
    embed: async (texts) => ({ vectors: texts.map(() => new Float32Array(0)), promptTokens: 0 }),
    log,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.port, host: server.host, pid: process.pid })}\n`);
}
