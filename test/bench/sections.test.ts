/** Each benchmark section at tiny sizes: the shape of its output, real peer processes, nothing left running. */
import { describe, expect, it } from 'vitest';
import { benchCodecs, CODEC_VARIANTS } from '../../harness/bench/codecs.ts';
import { benchTransports, transferFrameLimit } from '../../harness/bench/transports.ts';
import { startPeer, makePayload } from '../../harness/bench/peer-client.ts';
import { quantile, median } from '../../harness/bench/stats.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';

describe('stats', () => {
  it('interpolates quantiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});

describe('benchCodecs', () => {
  it('measures every codec on both payloads and relates them to msgpack-bin', async () => {
    const r = await benchCodecs({ timeMs: 10, dims: 16, batch: 2 });
    expect(r.rows).toHaveLength(CODEC_VARIANTS.length * 2);
    expect(new Set(r.rows.map((x) => x.payload))).toEqual(new Set(['vector16', 'batch2x16']));
    for (const row of r.rows) {
      expect(row.p50Us).toBeGreaterThan(0);
      expect(row.frameBytes).toBeGreaterThan(16);
      if (row.codec === 'msgpack-bin') expect(row.slowdownVsBin).toBe(1);
    }
    // Float32 bytes are the smallest encoding of a vector: 4 bytes a value plus the envelope.
    const bin = r.rows.find((x) => x.codec === 'msgpack-bin' && x.payload === 'vector16')!;
    const nd = r.rows.find((x) => x.codec === 'ndjson' && x.payload === 'vector16')!;
    expect(bin.frameBytes).toBeLessThan(nd.frameBytes);
    expect(Object.keys(r.speedupBinVsNdjson).sort()).toEqual(['batch2x16', 'vector16']);
    expect(r.speedupBinVsNdjson.vector16).toBeGreaterThan(0);
  });
});

describe('echo peers and benchTransports', () => {
  it('a transfer over 64 KiB needs the raised frame limit on both ends', async () => {
    const small = await startPeer({ transport: 'uds', codec: 'msgpack' });
    try {
      await expect(small.transfer(makePayload(70_000))).rejects.toThrow(/over the 65536-byte frame limit/);
      await small.ping(); // the link is still usable
    } finally {
      await small.close();
    }
    expect(isPidAlive(small.pid)).toBe(false);
    expect(transferFrameLimit(10 * 1024 * 1024)).toBe(16 * 1024 * 1024);
  });

  it('measures pings and transfers over each link with separate peer processes, and stops them', async () => {
    const r = await benchTransports({
      pingTimeMs: 10, pipelineMessages: 40, pipelineWindow: 8, transferBytes: [1024, 70_000], transferTimeMs: 10,
      links: [{ transport: 'uds', codec: 'msgpack' }, { transport: 'stdio', codec: 'ndjson' }, { transport: 'stdio', codec: 'raw' }, { transport: 'http', codec: 'msgpack' }],
    });
    expect(r.pings.map((p) => `${p.transport}/${p.codec}`)).toEqual(['uds/msgpack', 'stdio/ndjson', 'stdio/raw', 'http/json-http']);
    for (const p of r.pings) {
      expect(p.p50Us).toBeGreaterThan(0);
      expect(p.pipelinedMsgsPerSec).toBeGreaterThan(0);
    }
    // msgpack sends text and binary; ndjson, raw and HTTP one form each: 5 rows per size.
    expect(r.transfers).toHaveLength(10);
    expect(r.transfers.filter((t) => t.payload === 'binary').map((t) => t.codec).sort()).toEqual(['msgpack', 'msgpack', 'raw', 'raw']);
    expect(r.transfers.filter((t) => t.bytes === 70_000).every((t) => t.p50Ms > 0 && t.samples > 0)).toBe(true);
    expect(r.transferFrameLimitBytes).toBeGreaterThan(70_000);
    expect(r.notes[0]).toMatch(/maxFrameBytes raised to \d+ bytes on both ends/);
  });
});
