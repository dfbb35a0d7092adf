/**
 * Shape validation shared by both codecs: a decoded map becomes a typed Message, or a ProtocolFault that
 * quotes the bad field. The request id is recovered whenever it is readable, so that the peer can answer
 * an `error` to the right request instead of letting it time out.
 */
import { InvalidUtf8 } from './msgpack-read.ts';
import { PROTOCOL_VERSION, type Message } from './messages.ts';
import type { ProtocolFault } from './connection.ts';

export type Decoded = { message: Message } | { fault: ProtocolFault };

/** Turns a codec's wire form of one vector into a Float32Array, or a string saying what is wrong. */
export type VectorReader = (value: unknown) => Float32Array | string;

class ShapeError extends Error {
  constructor(message: string, readonly code: 'bad-request' | 'bad-utf8' = 'bad-request') {
    super(message);
  }
}

function describe(value: unknown): string {
  if (value instanceof InvalidUtf8) return `a string of ${value.byteLength} byte(s) that is not valid UTF-8`;
  if (value instanceof Uint8Array) return `binary of ${value.length} byte(s)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) + ' (string)';
  if (typeof value === 'object') return 'an object';
  return `${String(value)} (${typeof value})`;
}

function checkStr(value: unknown, where: string): string {
  if (value instanceof InvalidUtf8) throw new ShapeError(`${where} is not valid UTF-8 (${value.byteLength} bytes)`, 'bad-utf8');
  if (typeof value !== 'string') throw new ShapeError(`${where}: expected a string, got ${describe(value)}`);
  // A JSON string can carry a lone surrogate ("\ud800"), which has no UTF-8 form.
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new ShapeError(`${where} holds a lone UTF-16 surrogate, not valid Unicode`, 'bad-utf8');
  return value;
}

function str(obj: Record<string, unknown>, key: string, opts: { optional?: boolean } = {}): string | undefined {
  const value = obj[key];
  if (value === undefined && opts.optional) return undefined;
  return checkStr(value, `field "${key}"`);
}

function int(obj: Record<string, unknown>, key: string, opts: { optional?: boolean; min?: number } = {}): number | undefined {
  const value = obj[key];
  if (value === undefined && opts.optional) return undefined;
  const min = opts.min ?? 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ShapeError(`field "${key}": expected an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function bool(obj: Record<string, unknown>, key: string, opts: { optional?: boolean } = {}): boolean | undefined {
  const value = obj[key];
  if (value === undefined && opts.optional) return undefined;
  if (typeof value !== 'boolean') throw new ShapeError(`field "${key}": expected true or false, got ${describe(value)}`);
  return value;
}

function vector(read: VectorReader, value: unknown, where: string): Float32Array {
  const out = read(value);
  if (typeof out === 'string') throw new ShapeError(`${where}: ${out}`);
  return out;
}

const ERROR_CODES = new Set([
  'bad-frame', 'bad-utf8', 'bad-request', 'batch-too-large', 'too-many-tokens', 'not-initialized',
  'model-invalid', 'model-load-failed', 'overloaded', 'shutting-down', 'internal', 'model-changed', 'bad-vector',
]);

/** Fields every message has; anything else a type does not name is ignored (forward compatibility). */
function body(type: string, o: Record<string, unknown>, read: VectorReader): Record<string, unknown> {
  switch (type) {
    case 'initialize': {
      const options = o.options;
      let opts: Record<string, unknown> | undefined;
      if (options !== undefined && options !== null) {
        if (typeof options !== 'object' || Array.isArray(options) || options instanceof Uint8Array) {
          throw new ShapeError(`field "options": expected a map, got ${describe(options)}`);
        }
        const src = options as Record<string, unknown>;
        opts = {};
        for (const k of ['lanes', 'threads', 'contextSize'] as const) {
          const v = int(src, k, { optional: true, min: 1 });
          if (v !== undefined) opts[k] = v;
        }
        const normalize = bool(src, 'normalize', { optional: true });
        if (normalize !== undefined) opts.normalize = normalize;
      }
      return { modelPath: str(o, 'modelPath'), ...(opts ? { options: opts } : {}) };
    }
    case 'embed':
      return { text: str(o, 'text') };
    case 'embed-batch': {
      if (!Array.isArray(o.texts)) throw new ShapeError(`field "texts": expected an array of strings, got ${describe(o.texts)}`);
      const texts = o.texts.map((t, i) => checkStr(t, `field "texts[${i}]"`));
      return { texts };
    }
    case 'ping': case 'shutdown': case 'pong':
      return {};
    case 'stats': {
      // The request and the response share the type name: a response carries numbers.
      if (o.pid === undefined && o.rss === undefined) return {};
      const out: Record<string, unknown> = {};
      for (const k of ['pid', 'rss', 'rssAnon', 'rssFile', 'heapUsed', 'requests', 'inFlight']) out[k] = int(o, k);
      for (const [k, v] of Object.entries(o)) {
        if (!(k in out) && typeof v === 'number' && !['v', 'id'].includes(k)) out[k] = v;
      }
      return out;
    }
    case 'initialized': {
      const out: Record<string, unknown> = { dims: int(o, 'dims'), vocabSize: int(o, 'vocabSize'), model: str(o, 'model') };
      const contextSize = int(o, 'contextSize', { optional: true });
      const lanes = int(o, 'lanes', { optional: true });
      if (contextSize !== undefined) out.contextSize = contextSize;
      if (lanes !== undefined) out.lanes = lanes;
      // Optional start-up milestones: numbers only, anything else is dropped (never a reason to refuse the answer).
      if (o.timing !== null && typeof o.timing === 'object' && !Array.isArray(o.timing)) {
        const timing: Record<string, number> = {};
        for (const k of ['startedAt', 'mainMs', 'runtimeMs', 'loadedMs']) {
          const v = (o.timing as Record<string, unknown>)[k];
          if (typeof v === 'number' && Number.isFinite(v)) timing[k] = v;
        }
        if (Object.keys(timing).length > 0) out.timing = timing;
      }
      return out;
    }
    case 'embedding':
      return { vector: vector(read, o.vector, 'field "vector"') };
    case 'embeddings': {
      if (!Array.isArray(o.vectors)) throw new ShapeError(`field "vectors": expected an array, got ${describe(o.vectors)}`);
      return { vectors: o.vectors.map((v, i) => vector(read, v, `field "vectors[${i}]"`)) };
    }
    case 'shutdown-ack':
      return { graceful: bool(o, 'graceful') };
    case 'error': {
      const code = str(o, 'code') as string;
      if (!ERROR_CODES.has(code)) throw new ShapeError(`field "code": unknown error code ${describe(code)}`);
      return { code, message: str(o, 'message'), retryable: bool(o, 'retryable') };
    }
    default:
      throw new ShapeError(`unknown message type ${describe(type)}`);
  }
}

/** Validates one decoded top-level value. */
export function validateMessage(value: unknown, read: VectorReader): Decoded {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return { fault: { code: 'bad-frame', message: `a frame must hold one map, got ${describe(value)}`, fatal: false } };
  }
  const o = value as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isSafeInteger(o.id) && o.id >= 0 ? o.id : undefined;
  try {
    if (o.v !== PROTOCOL_VERSION) throw new ShapeError(`field "v": expected protocol version ${PROTOCOL_VERSION}, got ${describe(o.v)}`);
    if (id === undefined) throw new ShapeError(`field "id": expected an integer >= 0, got ${describe(o.id)}`);
    const type = str(o, 'type') as string;
    const message = { v: PROTOCOL_VERSION, id, type, ...body(type, o, read) } as unknown as Message;
    return { message };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    const fault: ProtocolFault = { code: error.code, message: error.message, fatal: false };
    if (id !== undefined) fault.id = id;
    return { fault };
  }
}
