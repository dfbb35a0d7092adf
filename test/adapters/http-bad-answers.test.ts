/**
 * The http adapter against the real reference embedder in http mode with its http fault switches: a malformed
 * answer is a typed GAUNTLET_BAD_ANSWER of that request and the next request is answered; a short batch is a bad
 * answer; a legal reversed `data` list is read by index; a server whose /v1/embeddings says "loading" (503) while
 * /health already says 200 is waited out by the start's dims probe (no kill, no restart), so its start ends at its
 * first good embedding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../harness/adapters/http.ts';
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import { adapterFor } from '../host/helpers.ts';

async function clientWith(...faults: string[]): Promise<{ client: HttpClient; events: LifecycleEvent[] }> {
  const base = await adapterFor('reference-http');
  if (base.config.kind !== 'http' || !base.config.command) throw new Error('reference-http starts its own server');
  const fault = faults.flatMap((f) => ['--fault', f]);
  const client = new HttpClient({ ...base, config: { ...base.config, command: [...base.config.command, ...fault] } });
  const events: LifecycleEvent[] = [];
  client.on('lifecycle', (e) => events.push(e));
  return { client, events };
}

let open: HttpClient | undefined;
afterEach(async () => { await open?.close(); open = undefined; });

describe('http adapter: bad answers are typed, the start ends at the first good embedding', () => {
  it('a bare NaN in the body is GAUNTLET_BAD_ANSWER quoting the body, and the next request is answered', async () => {
    const { client } = await clientWith('http-bare-nan=3'); // answer #1 is the dims probe
    open = client;
    await client.start();
    await client.embed('first');
    const err = await client.embed('second').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GAUNTLET_BAD_ANSWER' });
    expect((err as Error).message).toMatch(/not valid JSON.*body: ".*\[NaN,/);
    expect((await client.embed('third')).length).toBe(64);
  }, 60_000);

  it('a batch answered with fewer vectors than texts is a bad answer; singles stay right', async () => {
    const { client } = await clientWith('http-short-batch=3');
    open = client;
    await client.start();
    await expect(client.embedBatch(Array.from({ length: 10 }, (_, i) => `text ${i}`))).rejects.toMatchObject({ code: 'GAUNTLET_BAD_ANSWER', message: expect.stringMatching(/3 embedding\(s\) for 10 input\(s\)/) });
    expect((await client.embed('single')).length).toBe(64);
  }, 60_000);

  it('a reversed data list with correct index fields gives the same vectors in input order (legal)', async () => {
    const { client } = await clientWith('http-reverse-data');
    open = client;
    await client.start();
    const texts = ['alpha beta', 'gamma', 'delta delta'];
    const batch = await client.embedBatch(texts);
    for (const [i, t] of texts.entries()) expect(Array.from(batch[i]!)).toEqual(Array.from(await client.embed(t)));
  }, 60_000);

  it('503 "loading" on /v1/embeddings for 2 s while /health is 200: probed until the first good answer, not killed', async () => {
    const { client, events } = await clientWith('http-loading=2000');
    open = client;
    const t0 = performance.now();
    const info = await client.start();
    expect(info.dims).toBe(64);
    // From the server's own start (its process clock), so the whole wait is at least most of the 2 s.
    expect(performance.now() - t0).toBeGreaterThan(1500);
    expect(events.filter((e) => e.type === 'spawn')).toHaveLength(1);
    expect(events.some((e) => e.type === 'restart' || e.type === 'start-failed' || e.type === 'crash')).toBe(false);
    const ready = events.find((e) => e.type === 'ready') as { startMs?: number } | undefined;
    expect(ready?.startMs).toBeGreaterThan(1500);
  }, 60_000);
});
