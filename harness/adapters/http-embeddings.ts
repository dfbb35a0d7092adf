/**
 * A minimal OpenAI-compatible `/v1/embeddings` client (llama.cpp server, Ollama's /v1, TEI's /v1, the reference
 * embedder's http transport). Accepts `embedding` as a number array or as base64 Float32 little-endian.
 */
import { GauntletError, toError } from '../util/errors.ts';

export interface HttpCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  model?: string;
}

function decodeVector(value: unknown, where: string): Float32Array {
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
    return out;
  }
  throw new GauntletError('GAUNTLET_PROTOCOL', `${where}: expected "embedding" to be a number array or base64 string, got ${typeof value}`);
}

async function request(url: string, init: RequestInit, opts: HttpCallOptions, what: string): Promise<Response> {
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  try {
    return await fetch(url, { ...init, signal: AbortSignal.any(signals) });
  } catch (e) {
    const err = toError(e);
    if (err.name === 'TimeoutError') throw new GauntletError('GAUNTLET_TIMEOUT', `${what} ${url} did not answer within ${opts.timeoutMs} ms`, { cause: err });
    if (err.name === 'AbortError') throw new GauntletError('GAUNTLET_CLOSED', `${what} ${url} was aborted`, { cause: err });
    const cause = toError((err as { cause?: unknown }).cause ?? err);
    throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `${what} ${url} failed: ${cause.message}`, { cause: err });
  }
}

/** POST {baseUrl}/v1/embeddings with `input: texts`; returns the vectors in input order. */
export async function postEmbeddings(baseUrl: string, texts: string[], opts: HttpCallOptions): Promise<Float32Array[]> {
  const url = new URL('/v1/embeddings', baseUrl).href;
  const res = await request(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: texts, model: opts.model ?? 'default' }) },
    opts,
    'POST',
  );
  const body = await res.text();
  if (!res.ok) {
    throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `POST ${url} answered ${res.status}: ${body.slice(0, 300)}`, {
      details: { status: res.status, retryable: res.status >= 500 },
    });
  }
  let json: { data?: { embedding?: unknown; index?: number }[] };
  try {
    json = JSON.parse(body) as typeof json;
  } catch (e) {
    throw new GauntletError('GAUNTLET_PROTOCOL', `POST ${url}: answer is not JSON: ${body.slice(0, 120)}`, { cause: e });
  }
  if (!Array.isArray(json.data) || json.data.length !== texts.length) {
    throw new GauntletError('GAUNTLET_PROTOCOL', `POST ${url}: expected "data" with ${texts.length} items, got ${JSON.stringify(json).slice(0, 120)}`);
  }
  const out: Float32Array[] = new Array(texts.length);
  json.data.forEach((item, i) => {
    const index = typeof item.index === 'number' ? item.index : i;
    out[index] = decodeVector(item.embedding, `POST ${url} data[${i}]`);
  });
  return out;
}

/** GET a URL; resolves with the round trip in ms when the answer is 2xx. */
export async function getOk(url: string, opts: HttpCallOptions): Promise<number> {
  const t0 = performance.now();
  const res = await request(url, { method: 'GET' }, opts, 'GET');
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `GET ${url} answered ${res.status}`, { details: { status: res.status } });
  return performance.now() - t0;
}
