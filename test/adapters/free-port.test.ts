/**
 * `freePort`: an http server that takes --port but prints no ready line gets a free loopback port picked by the
 * harness before every start, so parallel hosts never collide on a fixed port. Driven on the reference HTTP server
 * (it takes --port; its ready line is not read when freePort is set).
 */
import { describe, expect, it } from 'vitest';
import { pickFreePort } from '../../harness/adapters/free-port.ts';
import { HttpClient } from '../../harness/adapters/http.ts';
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import { referenceCommand } from '../../harness/config/defaults.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { adapterFor } from '../host/helpers.ts';

const command = referenceCommand('--transport', 'http', '--port', '{port}', '--model', '{model}');

describe('pickFreePort', () => {
  it('returns an unprivileged port that can be bound at once', async () => {
    const port = await pickFreePort();
    expect(Number.isInteger(port) && port > 1023 && port < 65536).toBe(true);
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('http adapter with freePort', () => {
  it('two clients started at once each get their own port, and both embed the same vectors', async () => {
    const a = await adapterFor('free-http', { kind: 'http', command, freePort: true });
    const urls: string[] = [];
    const clients = [new HttpClient(a), new HttpClient(a)];
    for (const c of clients) c.on('lifecycle', (e: LifecycleEvent) => { if (e.type === 'ready') urls.push(String((e as { baseUrl?: string }).baseUrl)); });
    try {
      const infos = await Promise.all(clients.map((c) => c.start()));
      expect(infos.map((i) => i.dims)).toEqual([64, 64]);
      expect(urls).toHaveLength(2);
      expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(urls[0]).not.toBe(urls[1]);
      const [v0, v1] = await Promise.all(clients.map((c) => c.embed('hello world')));
      expect(Array.from(v0!)).toEqual(Array.from(v1!));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 90_000);

  it('is refused with baseUrl, or without a command, naming the field', () => {
    expect(() => resolveConfig({ adapters: { x: { kind: 'http', baseUrl: 'http://127.0.0.1:8080', command, freePort: true } } })).toThrow(/adapters\.x\.freePort.*no baseUrl/s);
    expect(() => resolveConfig({ adapters: { x: { kind: 'http', baseUrl: 'http://127.0.0.1:8080', freePort: true } } })).toThrow(/freePort needs a command/);
  });
});
