/** Which adapters the kill/restart/hang scenarios treat as supervised: http only when the adapter starts the server. */
import { describe, expect, it } from 'vitest';
import forcedKill from '../../scenarios/forced-kill.ts';
import restartLimit from '../../scenarios/restart-limit.ts';
import restartStorm from '../../scenarios/restart-storm.ts';
import { supervised } from '../../scenarios/support/supervised.ts';
import type { AdapterConfig } from '../../harness/adapters/types.ts';

const started: AdapterConfig = { kind: 'http', command: ['server', '--port', '{port}'] };
const external: AdapterConfig = { kind: 'http', baseUrl: 'http://127.0.0.1:8080' };
const proc: AdapterConfig = { kind: 'process', command: ['e'], transport: 'stdio', codec: 'msgpack' };
const inProcess: AdapterConfig = { kind: 'in-process' };

describe('supervised adapters', () => {
  it('process and harness-started http are supervised; external http and in-process are not', () => {
    expect(supervised({ config: proc })).toBe(true);
    expect(supervised({ config: started })).toBe(true);
    expect(supervised({ config: { ...started, baseUrl: 'http://127.0.0.1:8080' } })).toBe(true);
    expect(supervised({ config: external })).toBe(false);
    expect(supervised({ config: inProcess })).toBe(false);
  });

  it('forced-kill, restart-storm and restart-limit apply to a started http server and say why not for an external one', () => {
    for (const s of [forcedKill, restartStorm, restartLimit]) {
      const applies = s.appliesTo as (a: { config: AdapterConfig }) => true | string;
      expect(applies({ config: started })).toBe(true);
      expect(applies({ config: proc })).toBe(true);
      expect(applies({ config: external })).toMatch(/external http server/);
      expect(applies({ config: inProcess })).toMatch(/in-process/);
    }
  });
});
