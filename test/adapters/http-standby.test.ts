/** Warm standby for http adapters that start their server: the spare takes over, a dead spare is replaced. */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../harness/adapters/http.ts';
import { defaultAdapters } from '../../harness/config/defaults.ts';
import type { HttpAdapterConfig } from '../../harness/adapters/types.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';
import { adapterFor, waitUntil } from '../host/helpers.ts';

type Ev = { type: string; pid?: number; via?: unknown; reason?: unknown };
const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function standbyClient(): Promise<{ client: HttpClient; events: Ev[] }> {
  const base = defaultAdapters()['reference-http'] as HttpAdapterConfig;
  const client = new HttpClient(await adapterFor('reference-http', { ...base, supervisor: { ...base.supervisor, standby: 1 } }));
  clients.push(client);
  const events: Ev[] = [];
  client.on('lifecycle', (e) => events.push(e as Ev));
  await client.start();
  expect(await waitUntil(() => events.some((e) => e.type === 'standby-ready'), 20_000)).toBeGreaterThanOrEqual(0);
  return { client, events };
}

describe('http adapter standby', () => {
  it('a killed server is replaced by the warm spare at once, and a new spare starts', async () => {
    const { client, events } = await standbyClient();
    const before = await client.embed('hello world');
    const live = client.embedderPid()!;
    const spare = events.find((e) => e.type === 'standby-ready')!.pid!;
    const seen = events.length;
    process.kill(live, 'SIGKILL');
    expect(await waitUntil(() => events.some((e) => e.type === 'crash'), 2_000)).toBeGreaterThanOrEqual(0);
    const after = await client.embed('hello world', { timeoutMs: 15_000 });
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(client.embedderPid()).toBe(spare);
    const later = events.slice(seen);
    expect(later.find((e) => e.type === 'ready')).toMatchObject({ via: 'standby', pid: spare });
    expect(later.filter((e) => e.type === 'spawn')).toHaveLength(0);
    expect(await waitUntil(() => events.slice(seen).some((e) => e.type === 'standby-ready'), 20_000)).toBeGreaterThanOrEqual(0);
  });

  it('a spare that dies is replaced; close() stops the spare too', async () => {
    const { client, events } = await standbyClient();
    const live = client.embedderPid()!;
    const spare = events.find((e) => e.type === 'standby-ready')!.pid!;
    const seen = events.length;
    process.kill(spare, 'SIGKILL');
    expect(await waitUntil(() => events.slice(seen).some((e) => e.type === 'standby-ready'), 20_000)).toBeGreaterThanOrEqual(0);
    expect(events.slice(seen).find((e) => e.type === 'standby-exit')).toMatchObject({ pid: spare });
    expect(client.embedderPid()).toBe(live);
    const next = events.slice(seen).find((e) => e.type === 'standby-ready')!.pid!;
    await client.close();
    expect(await waitUntil(() => !isPidAlive(next) && !isPidAlive(live), 5_000)).toBeGreaterThanOrEqual(0);
  });
});
