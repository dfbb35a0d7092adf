/**
 * Seeded malformed HTTP requests for an OpenAI-compatible `/v1/embeddings` server. Request `index` of a run seeded
 * `seed` depends on nothing else. Each is the raw bytes of one request (it always asks `Connection: close`, so one
 * request = one TCP connection), plus, for slow clients, how to trickle them.
 */
import { createRng, type ScenarioRng } from '../runner/rng.ts';
import { encodeJson, RawStr, type RawValue } from './raw-value.ts';

export const HTTP_KINDS = [
  'bad-json', 'wrong-type', 'deep-nesting', 'invalid-utf8', 'wrong-content-type', 'huge-body', 'huge-batch',
  'lying-length', 'wrong-method', 'bad-headers', 'chunked', 'raw-garbage', 'slow-client', 'valid',
] as const;
export type HttpKind = (typeof HTTP_KINDS)[number];

const WEIGHTS: Record<HttpKind, number> = {
  'bad-json': 14, 'wrong-type': 16, 'deep-nesting': 6, 'invalid-utf8': 8, 'wrong-content-type': 8, 'huge-body': 3,
  'huge-batch': 5, 'lying-length': 5, 'wrong-method': 8, 'bad-headers': 5, chunked: 6, 'raw-garbage': 8, 'slow-client': 3, valid: 5,
};
const TOTAL = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

export interface FuzzHttpOptions { host: string; port: number; maxBodyBytes: number; maxBatch: number }

export interface FuzzHttpRequest {
  index: number;
  kind: HttpKind;
  bytes: Buffer;
  /** Slow client: write `pieceBytes` at a time, `delayMs` apart; `stallMs`: then wait this long before closing. */
  slow?: { pieceBytes: number; delayMs: number; stallMs: number };
}

function pickKind(rng: ScenarioRng): HttpKind {
  let r = rng.int(TOTAL);
  for (const k of HTTP_KINDS) { r -= WEIGHTS[k]; if (r < 0) return k; }
  return 'valid';
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'fuzz', 'http', 'embed', 'vector'];
const text = (rng: ScenarioRng) => Array.from({ length: 1 + rng.int(5) }, () => rng.pick(WORDS)).join(' ');
function randomBytes(rng: ScenarioRng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}
function wrongValue(rng: ScenarioRng): RawValue {
  return rng.pick<RawValue>([null, true, 42, -1, 1.5, Number.NaN, 1e308, {}, { text: 'x' }, [], [[1, 2], [3]], [1, 'a', null], [['nested']], ['ok', 7], '', [''], new RawStr(Buffer.from('"unterminated'))]);
}
/** `{"input": [[{"input": [...]}]]}` `depth` levels deep, built as text (an encoder would recurse that deep). */
function nestedBody(depth: number): Buffer {
  let open = '', close = '';
  for (let i = 0; i < depth; i++) {
    if (i % 3 === 2) { open += '{"input":'; close = `}${close}`; } else { open += '['; close = `]${close}`; }
  }
  return Buffer.from(`{"input":${open}"deep"${close}}`);
}

function request(o: FuzzHttpOptions, method: string, path: string, headers: Array<[string, string]>, body: Buffer | undefined, lengthHeader: number | 'none' = body?.length ?? 'none'): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${o.host}:${o.port}`, 'Connection: close', ...headers.map(([k, v]) => `${k}: ${v}`)];
  if (lengthHeader !== 'none') lines.push(`Content-Length: ${lengthHeader}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

const JSON_TYPE: Array<[string, string]> = [['Content-Type', 'application/json']];
const post = (o: FuzzHttpOptions, body: Buffer, headers = JSON_TYPE) => request(o, 'POST', '/v1/embeddings', headers, body);
const validBody = (rng: ScenarioRng, o: FuzzHttpOptions) => encodeJson({ input: rng.int(2) ? text(rng) : Array.from({ length: 1 + rng.int(o.maxBatch) }, () => text(rng)), model: 'default' });

/** Request `index` of the run seeded `seed`. */
export function fuzzHttpRequest(seed: number, index: number, o: FuzzHttpOptions): FuzzHttpRequest {
  const rng = createRng(seed, 'fuzz-http', String(index));
  const kind = pickKind(rng);
  const done = (bytes: Buffer, slow?: FuzzHttpRequest['slow']): FuzzHttpRequest => ({ index, kind, bytes, ...(slow ? { slow } : {}) });
  switch (kind) {
    case 'bad-json': {
      const whole = validBody(rng, o);
      const body = rng.pick([
        whole.subarray(0, rng.int(whole.length)), randomBytes(rng, 1 + rng.int(300)), Buffer.from('{"input": ["a", "b",]}'),
        Buffer.from("{'input': 'single quotes'}"), Buffer.from('{"input": "a"}{"input": "b"}'), Buffer.from(''), Buffer.from('null'),
        Buffer.from('{"input": "\\ud800 lone surrogate"}'), Buffer.from('{"input": "a", "input": 5}'), Buffer.from('[{"input":"a"}]'),
      ]);
      return done(post(o, body));
    }
    case 'wrong-type': {
      const where = rng.int(3);
      const value: RawValue = where === 0 ? { input: wrongValue(rng), model: 'default' } : where === 1 ? { input: text(rng), model: wrongValue(rng) } : { input: text(rng), encoding_format: wrongValue(rng), dimensions: wrongValue(rng) };
      return done(post(o, encodeJson(value)));
    }
    case 'deep-nesting':
      return done(post(o, nestedBody(rng.pick([5, 50, 500, 5000, 15_000]))));
    case 'invalid-utf8': {
      const bad = Buffer.from(rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0x80, 0x80]]));
      return done(post(o, encodeJson({ input: [text(rng), new RawStr(Buffer.concat([Buffer.from('x'), bad]))], model: new RawStr(bad) })));
    }
    case 'wrong-content-type': {
      const type = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/msgpack', '', '\u0000']);
      return done(post(o, validBody(rng, o), type === '' ? [] : [['Content-Type', type.replace('\u0000', '%00')]]));
    }
    case 'huge-body': {
      const n = rng.pick([o.maxBodyBytes + 1, o.maxBodyBytes * 4, 1 << 20]);
      return done(post(o, encodeJson({ input: 'h'.repeat(n), model: 'default' })));
    }
    case 'huge-batch': {
      const n = rng.pick([o.maxBatch + 1, 100, 2000]);
      return done(post(o, encodeJson({ input: Array.from({ length: n }, (_, i) => (i % 5 ? 'b' : '')), model: 'default' })));
    }
    case 'lying-length': {
      const body = validBody(rng, o);
      // Shorter than the body: the rest reads as a second, garbled request. Longer: the server waits for bytes that never come.
      const claimed = rng.int(2) ? Math.max(0, body.length - 1 - rng.int(body.length)) : body.length + 1 + rng.int(1000);
      return done(request(o, 'POST', '/v1/embeddings', JSON_TYPE, body, claimed), claimed > body.length ? { pieceBytes: body.length + 4096, delayMs: 0, stallMs: 300 } : undefined);
    }
    case 'wrong-method': {
      const method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'BREW', 'post']);
      const path = rng.pick(['/v1/embeddings', '/health', '/v1/embeddings/../../etc/passwd', '/v1/embeddings?input=a', '*', `/${'x'.repeat(1000 + rng.int(20_000))}`, 'http://elsewhere/v1/embeddings', '/v1/embeddings%00']);
      return done(request(o, method, path, JSON_TYPE, validBody(rng, o)));
    }
    case 'bad-headers': {
      const h = rng.int(4);
      const headers: Array<[string, string]> = h === 0 ? [['X-Big', 'y'.repeat(20_000 + rng.int(60_000))]]
        : h === 1 ? Array.from({ length: 300 + rng.int(3000) }, (_, i) => [`X-H${i}`, 'v'] as [string, string])
          : h === 2 ? [['Bad Header', 'v'], ['X-Ctl', 'a\u0001b']] : [['Content-Length', '5'], ['Content-Type', 'application/json']];
      return done(request(o, 'POST', '/v1/embeddings', [...JSON_TYPE, ...headers], validBody(rng, o)));
    }
    case 'chunked': {
      const body = validBody(rng, o);
      const size = rng.pick([body.length.toString(16), 'zz', 'ffffffffffff', '-1', (body.length + 10).toString(16)]);
      const head = request(o, 'POST', '/v1/embeddings', [...JSON_TYPE, ['Transfer-Encoding', 'chunked']], undefined);
      return done(Buffer.concat([head, Buffer.from(`${size}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]));
    }
    case 'raw-garbage':
      return done(randomBytes(rng, 1 + rng.int(2048)));
    case 'slow-client': {
      const bytes = post(o, validBody(rng, o));
      return done(bytes, { pieceBytes: 1 + rng.int(16), delayMs: 20 + rng.int(60), stallMs: rng.int(2) ? 0 : 400 });
    }
    case 'valid':
    default:
      return done(post(o, validBody(rng, o)));
  }
}
