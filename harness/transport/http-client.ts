/**
 * A client for any OpenAI-compatible /v1/embeddings server (the reference embedder in http mode,
 * llama.cpp server, Ollama, TEI), built on node:http with a keep-alive agent rather than fetch: loading fetch
 * (undici) costs the calling process ~15 MB of RSS, and the host's RSS is what the seeds' memory claims measure.
 * Every call is bounded by timeoutMs and an optional signal.
 */
import http from 'node:http';
import https from 'node:https';
import { emptyConnectionStats, type ConnectionStats } from '../protocol/connection.ts';
import { GauntletError } from '../util/errors.ts';
import { badAnswer, parseEmbeddingsAnswer } from './http-answer.ts';

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export interface HttpAnswer { status: number; ok: boolean; text: string; contentType?: string }

/** A response whose body broke off (the connection closed before content-length bytes came): what did come. */
export interface PartialBody { status: number; text: string; declared: number | undefined; received: number }

/**
 * What this process's http client held, over every request (one host drives one adapter, so module-wide is per
 * adapter): response body bytes received and not yet handed over (they are buffered whole before JSON.parse),
 * plus request body bytes still queued on the socket after the request was ended. "Frames" are bodies.
 */
const stats = emptyConnectionStats();
let readHeld = 0;

function held(queued: number): void {
  if (readHeld > stats.readBufferedMax) stats.readBufferedMax = readHeld;
  if (queued > stats.writeQueuedMax) stats.writeQueuedMax = queued;
  if (readHeld + queued > stats.bufferBytesMax) stats.bufferBytesMax = readHeld + queued;
}

/** A copy of the client's counters (lastEmbedding / lastEmbeddings: the body of the last /v1/embeddings answer). */
export function httpClientStats(): ConnectionStats {
  return { ...stats, ...(stats.lastEmbedding ? { lastEmbedding: { ...stats.lastEmbedding } } : {}), ...(stats.lastEmbeddings ? { lastEmbeddings: { ...stats.lastEmbeddings } } : {}) };
}

/** One request; rejects with the signal's reason (AbortError / TimeoutError) when it fires. */
export function httpRequest(url: string, init: { method: string; headers?: Record<string, string>; body?: string; signal: AbortSignal }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    if (init.signal.aborted) return reject(init.signal.reason);
    const req = lib.request(u, {
      method: init.method,
      headers: { ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}), ...init.headers },
      agent: u.protocol === 'https:' ? agents.https : agents.http,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let released = false;
      const release = () => {
        if (!released) readHeld -= size;
        released = true;
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        readHeld += c.length;
        held(0);
      });
      res.on('end', () => {
        init.signal.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        release();
        stats.framesIn++;
        stats.bytesIn += size;
        if (size > stats.frameInMax) stats.frameInMax = size;
        const contentType = res.headers['content-type'];
        resolve({ status, ok: status >= 200 && status < 300, text, ...(contentType !== undefined ? { contentType } : {}) });
      });
      res.on('error', (e) => {
        release();
        // The status line and part of the body came: a truncated answer, not a refused connection.
        const declared = Number(res.headers['content-length']);
        const partial: PartialBody = { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), declared: Number.isFinite(declared) ? declared : undefined, received: size };
        reject(init.signal.aborted ? init.signal.reason : Object.assign(e, { partial }));
      });
      res.on('close', release);
    });
    const onAbort = (): void => {
      req.destroy();
      reject(init.signal.reason);
    };
    init.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => {
      init.signal.removeEventListener('abort', onAbort);
      reject(init.signal.aborted ? init.signal.reason : Object.assign(new Error(`${e.message}`), { cause: e }));
    });
    req.end(init.body);
    if (init.body !== undefined) {
      stats.framesOut++;
      stats.bytesOut += Buffer.byteLength(init.body);
    }
    held(req.writableLength ?? 0);
  });
}

export interface HttpEmbedOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Sent as `model` (some servers require it). */
  model?: string;
  headers?: Record<string, string>;
}

function endpoint(baseUrl: string, route: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/v1') && route.startsWith('/v1/') ? `${base}${route.slice(3)}` : `${base}${route}`;
}

function deadline(opts: { timeoutMs: number; signal?: AbortSignal }): AbortSignal {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  return opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
}

function wrap(error: unknown, url: string, timeoutMs: number, signal?: AbortSignal): GauntletError {
  if (error instanceof GauntletError) return error;
  const e = error as Error;
  if (e?.name === 'TimeoutError') return new GauntletError('GAUNTLET_TIMEOUT', `no answer from ${url} within ${timeoutMs} ms`, { cause: e });
  if (e?.name === 'AbortError' || signal?.aborted) return new GauntletError('GAUNTLET_CLOSED', `request to ${url} aborted`, { cause: e });
  const reason = (e?.cause as Error | undefined)?.message ?? e?.message;
  return new GauntletError('GAUNTLET_CLOSED', `request to ${url} failed: ${reason}`, { cause: e });
}

/** Embeds texts; vectors come back in input order (sorted by `index`). */
export async function httpEmbed(baseUrl: string, texts: string[], opts: HttpEmbedOptions): Promise<Float32Array[]> {
  const url = endpoint(baseUrl, '/v1/embeddings');
  try {
    const res = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: JSON.stringify({ input: texts, model: opts.model ?? 'default' }),
      signal: deadline(opts),
    });
    const text = res.text;
    if (!res.ok) {
      let message = text.slice(0, 300);
      let code: unknown;
      try {
        const err = (JSON.parse(text) as { error?: { message?: string; code?: unknown } | string }).error;
        if (typeof err === 'string') message = err;
        else if (err?.message) { message = err.message; code = err.code; }
      } catch { /* not JSON */ }
      const gcode = res.status === 429 ? 'GAUNTLET_OVERLOADED' : 'GAUNTLET_EMBEDDER_ERROR';
      throw new GauntletError(gcode, `${url} answered HTTP ${res.status}: ${message}`, { details: { status: res.status, code } });
    }
    const out = parseEmbeddingsAnswer(url, res.status, res.contentType, text, texts.length);
    const bytes = Buffer.byteLength(text);
    const dims = out[0]?.length ?? 0;
    if (texts.length === 1) stats.lastEmbedding = { bytes, dims };
    else stats.lastEmbeddings = { bytes, count: texts.length, dims };
    return out;
  } catch (error) {
    const partial = (error as { partial?: PartialBody } | undefined)?.partial;
    if (partial && !opts.signal?.aborted && partial.status >= 200 && partial.status < 300) {
      // Marked `truncated`: the supervisor still checks whether the server died with the answer half sent.
      throw badAnswer(url, `the body broke off after ${partial.received} byte(s)${partial.declared !== undefined ? ` of the ${partial.declared} its content-length promised` : ''}`, partial.text, { truncated: true, cause: (error as Error).message });
    }
    throw wrap(error, url, opts.timeoutMs, opts.signal);
  }
}

/** GET /health: 'ok' on 200, 'loading' on 503, throws on anything else or no answer. */
export async function httpHealth(baseUrl: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<'ok' | 'loading'> {
  const url = endpoint(baseUrl, '/health');
  try {
    const res = await httpRequest(url, { method: 'GET', signal: deadline(opts) });
    if (res.status === 200) return 'ok';
    if (res.status === 503) return 'loading';
    throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `${url} answered HTTP ${res.status}`);
  } catch (error) {
    throw wrap(error, url, opts.timeoutMs, opts.signal);
  }
}
