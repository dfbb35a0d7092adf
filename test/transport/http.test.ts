import { afterEach, describe, expect, it } from 'vitest';
import { httpEmbed, httpHealth } from '../../harness/transport/http-client.ts';
import { HttpRequestError, serveHttp, type HttpServer } from '../../harness/transport/http-server.ts';

const servers: HttpServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

async function start(ready = true, delayMs = 0): Promise<{ server: HttpServer; base: string; setReady: (r: boolean) => void }> {
  let isReady = ready;
  const server = await serveHttp({
    host: '127.0.0.1', port: 0, maxBodyBytes: 4096,
    isReady: () => isReady,
    modelName: () => 'toy',
    embed: async (texts) => {
      if (texts.length > 3) throw new HttpRequestError('batch-too-large', `batch of ${texts.length}`);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return { vectors: texts.map((t) => new Float32Array([t.length, 0.1, Number.NaN])), promptTokens: texts.length * 2 };
    },
  });
  servers.push(server);
  return { server, base: `http://127.0.0.1:${server.port}`, setReady: (r) => { isReady = r; } };
}

describe('OpenAI-compatible HTTP transport', () => {
  it('serves /v1/embeddings in the OpenAI shape', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: ['ab', 'c'], model: 'x' }) });
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'list', model: 'toy', usage: { prompt_tokens: 4, total_tokens: 4 },
      data: [{ object: 'embedding', index: 0, embedding: [2, 0.100000001, null] }, { object: 'embedding', index: 1 }],
    });
    const single = await fetch(`${base}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: 'abc' }) });
    expect(((await single.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('health is 503 while loading and 200 when ready', async () => {
    const { base, setReady } = await start(false);
    expect((await fetch(`${base}/health`)).status).toBe(503);
    expect(await httpHealth(base, { timeoutMs: 1000 })).toBe('loading');
    const early = await fetch(`${base}/v1/embeddings`, { method: 'POST', body: '{"input":"a"}' });
    expect(early.status).toBe(503);
    setReady(true);
    const ok = await fetch(`${base}/health`);
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('answers errors with status codes and OpenAI error bodies', async () => {
    const { base } = await start();
    const post = (body: string | Buffer) => fetch(`${base}/v1/embeddings`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body) });
    const cases: Array<[string | Buffer, number, string]> = [
      ['not json', 400, 'bad-request'],
      ['{"input": [1, 2]}', 400, 'bad-request'],
      ['{"input": ["a","b","c","d"]}', 400, 'batch-too-large'],
      [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 400, 'bad-utf8'],
      ['{"input":"' + 'x'.repeat(5000) + '"}', 413, 'bad-frame'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([status, code]);
    }
    expect((await fetch(`${base}/nope`)).status).toBe(400);
  });

  it('httpEmbed returns Float32Arrays in input order; null reads back as NaN', async () => {
    const { base } = await start();
    const out = await httpEmbed(`${base}/v1`, ['abcd', 'x'], { timeoutMs: 2000 });
    expect(out.map((v) => v[0])).toEqual([4, 1]);
    expect(Number.isNaN(out[0]![2])).toBe(true);
    await expect(httpEmbed(base, ['1', '2', '3', '4'], { timeoutMs: 2000 })).rejects.toThrow(/HTTP 400: batch of 4/);
  });

  it('httpEmbed honours its timeout and an abort signal', async () => {
    const { base } = await start(true, 2000);
    const t0 = performance.now();
    await expect(httpEmbed(base, ['a'], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'GAUNTLET_TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(1500);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(httpEmbed(base, ['a'], { timeoutMs: 5000, signal: ac.signal })).rejects.toMatchObject({ code: 'GAUNTLET_CLOSED' });
    await expect(httpEmbed('http://127.0.0.1:1', ['a'], { timeoutMs: 1000 })).rejects.toThrow(/failed/);
  });
});
