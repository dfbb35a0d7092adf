/**
 * Judging what an OpenAI-compatible server answered to POST /v1/embeddings: the engine's answer is data, and a
 * malformed one is the engine's finding, a typed GAUNTLET_BAD_ANSWER error of that one request (quoting the first
 * 200 bytes of the body), never a harness error. Malformed: a body that is not JSON (a bare NaN, a truncated
 * body), a content type that is not JSON, a 2xx with an `error` body, no `data` list, another number of entries
 * than inputs, an entry with a missing, non-integer, out-of-range or duplicate `index`, an embedding that is not a
 * list of numbers. A `null` value is read as NaN (JSON has no NaN; the reference server writes non-finite values
 * so): the request ledger then judges the vector non-finite (claim valid-requests-succeed).
 */
import { GauntletError } from '../util/errors.ts';

/** Bytes of a bad body quoted in the error. */
export const QUOTED_BYTES = 200;

/** The first QUOTED_BYTES bytes of a body, as text, with how much was left out. */
export function quoteBody(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= QUOTED_BYTES) return JSON.stringify(text);
  return `${JSON.stringify(buf.subarray(0, QUOTED_BYTES).toString('utf8'))} (first ${QUOTED_BYTES} of ${buf.length} bytes)`;
}

export function badAnswer(url: string, what: string, body: string, details: Record<string, unknown> = {}): GauntletError {
  return new GauntletError('GAUNTLET_BAD_ANSWER', `${url} sent a malformed answer: ${what}; body: ${quoteBody(body)}`, { details: { ...details, bodyBytes: Buffer.byteLength(body) } });
}

function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /\bjson\b/i.test(contentType.split(';')[0] ?? '');
}

/** The vectors of a 2xx answer for `count` inputs, in input order (by `index`); throws GAUNTLET_BAD_ANSWER. */
export function parseEmbeddingsAnswer(url: string, status: number, contentType: string | undefined, text: string, count: number): Float32Array[] {
  if (!isJsonType(contentType)) {
    throw badAnswer(url, `HTTP ${status} with content type ${contentType === undefined ? '(none)' : JSON.stringify(contentType)}, not JSON`, text);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw badAnswer(url, `the body is not valid JSON (${(e as Error).message})`, text);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badAnswer(url, 'the body is not a JSON object', text);
  const o = body as { data?: unknown; error?: unknown };
  if (o.error !== undefined && o.error !== null) throw badAnswer(url, `HTTP ${status} with an error body`, text);
  if (!Array.isArray(o.data)) throw badAnswer(url, 'no "data" list', text);
  if (o.data.length !== count) throw badAnswer(url, `${o.data.length} embedding(s) for ${count} input(s)`, text, { vectors: o.data.length, inputs: count });
  const out: Array<Float32Array | undefined> = new Array(count);
  for (const [i, d] of o.data.entries()) {
    if (d === null || typeof d !== 'object') throw badAnswer(url, `data[${i}] is not an object`, text);
    const { index, embedding } = d as { index?: unknown; embedding?: unknown };
    if (index === undefined) throw badAnswer(url, `data[${i}] has no "index"`, text);
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      throw badAnswer(url, `data[${i}].index is ${JSON.stringify(index)}, not an integer in 0..${count - 1}`, text);
    }
    if (out[index]) throw badAnswer(url, `data[${i}].index ${index} appears twice`, text);
    if (!Array.isArray(embedding)) throw badAnswer(url, `data[${i}].embedding is ${embedding === undefined ? 'missing' : `a ${typeof embedding}`}, not a list of numbers`, text);
    const v = new Float32Array(embedding.length);
    for (let k = 0; k < embedding.length; k++) {
      const x: unknown = embedding[k];
      if (x === null) v[k] = Number.NaN;
      else if (typeof x === 'number') v[k] = x;
      else throw badAnswer(url, `data[${i}].embedding[${k}] is ${JSON.stringify(x)?.slice(0, 40)}, not a number`, text);
    }
    out[index] = v;
  }
  return out as Float32Array[];
}
