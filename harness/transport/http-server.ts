/**
 * An OpenAI-compatible embeddings server: POST /v1/embeddings {input: string | string[], model}
 * -> {object: 'list', data: [{object: 'embedding', index, embedding: number[]}], model, usage};
 * GET /health -> 200 {status: 'ok'} when ready, 503 {status: 'loading'} before.
 * Errors use OpenAI's shape {error: {message, type, code}} with a status from the protocol error code.
 */
import http from 'node:http';
import type { ErrorCode } from '../protocol/messages.ts';

export interface HttpEmbedResult { vectors: Float32Array[]; promptTokens: number }

export interface HttpServeOptions {
  host: string;
  port: number;
  /** Largest request body accepted, in bytes (413 past it). */
  maxBodyBytes: number;
  isReady: () => boolean;
  modelName: () => string;
  /** Throws an error with a protocol `code` field (ErrorCode) to answer a specific status. */
  embed: (texts: string[]) => Promise<HttpEmbedResult>;
  log?: (line: string) => void;
  /** When it returns a message, POST /v1/embeddings answers 503 with it (the reference embedder's http-loading fault). */
  gate?: () => string | undefined;
  /** Writes the body of a 200 answer (default JSON.stringify; fault switches write other bodies). */
  serialize?: (answer: EmbeddingsAnswer) => string;
}

export interface EmbeddingsAnswer {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: Array<number | null> }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface HttpServer { readonly port: number; readonly host: string; readonly server: http.Server; close(): Promise<void> }

const STATUS: Partial<Record<ErrorCode, number>> = {
  'bad-frame': 400, 'bad-utf8': 400, 'bad-request': 400, 'batch-too-large': 400, 'too-many-tokens': 400,
  'not-initialized': 503, 'model-invalid': 503, 'model-load-failed': 503, 'overloaded': 429, 'shutting-down': 503,
  'internal': 500,
};

export class HttpRequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: http.ServerResponse, code: ErrorCode, message: string): void {
  json(res, STATUS[code] ?? 500, { error: { message, type: code === 'internal' ? 'server_error' : 'invalid_request_error', code } });
}

function vectorToJson(v: Float32Array): Array<number | null> {
  return Array.from(v, (x) => (Number.isFinite(x) ? Number(x.toPrecision(9)) : null));
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) { req.resume(); resolve('too-large'); return; }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) { req.removeAllListeners('data'); req.resume(); resolve('too-large'); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseInput(body: Buffer): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpRequestError('bad-utf8', 'request body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HttpRequestError('bad-request', `request body is not JSON: ${(e as Error).message}`);
  }
  const input = (parsed as { input?: unknown } | null)?.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
    throw new HttpRequestError('bad-request', `"input" must be a string or an array of strings (token arrays are not supported), got ${preview(input)}`);
  }
  for (const [i, t] of texts.entries()) {
    if (!(t as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new HttpRequestError('bad-utf8', `input[${i}] holds a lone UTF-16 surrogate`);
  }
  return texts as string[];
}

export async function serveHttp(opts: HttpServeOptions): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/health') {
      if (opts.isReady()) json(res, 200, { status: 'ok' });
      else json(res, 503, { status: 'loading' });
      return;
    }
    if (url !== '/v1/embeddings') { fail(res, 'bad-request', `no route ${req.method} ${url}; use POST /v1/embeddings or GET /health`); return; }
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); json(res, 405, { error: { message: 'use POST', type: 'invalid_request_error', code: 'bad-request' } }); return; }
    void (async () => {
      try {
        const body = await readBody(req, opts.maxBodyBytes);
        if (body === 'too-large') {
          json(res, 413, { error: { message: `request body over ${opts.maxBodyBytes} bytes`, type: 'invalid_request_error', code: 'bad-frame' } });
          return;
        }
        if (!opts.isReady()) throw new HttpRequestError('not-initialized', 'the model is still loading; retry when GET /health answers 200');
        const gated = opts.gate?.();
        if (gated !== undefined) throw new HttpRequestError('not-initialized', gated);
        const texts = parseInput(body);
        const { vectors, promptTokens } = await opts.embed(texts);
        const answer: EmbeddingsAnswer = {
          object: 'list',
          data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: vectorToJson(v) })),
          model: opts.modelName(),
          usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
        };
        if (!opts.serialize) json(res, 200, answer);
        else {
          const text = opts.serialize(answer);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code in STATUS) fail(res, code as ErrorCode, (error as Error).message);
        else {
          opts.log?.(`http: internal error: ${(error as Error)?.message}`);
          fail(res, 'internal', `internal error: ${(error as Error)?.message ?? String(error)}`);
        }
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    host: opts.host,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A short description of a bad value for an error message; never recursive (a deeply nested body must not overflow the stack). */
function preview(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} (first: ${value.length ? typeof value[0] : 'none'})`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  return String(value).slice(0, 60);
}
