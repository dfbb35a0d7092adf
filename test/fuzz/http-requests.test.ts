/** The HTTP request generator: reproducible from (seed, index), every kind reached, one request per connection. */
import { describe, expect, it } from 'vitest';
import { fuzzHttpRequest, HTTP_KINDS } from '../../harness/fuzz/http-requests.ts';

const o = { host: '127.0.0.1', port: 8080, maxBodyBytes: 64 * 1024, maxBatch: 10 };

describe('fuzzHttpRequest', () => {
  it('request i of seed S is always the same bytes', () => {
    for (const i of [0, 7, 999]) expect(fuzzHttpRequest(1, i, o).bytes.equals(fuzzHttpRequest(1, i, o).bytes)).toBe(true);
    expect(fuzzHttpRequest(1, 3, o).bytes.equals(fuzzHttpRequest(2, 3, o).bytes)).toBe(false);
  });

  it('reaches every kind within 1,000 requests; all but raw garbage ask Connection: close; slow clients say how to trickle', () => {
    const reqs = Array.from({ length: 1000 }, (_, i) => fuzzHttpRequest(1, i, o));
    const kinds = new Set(reqs.map((r) => r.kind));
    for (const k of HTTP_KINDS) expect(kinds, k).toContain(k);
    for (const r of reqs) {
      if (r.kind === 'raw-garbage') continue;
      expect(r.bytes.toString('latin1')).toMatch(/^[A-Za-z]+ \S+ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8080\r\nConnection: close\r\n/);
      if (r.kind === 'slow-client') expect(r.slow?.pieceBytes).toBeGreaterThan(0);
    }
    expect(reqs.filter((r) => r.kind === 'huge-body').every((r) => r.bytes.length > o.maxBodyBytes)).toBe(true);
  });
});
