import { describe, expect, it } from 'vitest';
import { HealthMonitor, type HealthMonitorHooks, type ProbeVia } from '../../harness/supervisor/health-monitor.ts';
import { GauntletError } from '../../harness/util/errors.ts';

function monitor(over: Partial<HealthMonitorHooks> = {}) {
  const hangs: Array<{ via: ProbeVia; waitedMs: number }> = [];
  let pings = 0;
  const m = new HealthMonitor({
    intervalMs: 0,
    timeoutMs: 20,
    ready: () => true,
    generation: () => 1,
    ping: async () => {
      pings++;
      await new Promise((r) => setTimeout(r, 25));
      throw new GauntletError('GAUNTLET_TIMEOUT', 'no pong');
    },
    onHang: (via, waitedMs) => hangs.push({ via, waitedMs }),
    ...over,
  });
  return { m, hangs, pings: () => pings };
}

describe('HealthMonitor', () => {
  it('declares a hang when the probe times out on the generation it probed', async () => {
    const { m, hangs } = monitor();
    await m.probe('request-deadline');
    expect(hangs).toHaveLength(1);
    expect(hangs[0]!.via).toBe('request-deadline');
    expect(hangs[0]!.waitedMs).toBeGreaterThanOrEqual(20);
  });

  it('no hang when the probe is answered, fails otherwise than by timeout, or the embedder was replaced meanwhile', async () => {
    expect((await run(monitor({ ping: async () => 'pong' })))).toEqual([]);
    expect((await run(monitor({ ping: async () => { throw new GauntletError('GAUNTLET_CLOSED', 'gone'); } })))).toEqual([]);
    let gen = 1;
    const replaced = monitor({
      generation: () => gen,
      ping: async () => {
        gen = 2;
        throw new GauntletError('GAUNTLET_TIMEOUT', 'late');
      },
    });
    expect(await run(replaced)).toEqual([]);
    let ready = true;
    const stopped = monitor({ ready: () => ready, ping: async () => { ready = false; throw new GauntletError('GAUNTLET_TIMEOUT', 'late'); } });
    expect(await run(stopped)).toEqual([]);
    async function run(x: ReturnType<typeof monitor>) {
      await x.m.probe('health-ping');
      return x.hangs;
    }
  });

  it('runs one probe at a time and none while nothing is ready', async () => {
    const one = monitor();
    await Promise.all([one.m.probe('health-ping'), one.m.probe('request-deadline')]);
    expect(one.pings()).toBe(1);
    expect(one.hangs).toHaveLength(1);
    const idle = monitor({ ready: () => false });
    await idle.m.probe('health-ping');
    expect(idle.pings()).toBe(0);
  });

  it('pings periodically once started, and stops', async () => {
    let pings = 0;
    const m = new HealthMonitor({
      intervalMs: 10, timeoutMs: 50, ready: () => true, generation: () => 1,
      ping: async () => { pings++; }, onHang: () => { throw new Error('no hang expected'); },
    });
    m.start();
    await new Promise((r) => setTimeout(r, 120));
    m.stop();
    const seen = pings;
    expect(seen).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(pings).toBe(seen);
  });
});
