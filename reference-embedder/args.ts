/** Command-line flags of the reference embedder (node ...tsNodeArgs() reference-embedder/main.ts --help). */
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type CodecName, type ProtocolLimits, type TransportName } from '../harness/protocol/messages.ts';
import { ENGINE_KINDS, type EngineKind } from './engine-types.ts';
import { parseFaults, TOKEN_FAULTS, type ActiveFaults } from './faults.ts';

export interface EmbedderArgs {
  engine: EngineKind;
  transport: TransportName;
  codec: CodecName;
  socket?: string;
  /** uds: payloads through a /dev/shm region, control over the socket (serve-shm.ts). */
  shm: boolean;
  port: number;
  host: string;
  model?: string;
  lanes: number;
  threads: number;
  contextSize?: number;
  normalize: boolean;
  maxQueue: number;
  drainTimeoutMs: number;
  limits: ProtocolLimits;
  faults: ActiveFaults;
}

export const USAGE = `usage: node --import tsx reference-embedder/main.ts [options]
  --engine llama|onnx          what computes the vectors (default llama: node-llama-cpp on the GGUF; onnx:
                               transformers.js on ONNX Runtime over the GGUF's ONNX export, or an export folder)
  --transport stdio|uds|http   (default stdio)
  --codec msgpack|ndjson       (default msgpack; stdio and uds)
  --socket PATH                uds: socket path or \\\\.\\pipe\\name (required for uds)
  --shm                        uds: payloads through a /dev/shm region (seed 004), control over the socket
  --port N --host ADDR         http: port (0 = any, printed) and address (default 127.0.0.1)
  --model PATH                 load this model at start (required for http)
  --lanes N --threads N        embedding contexts and threads per context (default 1 and 1)
  --context-size N             tokens per context (capped at the model's context length)
  --normalize                  L2-normalise vectors
  --max-queue N                embed requests in flight before 'overloaded' (default 64)
  --max-frame-bytes N --max-batch N   protocol limits (default 65536 and 10)
  --drain-timeout-ms N         how long shutdown waits for in-flight requests (default 10000)
  --fault NAME[=VALUE]         plant a fault (repeatable); also env GAUNTLET_FAULTS="a=1,b"`;

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

export function parseEmbedderArgs(argv: string[], env: NodeJS.ProcessEnv): EmbedderArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      engine: { type: 'string' }, transport: { type: 'string' }, codec: { type: 'string' }, socket: { type: 'string' },
      port: { type: 'string' }, host: { type: 'string' }, model: { type: 'string' },
      lanes: { type: 'string' }, threads: { type: 'string' }, 'context-size': { type: 'string' },
      normalize: { type: 'boolean' }, 'max-queue': { type: 'string' },
      'max-frame-bytes': { type: 'string' }, 'max-batch': { type: 'string' }, 'drain-timeout-ms': { type: 'string' },
      fault: { type: 'string', multiple: true }, help: { type: 'boolean' }, shm: { type: 'boolean' },
    },
  });
  if (values.help) throw new Error(USAGE);
  const transport = oneOf('transport', values.transport, ['stdio', 'uds', 'http'] as const, 'stdio');
  if (transport === 'uds' && !values.socket) throw new Error('--transport uds needs --socket PATH');
  if (values.shm && transport !== 'uds') throw new Error('--shm needs --transport uds (control messages go over the socket)');
  if (transport === 'http' && !values.model) throw new Error('--transport http needs --model PATH (HTTP has no initialize request)');
  const engine = oneOf('engine', values.engine, ENGINE_KINDS, 'llama');
  const faults = parseFaults(values.fault ?? [], env.GAUNTLET_FAULTS);
  const tokenFaults = TOKEN_FAULTS.filter((f) => faults[f] !== undefined);
  if (engine !== 'llama' && tokenFaults.length > 0) {
    throw new Error(`--fault ${tokenFaults.join(', ')}: works on token ids, which only the llama engine exposes; drop the fault or use --engine llama (got --engine ${engine})`);
  }
  return {
    engine,
    transport,
    codec: oneOf('codec', values.codec, ['msgpack', 'ndjson'] as const, 'msgpack'),
    socket: values.socket,
    shm: values.shm ?? false,
    port: int('port', values.port, 0, 0),
    host: values.host ?? '127.0.0.1',
    model: values.model,
    lanes: int('lanes', values.lanes, 1, 1),
    threads: int('threads', values.threads, 1, 1),
    contextSize: values['context-size'] === undefined ? undefined : int('context-size', values['context-size'], 0, 1),
    normalize: values.normalize ?? false,
    maxQueue: int('max-queue', values['max-queue'], 64, 1),
    drainTimeoutMs: int('drain-timeout-ms', values['drain-timeout-ms'], 10_000, 0),
    limits: {
      ...DEFAULT_LIMITS,
      maxFrameBytes: int('max-frame-bytes', values['max-frame-bytes'], DEFAULT_LIMITS.maxFrameBytes, 16),
      maxBatch: int('max-batch', values['max-batch'], DEFAULT_LIMITS.maxBatch, 1),
    },
    faults,
  };
}
