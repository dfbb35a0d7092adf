import { afterEach, describe, expect, it } from 'vitest';
import { GauntletError } from '../../harness/util/errors.ts';
import { fixtureOptions, recorded } from './helpers.ts';
import type { Supervisor } from '../../harness/supervisor/supervisor.ts';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('supervisor: a request over the frame limit', () => {
  for (const codec of ['msgpack', 'ndjson'] as const) {
    it(`${codec}: fails that request with GAUNTLET_PROTOCOL and keeps the embedder (no kill, no restart)`, async () => {
      const { sup, events } = recorded(fixtureOptions({ codec, limits: { maxFrameBytes: 4096, maxBatch: 10, requestTimeoutMs: 10_000 } }));
      current = sup;
      await sup.start();
      const pid = sup.pid;
      const err = await sup.embed('x'.repeat(10_000)).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(GauntletError);
      expect((err as GauntletError).code).toBe('GAUNTLET_PROTOCOL');
      expect((err as GauntletError).message).toMatch(/frame limit/);
      // The same process answers the next request: nothing was killed or restarted.
      const v = await sup.embed('small text');
      expect(v.length).toBeGreaterThan(0);
      expect(sup.pid).toBe(pid);
      expect(events.filter((e) => e.type === 'crash' || e.type === 'restart')).toEqual([]);
    });
  }
});
