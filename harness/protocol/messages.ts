/**
 * The gauntlet wire protocol, version 1 (docs/protocol.md is the normative description).
 * Every message is a map with `v` (1), `id` (request id, echoed in the response) and `type`.
 * This file is the shared contract between the embedder side and the host side: types only, plus limits.
 */

export const PROTOCOL_VERSION = 1 as const;

/** Limits from the seeds (000: 64 KiB frames, 10-text batches, 30 s timeout). All configurable. */
export interface ProtocolLimits {
  /** Largest frame a peer accepts, in bytes (payload, excluding the 4-byte length prefix). */
  maxFrameBytes: number;
  /** Most texts in one embed-batch. */
  maxBatch: number;
  /** Per-request deadline on the host side, in ms. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ProtocolLimits = {
  maxFrameBytes: 64 * 1024,
  maxBatch: 10,
  requestTimeoutMs: 30_000,
};

export type CodecName = 'msgpack' | 'ndjson';
export type TransportName = 'stdio' | 'uds' | 'http';

interface Base {
  v: typeof PROTOCOL_VERSION;
  /** Request id, a non-negative integer; 0 is reserved for unsolicited messages (e.g. a frame-level error). */
  id: number;
}

// ---------- requests (host -> embedder) ----------
export interface InitializeRequest extends Base {
  type: 'initialize';
  modelPath: string;
  options?: {
    /** L2-normalise vectors before answering. */
    normalize?: boolean;
    /** Number of embedding contexts working in parallel. */
    lanes?: number;
    /** Threads per context. */
    threads?: number;
    /** Context size in tokens (never above the model's context length). */
    contextSize?: number;
  };
}
export interface EmbedRequest extends Base { type: 'embed'; text: string }
export interface EmbedBatchRequest extends Base { type: 'embed-batch'; texts: string[] }
export interface PingRequest extends Base { type: 'ping' }
export interface StatsRequest extends Base { type: 'stats' }
export interface ShutdownRequest extends Base { type: 'shutdown' }

export type Request =
  | InitializeRequest
  | EmbedRequest
  | EmbedBatchRequest
  | PingRequest
  | StatsRequest
  | ShutdownRequest;

// ---------- responses (embedder -> host) ----------
export interface InitializedResponse extends Base {
  type: 'initialized';
  dims: number;
  vocabSize: number;
  model: string;
  /** Context length in tokens the embedder will accept. */
  contextSize?: number;
  lanes?: number;
  /** Optional start-up milestones of the embedder process (docs/protocol.md): where its start went. */
  timing?: StartTiming;
}
/**
 * `startedAt`: epoch ms when the process started (performance.timeOrigin); the others: ms since then when its code
 * began to run (`mainMs`), its runtime was ready (`runtimeMs`, e.g. getLlama resolved) and the model was loaded
 * (`loadedMs`). Any may be missing.
 */
export interface StartTiming { startedAt?: number; mainMs?: number; runtimeMs?: number; loadedMs?: number }
export interface EmbeddingResponse extends Base { type: 'embedding'; vector: Float32Array }
export interface EmbeddingsResponse extends Base { type: 'embeddings'; vectors: Float32Array[] }
export interface PongResponse extends Base { type: 'pong' }
export interface StatsResponse extends Base {
  type: 'stats';
  pid: number;
  /** Bytes, from /proc/self/status where available. */
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  requests: number;
  inFlight: number;
}
export interface ShutdownAckResponse extends Base { type: 'shutdown-ack'; graceful: boolean }

export type ErrorCode =
  | 'bad-frame'        // length prefix past the limit, garbage, undecodable map
  | 'bad-utf8'         // text is not valid UTF-8
  | 'bad-request'      // missing/invalid fields, unknown type, wrong protocol version
  | 'batch-too-large'  // more than maxBatch texts
  | 'too-many-tokens'  // input longer than the context
  | 'not-initialized'  // embed before initialize
  | 'model-invalid'    // gguf check refused the file
  | 'model-load-failed'// native load failed
  | 'overloaded'       // queue full
  | 'model-changed'    // the mapped model file was modified in place while loaded (the embedder then restarts)
  | 'bad-vector'       // the computed vector has NaN/Infinity; refused rather than delivered
  | 'shutting-down'
  | 'internal';

export interface ErrorResponse extends Base {
  type: 'error';
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export type Response =
  | InitializedResponse
  | EmbeddingResponse
  | EmbeddingsResponse
  | PongResponse
  | StatsResponse
  | ShutdownAckResponse
  | ErrorResponse;

export type Message = Request | Response;
export type RequestType = Request['type'];
export type ResponseType = Response['type'];

/** A request as the client builds it: the codec adds `v`, the client adds `id`. */
export type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'v' | 'id'> : never) : never;
