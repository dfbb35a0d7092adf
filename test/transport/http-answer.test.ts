/**
 * What a /v1/embeddings answer must look like: each malformed form is a typed GAUNTLET_BAD_ANSWER quoting the
 * first 200 bytes of the body; the legal forms (data out of order with correct index, null for a non-finite
 * value) are read. Pure parsing; the real server round trip is in test/adapters/http-bad-answers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseEmbeddingsAnswer, QUOTED_BYTES } from '../../harness/transport/http-answer.ts';
import { GauntletError } from '../../harness/util/errors.ts';

const URL = 'http://127.0.0.1:1/v1/embeddings';
const JSON_TYPE = 'application/json; charset=utf-8';
const entry = (index: unknown, embedding: unknown = [0.5, -0.25]) => ({ object: 'embedding', index, embedding });
const body = (data: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ object: 'list', data, model: 'm', ...extra });

function bad(text: string, count = 2, contentType: string | null = JSON_TYPE): GauntletError {
  try {
    parseEmbeddingsAnswer(URL, 200, contentType ?? undefined, text, count);
  } catch (e) {
    expect(e).toBeInstanceOf(GauntletError);
    expect((e as GauntletError).code).toBe('GAUNTLET_BAD_ANSWER');
    return e as GauntletError;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

describe('parseEmbeddingsAnswer', () => {
  it('reads vectors by index, whatever the order, and a null as NaN', () => {
    const out = parseEmbeddingsAnswer(URL, 200, JSON_TYPE, body([entry(1, [3, 4]), entry(0, [1, null])]), 2);
    expect(Array.from(out[0]!)).toEqual([1, Number.NaN]);
    expect(Array.from(out[1]!)).toEqual([3, 4]);
  });

  it.each([
    ['a bare NaN (json.dumps)', '{"data":[{"index":0,"embedding":[NaN,1]},{"index":1,"embedding":[1,1]}]}', /not valid JSON/],
    ['a truncated body', body([entry(0), entry(1)]).slice(0, 40), /not valid JSON/],
    ['a 200 with an error body', JSON.stringify({ error: { message: 'model exploded', code: 500 } }), /HTTP 200 with an error body/],
    ['no data list', JSON.stringify({ object: 'list' }), /no "data" list/],
    ['fewer vectors than inputs', body([entry(0)]), /1 embedding\(s\) for 2 input\(s\)/],
    ['more vectors than inputs', body([entry(0), entry(1), entry(2)]), /3 embedding\(s\) for 2 input\(s\)/],
    ['a missing index', body([entry(0), { object: 'embedding', embedding: [1, 2] }]), /data\[1\] has no "index"/],
    ['a duplicate index', body([entry(0), entry(0)]), /index 0 appears twice/],
    ['an index out of range', body([entry(0), entry(2)]), /not an integer in 0\.\.1/],
    ['a non-numeric value', body([entry(0), entry(1, [1, '2'])]), /embedding\[1\] is "2", not a number/],
    ['an embedding that is not a list', body([entry(0), entry(1, 'AAAA')]), /not a list of numbers/],
    ['a JSON array body', '[1,2]', /not a JSON object/],
  ])('%s is a typed bad answer', (_what, text, message) => {
    const e = bad(text);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(JSON.stringify(text.slice(0, 20)).slice(1, -1).slice(0, 10));
  });

  it('a wrong or missing content type is a bad answer', () => {
    expect(bad(body([entry(0), entry(1)]), 2, 'text/html').message).toMatch(/content type "text\/html", not JSON/);
    expect(bad(body([entry(0), entry(1)]), 2, null).message).toMatch(/content type \(none\)/);
  });

  it(`quotes the first ${QUOTED_BYTES} bytes of a long body, and says how long it was`, () => {
    const long = `<html>${'x'.repeat(5000)}</html>`;
    const e = bad(long);
    expect(e.message).toMatch(new RegExp(`first ${QUOTED_BYTES} of ${long.length} bytes`));
    expect(e.message.length).toBeLessThan(600);
  });
});
