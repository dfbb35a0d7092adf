/**
 * The bench's shm link with real processes (an echo peer mapping a /dev/shm region per connection), and seed 004's
 * shm claims and targets decided both ways from its figures.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchScenarioResult } from '../../harness/bench/claim-metrics.ts';
import { benchConnections } from '../../harness/bench/connections.ts';
import { buildTargets } from '../../harness/bench/targets.ts';
import { benchTransports } from '../../harness/bench/transports.ts';
import type { BenchResult, PingRow, TransferRow, TransportResults } from '../../harness/bench/types.ts';
import { CLAIMS, evaluateClaims } from '../../harness/claims/index.ts';
import { loadShmNative } from '../../harness/transport/shm-native.ts';
import { SHM_DIR, SHM_PREFIX } from '../../harness/transport/shm-region.ts';
import { children } from './children.ts';

const MiB = 1024 * 1024;
const support = loadShmNative();
const ours = () => fs.readdirSync(SHM_DIR).filter((n) => n.startsWith(SHM_PREFIX));
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
/** Regions whose owner is gone (other test files' live embedders may own regions meanwhile: those are not leaks). */
const leaked = (before: Set<string>) => ours().filter((n) => !before.has(n) && !alive(Number(n.slice(SHM_PREFIX.length).split('-')[0])));

describe.skipIf(!support.ok)(`shm link (real echo peer${support.ok ? '' : `; skipped: ${support.reason}`})`, () => {
  it('measures ping, transfers and pipelined pings through the region beside UDS, and leaves no region behind', async () => {
    const before = new Set(ours());
    const r = await benchTransports({
      pingTimeMs: 100, pipelineMessages: 500, transferBytes: [1024, MiB], transferTimeMs: 150,
      links: [{ transport: 'uds', codec: 'msgpack' }, { transport: 'shm', codec: 'msgpack' }],
    });
    expect(r.shm).toMatchObject({ available: true, ringBytes: 2 * MiB });
    const ping = r.pings.find((p) => p.transport === 'shm')!;
    expect(ping.p50Us).toBeGreaterThan(0);
    expect(ping.pipelinedMsgsPerSec).toBeGreaterThan(0);
    for (const bytes of [1024, MiB]) {
      const row = r.transfers.find((x) => x.transport === 'shm' && x.bytes === bytes)!;
      expect(row).toMatchObject({ codec: 'msgpack', payload: 'binary' });
      expect(row.p50Ms).toBeGreaterThan(0);
      expect(row.samples).toBeGreaterThan(3);
      expect(row.machineBusy).toBeGreaterThan(0);
      expect(row.othersBusy).toBeLessThanOrEqual(row.machineBusy!);
    }
    expect(r.transfers.some((x) => x.transport === 'shm' && x.payload === 'text')).toBe(false);
    expect(r.contention?.map((c) => c.bytes)).toEqual([1024, MiB]);
    for (const c of r.contention!) {
      expect(c.machineBusy).toBeGreaterThan(0);
      expect(c.othersBusy).toBeLessThanOrEqual(c.machineBusy);
    }
    expect(children()).toEqual([]);
    expect(leaked(before)).toEqual([]);
  }, 90_000);

  it('memory per open shm connection: every connection answered, a region each, a few KB of server RSS each', async () => {
    const r = await benchConnections({ connections: 50, transport: 'shm' });
    expect(r).toMatchObject({ connections: 50, answered: 50, errors: 0, openAtMeasure: 50 });
    expect(r.server).toMatch(/--transport shm/);
    expect(Math.abs(r.perConnectionBytes)).toBeLessThan(MiB);
    expect(children()).toEqual([]);
  }, 60_000);
});

function fixture(o: { ping: number; kb: number; mb: number; tenMb: number; rate: number; perConn: number } | 'unavailable'): BenchResult {
  const shm = o === 'unavailable';
  const pings: PingRow[] = shm ? [] : [{ transport: 'shm', codec: 'msgpack', p50Us: o.ping, p99Us: o.ping, sequentialMsgsPerSec: 1, pipelinedMsgsPerSec: o.rate, pipelineWindow: 32 }];
  const row = (bytes: number, p50Ms: number): TransferRow => ({ transport: 'shm', codec: 'msgpack', bytes, payload: 'binary', p50Ms, p99Ms: p50Ms, msgsPerSec: 1, mbPerSec: Math.round(bytes / 1e6 / (p50Ms / 1000)), samples: 10 });
  const transports: TransportResults = {
    peer: 'fixture', pings, transfers: shm ? [] : [row(1024, o.kb), row(MiB, o.mb), row(10 * MiB, o.tenMb)], transferFrameLimitBytes: 16 * MiB, notes: [],
    shm: shm ? { available: false, reason: 'no C compiler (CC=x) on PATH' } : {
      available: true, ringBytes: 16 * MiB,
      connections: { server: 'f', serverPid: 1, connections: 100, openAtMeasure: 100, answered: 100, errors: 0, errorKinds: [], wallMs: 1, rssBeforeBytes: 1, rssAfterBytes: 1, perConnectionBytes: o.perConn, notes: [] },
    },
  };
  const r = { transports, skipped: [], environment: { quick: true, durationMs: 1 } } as unknown as Omit<BenchResult, 'targets'>;
  return { ...r, targets: buildTargets(r) } as BenchResult;
}

describe('seed 004\'s shm claims and targets from the shm rows', () => {
  const verdicts = (b: BenchResult) => Object.fromEntries(evaluateClaims(CLAIMS.filter((c) => c.id.startsWith('shm-')), [benchScenarioResult(b)], ['a']).map((v) => [v.claim, v]));
  const good = { ping: 40, kb: 0.04, mb: 0.4, tenMb: 3, rate: 150_000, perConn: 20_000 };
  const bad = { ping: 150, kb: 0.3, mb: 1.5, tenMb: 25, rate: 50_000, perConn: 2_000_000 };

  it('pass on figures inside the seed\'s table', () => {
    const v = verdicts(fixture(good));
    expect(Object.keys(v).sort()).toEqual(['shm-10mb-p50-under-5ms', 'shm-1kb-p50-under-0.05ms', 'shm-1kb-p50-under-0.2ms', 'shm-1mb-p50-under-1ms', 'shm-control-rtt-p50-under-0.1ms',
      'shm-large-transfer-over-1gb-per-s', 'shm-per-connection-under-1mb', 'shm-small-messages-over-100k-per-s']);
    for (const row of Object.values(v)) expect(row.verdict).toBe('pass');
    expect(fixture(good).targets.filter((t) => t.id.startsWith('shm-')).map((t) => `${t.id} ${t.pass}`)).toEqual([
      'shm-control-rtt-p50 true', 'shm-transfer-1kb-p50 true', 'shm-transfer-1mb-p50 true', 'shm-transfer-10mb-p50 true',
      'shm-large-transfer-rate true', 'shm-small-messages-rate true', 'shm-per-connection-memory true',
    ]);
  });

  it('fail (advisory misses) on figures outside it', () => {
    for (const row of Object.values(verdicts(fixture(bad)))) expect(row.verdict).toBe('fail');
    expect(fixture(bad).targets.filter((t) => t.id.startsWith('shm-')).every((t) => !t.pass)).toBe(true);
    // 0.04 ms passes the 0.2 ms requirement and the comparison table's 0.05 ms; 0.1 ms only the first.
    const mid = verdicts(fixture({ ...good, kb: 0.1 }));
    expect(mid['shm-1kb-p50-under-0.2ms']!.verdict).toBe('pass');
    expect(mid['shm-1kb-p50-under-0.05ms']!.verdict).toBe('fail');
  });

  it('not-applicable with the reason when the bench could not have shared memory, never inconclusive', () => {
    const b = fixture('unavailable');
    expect(b.targets.some((t) => t.id.startsWith('shm-'))).toBe(false);
    for (const row of Object.values(verdicts(b))) {
      expect(row.verdict).toBe('not-applicable');
      expect(row.reason).toBe('no C compiler (CC=x) on PATH');
    }
  });
});
