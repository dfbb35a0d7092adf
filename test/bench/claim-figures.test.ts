/**
 * The four figures behind claims the benchmarks used to leave inconclusive, measured with real processes: the
 * Unix-socket connection stress and per-connection memory (a good server and two broken ones), the JSON share of an
 * NDJSON round trip, and host RSS per design; then their claims decided both ways from the figures.
 */
import { describe, expect, it } from 'vitest';
import { benchClaimMetrics, benchScenarioResult } from '../../harness/bench/claim-metrics.ts';
import { benchConnections } from '../../harness/bench/connections.ts';
import { formatSections } from '../../harness/bench/format.ts';
import { benchHostRss } from '../../harness/bench/host-rss.ts';
import { buildTargets } from '../../harness/bench/targets.ts';
import { benchTransports } from '../../harness/bench/transports.ts';
import type { BenchResult, ConnectionResults, HostRssResults, NdjsonCodecShare } from '../../harness/bench/types.ts';
import { benchReportSection } from '../../harness/bench/write-output.ts';
import { CLAIMS, evaluateClaims } from '../../harness/claims/index.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';
import { children } from './children.ts';

const MiB = 1024 * 1024;

describe('connection stress (real Unix-socket server process)', () => {
  it('a good server answers 100 concurrent connections, each with its own id, and costs a plausible few KB each', async () => {
    const r = await benchConnections({ connections: 100 });
    expect(r).toMatchObject({ connections: 100, answered: 100, errors: 0, errorKinds: [], openAtMeasure: 100 });
    expect(r.rssBeforeBytes).toBeGreaterThan(10 * MiB); // a node process
    expect(r.rssAfterBytes).toBeGreaterThan(10 * MiB);
    expect(Number.isFinite(r.perConnectionBytes)).toBe(true);
    expect(r.perConnectionBytes).toBe(Math.round((r.rssAfterBytes - r.rssBeforeBytes) / 100));
    expect(Math.abs(r.perConnectionBytes)).toBeLessThan(MiB); // RSS noise included, nowhere near a MiB a connection
    expect(isPidAlive(r.serverPid)).toBe(false);
  });

  it('a server that drops every 10th connection gives 10 errors out of 100', async () => {
    // The warm-up connection is the 1st accepted; the stress connections are the 2nd..101st: 10, 20, ..., 100 drop.
    const r = await benchConnections({ connections: 100, fault: 'drop-every=10', timeoutMs: 3000 });
    expect(r.errors).toBe(10);
    expect(r.answered).toBe(90);
    expect(r.errorKinds.map((k) => k.what).join('\n')).toMatch(/closed before the answer|connect/);
    expect(isPidAlive(r.serverPid)).toBe(false);
  });

  it('a server that answers with the wrong id on every 7th connection is caught (14 errors)', async () => {
    const r = await benchConnections({ connections: 100, fault: 'wrong-id-every=7', timeoutMs: 3000 });
    expect(r.errors).toBe(14); // 7, 14, ..., 98
    expect(r.errorKinds).toEqual([{ what: 'wrong answer to ping N: pong with id N', count: 14 }]);
    expect(children()).toEqual([]);
  });
});

describe('NDJSON codec share', () => {
  it('times JSON and UTF-8 work of the 1 KiB round trip and relates it to the measured stdio/ndjson p50', async () => {
    const r = await benchTransports({
      pingTimeMs: 10, pipelineMessages: 20, pipelineWindow: 4, transferBytes: [1024], transferTimeMs: 30,
      links: [{ transport: 'stdio', codec: 'ndjson' }],
    });
    const s = r.ndjsonCodecShare!;
    expect(s).toBeDefined();
    const row = r.transfers.find((x) => x.codec === 'ndjson' && x.bytes === 1024)!;
    expect(s.roundTripP50Us).toBeCloseTo(row.p50Ms * 1000, 0);
    expect(s.jsonUs).toBeGreaterThan(0);
    expect(s.textUs).toBeGreaterThan(0);
    expect(s.jsonUs).toBeLessThan(s.roundTripP50Us); // the codec work is part of the round trip
    expect(s.jsonShare).toBeCloseTo(s.jsonUs / s.roundTripP50Us, 3);
    expect(s.jsonShare).toBeGreaterThan(0);
    expect(s.jsonShare).toBeLessThan(1);
    expect(r.connections).toBeUndefined(); // the stress runs only through benchTransportsAndConnections
    expect(children()).toEqual([]);
  });
});

describe('host RSS per design (two real harness hosts)', () => {
  it('reports both hosts\' RSS after the same work, the in-process one holding more, and the reduction from them', async () => {
    const r = await benchHostRss({ preset: 'tiny', timeoutMs: 60_000 });
    const inProc = r.rows.find((x) => x.design === 'in-process')!;
    const ext = r.rows.find((x) => x.design === 'external')!;
    expect(inProc.adapter).toBe('in-process');
    expect(ext.adapter).toBe('reference');
    for (const row of r.rows) {
      expect(row.hostRssBytes).toBeGreaterThan(10 * MiB);
      expect(row.hostRssBytes).toBeLessThan(4096 * MiB);
    }
    expect(inProc.embedderRssBytes).toBeNull(); // no separate embedder
    expect(ext.embedderRssBytes).toBeGreaterThan(10 * MiB);
    expect(inProc.hostRssBytes).toBeGreaterThan(ext.hostRssBytes); // node-llama-cpp and the model live in it
    expect(r.reduction).toBeCloseTo((inProc.hostRssBytes - ext.hostRssBytes) / inProc.hostRssBytes, 3);
    for (const row of r.rows) expect(isPidAlive(row.hostPid)).toBe(false);
    expect(children()).toEqual([]);
  }, 120_000);
});

function fixture(o: { errors?: number; connections?: number; perConnectionBytes?: number; jsonShare?: number; reduction?: number }): BenchResult {
  const connections: ConnectionResults = {
    server: 'fixture', serverPid: 1, connections: o.connections ?? 100, openAtMeasure: 100, answered: 100 - (o.errors ?? 0), errors: o.errors ?? 0,
    errorKinds: [], wallMs: 10, rssBeforeBytes: 80 * MiB, rssAfterBytes: 80 * MiB + (o.connections ?? 100) * (o.perConnectionBytes ?? 8000),
    perConnectionBytes: o.perConnectionBytes ?? 8000, notes: [],
  };
  const share: NdjsonCodecShare = { message: 'fixture', jsonUs: 50 * (o.jsonShare ?? 0.05), textUs: 1, roundTripP50Us: 50, jsonShare: o.jsonShare ?? 0.05, textShare: 0.02 };
  const hostRss: HostRssResults = {
    model: 'tiny', modelBytes: 1, notes: [], reduction: o.reduction ?? 0.36,
    rows: [
      { adapter: 'in-process', design: 'in-process', hostPid: 1, hostRssBytes: 100 * MiB, hostRssAnonBytes: null, hostRssFileBytes: null, hostHeapUsedBytes: 1, embedderRssBytes: null },
      { adapter: 'reference', design: 'external', hostPid: 2, hostRssBytes: 100 * MiB * (1 - (o.reduction ?? 0.36)), hostRssAnonBytes: null, hostRssFileBytes: null, hostHeapUsedBytes: 1, embedderRssBytes: 5 },
    ],
  };
  const r: Omit<BenchResult, 'targets'> = {
    transports: { peer: 'fixture', pings: [], transfers: [], transferFrameLimitBytes: 1, notes: [], ndjsonCodecShare: share, connections },
    isolation: { models: [], rows: [], ratios: [], adapterPings: [], notes: [], hostRss },
    environment: {
      node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'fixture', totalMemBytes: 1, nodeLlamaCpp: 'n/a', gauntlet: '0',
      loadavgBefore: [0, 0, 0], loadavgAfter: [0, 0, 0], quick: true, durationMs: 1, startedAt: '2025-01-15T10:00:00.000Z',
    },
    skipped: [],
  };
  return { targets: buildTargets(r), ...r };
}

describe('the four claims from these figures', () => {
  const verdict = (b: BenchResult, id: string) => evaluateClaims(CLAIMS.filter((c) => c.id === id), [benchScenarioResult(b)], ['a'])[0]!;

  it('carries the figures into the claims\' keys, the targets, the console text and the report section', () => {
    const b = fixture({});
    expect(benchClaimMetrics(b)).toMatchObject({
      'bench.transport.perConnectionBytes.max': 8000, 'bench.uds.connections': 100, 'bench.uds.connectionErrors': 0,
      'bench.codec.ndjsonCodecShare': 0.05, 'bench.codec.textEncodingShare': 0.02, 'bench.isolation.hostRssReduction': 0.36,
    });
    expect(b.targets.filter((t) => t.id !== 'control-rtt-uds-p50').map((t) => `${t.id} ${t.pass ? 'PASS' : 'MISS'}`)).toEqual([
      'uds-per-connection-memory PASS', 'uds-concurrent-connection-errors PASS', 'ndjson-json-share MISS', 'host-rss-reduction MISS',
    ]);
    const text = formatSections(b);
    expect(text).toMatch(/Connection stress: 100 concurrent Unix-socket connections/);
    expect(text).toMatch(/JSON stringify\+parse 2\.5 us \(5\.0%\)/);
    expect(text).toMatch(/Host RSS per design \(tiny model, 1 bytes\): reduction 36\.0%/);
    const section = benchReportSection(b) as Record<string, unknown> & { targets: Array<{ name: string }> };
    expect(section.targets.map((t) => t.name)).toEqual(expect.arrayContaining([expect.stringMatching(/server memory per open Unix-socket connection/)]));
    expect((section.transports as { connections: ConnectionResults }).connections.errors).toBe(0);
    expect((section.isolation as { hostRss: HostRssResults }).hostRss.reduction).toBe(0.36);
  });

  it('ipc-100-concurrent-connections: pass with 0 errors, fail with errors, inconclusive under 100 connections', () => {
    expect(verdict(fixture({}), 'ipc-100-concurrent-connections').verdict).toBe('pass');
    expect(verdict(fixture({ errors: 10 }), 'ipc-100-concurrent-connections').verdict).toBe('fail');
    expect(verdict(fixture({ connections: 50 }), 'ipc-100-concurrent-connections').verdict).toBe('inconclusive');
    expect(fixture({ connections: 50 }).targets.find((t) => t.id === 'uds-concurrent-connection-errors')).toMatchObject({ value: null, pass: false });
  });

  it('ipc-per-connection-under-1mb, host-rss-reduction-over-80pct and thesis-json-serialisation-30pct decide both ways', () => {
    expect(verdict(fixture({ perConnectionBytes: 8000 }), 'ipc-per-connection-under-1mb').verdict).toBe('pass');
    expect(verdict(fixture({ perConnectionBytes: 2_000_000 }), 'ipc-per-connection-under-1mb').verdict).toBe('fail');
    expect(verdict(fixture({ reduction: 0.36 }), 'host-rss-reduction-over-80pct').verdict).toBe('fail');
    expect(verdict(fixture({ reduction: 0.95 }), 'host-rss-reduction-over-80pct').verdict).toBe('pass');
    expect(verdict(fixture({ jsonShare: 0.05 }), 'thesis-json-serialisation-30pct').verdict).toBe('fail');
    expect(verdict(fixture({ jsonShare: 0.31 }), 'thesis-json-serialisation-30pct').verdict).toBe('pass');
  });
});
