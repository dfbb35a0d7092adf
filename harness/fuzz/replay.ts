/**
 * Replays a saved fuzz case against an adapter: a fresh host, the case's bytes written to the embedder's stream
 * (process adapters, through the host's raw write hook) or sent as a raw request (http adapters), then a probe.
 * Says whether the embedder died, how, and whether the bytes are still what the seed and indices make.
 */
import type { LifecycleEvent, ResolvedAdapter } from '../adapters/types.ts';
import { startHost } from '../host/host-handle.ts';
import { sleep } from '../util/deadline.ts';
import { toError } from '../util/errors.ts';
import type { FuzzCase } from './cases.ts';
import { fuzzHttpRequest } from './http-requests.ts';
import { sendRawHttp } from './http-send.ts';
import { fuzzFrame } from './protocol-frames.ts';

export interface ReplayResult {
  adapter: string;
  /** The embedder died after the bytes. */
  reproduced: boolean;
  death?: { reason: string; signal: string | null; exitCode: number | null };
  /** The probe after the bytes: 'answered', or the error it got. */
  probe: string;
  /** Whether fuzzFrame / fuzzHttpRequest(seed, index, options) still make exactly these bytes. */
  bytesMatchSeed: boolean;
  /** http: how the server answered the replayed request. */
  httpStatus?: string;
}

/** The bytes the seed and indices make today (a generator change shows up as a mismatch). */
export function regenerate(fc: FuzzCase): Buffer {
  if (fc.wire === 'http') throw new Error('http requests carry the server address: compare without the Host header');
  return Buffer.concat(fc.indices.map((i) => fuzzFrame(fc.seed, i, { codec: fc.wire as 'msgpack' | 'ndjson', ...fc.options }).bytes));
}

function sameHttpBytes(fc: FuzzCase, host: string, port: number): boolean {
  // The Host header names the server the case was recorded against: rebuild with that address.
  const recorded = Buffer.from(fc.bytes, 'base64').toString('latin1');
  const m = /\r\nHost: ([^\r]+):(\d+)\r\n/.exec(recorded);
  const h = m ? m[1]! : host;
  const p = m ? Number(m[2]) : port;
  const again = Buffer.concat(fc.indices.map((i) => fuzzHttpRequest(fc.seed, i, { host: h, port: p, maxBodyBytes: fc.options.maxFrameBytes, maxBatch: fc.options.maxBatch }).bytes));
  return again.equals(Buffer.from(fc.bytes, 'base64'));
}

export async function replayCase(fc: FuzzCase, adapter: ResolvedAdapter, opts: { waitMs?: number } = {}): Promise<ReplayResult> {
  const kind = adapter.config.kind;
  if (kind === 'in-process') throw new Error(`adapter ${adapter.name} is in-process: it has no wire to replay bytes on`);
  if ((fc.wire === 'http') !== (kind === 'http')) throw new Error(`the case was recorded on ${fc.wire}; adapter ${adapter.name} is ${kind}`);
  if (kind === 'process' && (adapter.config as { codec: string }).codec !== fc.wire) throw new Error(`the case holds ${fc.wire} frames; adapter ${adapter.name} speaks ${(adapter.config as { codec: string }).codec}`);
  const waitMs = opts.waitMs ?? 3000;
  const host = await startHost(adapter, { deferStart: true });
  const events: LifecycleEvent[] = [];
  host.on('lifecycle', (e) => events.push(e));
  try {
    await host.start();
    await host.embed('fuzz replay warm-up', { timeoutMs: 10_000 });
    const bytes = Buffer.from(fc.bytes, 'base64');
    const mark = events.length;
    let httpStatus: string | undefined;
    let bytesMatchSeed: boolean;
    if (kind === 'http') {
      const base = events.map((e) => e.baseUrl).find((u): u is string => typeof u === 'string') ?? (adapter.config as { baseUrl?: string }).baseUrl;
      if (!base) throw new Error(`adapter ${adapter.name} named no server address`);
      const url = new URL(base);
      const h = url.hostname.replace(/^\[|\]$/g, '');
      const port = Number(url.port || 80);
      bytesMatchSeed = sameHttpBytes(fc, h, port);
      httpStatus = await sendRawHttp(h, port, { bytes });
    } else {
      bytesMatchSeed = regenerate(fc).equals(bytes);
      await host.writeRaw(bytes);
    }
    const end = performance.now() + waitMs;
    while (performance.now() < end && !events.slice(mark).some((e) => e.type === 'crash')) await sleep(20);
    const probe = await host.embed('fuzz replay probe', { timeoutMs: 10_000 }).then(() => 'answered', (e: unknown) => toError(e).message);
    const crash = events.slice(mark).find((e) => e.type === 'crash');
    return {
      adapter: adapter.name, reproduced: crash !== undefined, probe, bytesMatchSeed,
      ...(crash ? { death: { reason: String(crash.reason ?? 'exit'), signal: typeof crash.signal === 'string' ? crash.signal : null, exitCode: typeof crash.exitCode === 'number' ? crash.exitCode : null } } : {}),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    };
  } finally {
    await host.close().catch(() => {});
  }
}
