/**
 * The process adapter: an embedder process speaking the gauntlet protocol over stdio or a Unix socket,
 * run under the supervisor (spawn, initialize, deadlines, restarts, escalating stop).
 */
import type { ConnectionStats } from '../protocol/connection.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { shmClientConnection } from '../transport/shm-connection.ts';
import { loadShmNative } from '../transport/shm-native.ts';
import { GauntletError } from '../util/errors.ts';
import type { ProcessAdapterConfig } from './types.ts';
import { substituteArgs } from './substitute.ts';
import type { EmbedCallOptions, EmbedderClient, EmbedderStats, LifecycleListener, ResolvedAdapter, StartInfo } from './types.ts';

export class ProcessClient implements EmbedderClient {
  readonly kind = 'process' as const;
  readonly name: string;
  readonly supervisor: Supervisor;

  constructor(private readonly resolved: ResolvedAdapter) {
    this.name = resolved.name;
    const c = resolved.config as ProcessAdapterConfig;
    if (c.sharedMemory && (c.transport !== 'uds' || c.codec !== 'msgpack')) {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${resolved.name}.sharedMemory: needs transport "uds" and codec "msgpack" (control messages go over the socket), got ${c.transport} + ${c.codec}`);
    }
    this.sharedMemory = c.sharedMemory === true;
    const command = substituteArgs(c.command, {
      lanes: resolved.lanes, threads: resolved.threads, maxBatch: resolved.maxBatch, maxFrameBytes: resolved.maxFrameBytes,
    });
    this.supervisor = new Supervisor({
      command,
      transport: c.transport,
      codec: c.codec,
      modelPath: resolved.model,
      initOptions: {
        normalize: resolved.normalize,
        lanes: resolved.lanes,
        threads: resolved.threads,
        ...(c.contextSize !== undefined ? { contextSize: c.contextSize } : {}),
      },
      limits: { maxBatch: resolved.maxBatch, maxFrameBytes: resolved.maxFrameBytes, requestTimeoutMs: resolved.requestTimeoutMs },
      readyTimeoutMs: resolved.startTimeoutMs,
      requestTimeoutMs: resolved.requestTimeoutMs,
      ...(c.env ? { env: c.env } : {}),
      ...(c.cwd ? { cwd: c.cwd } : {}),
      ...(c.supervisor ?? {}),
    }, c.sharedMemory ? { connector: (readable, writable, _codec, limits) => shmClientConnection(readable, writable, limits) } : {});
  }

  private readonly sharedMemory: boolean;

  async start(): Promise<StartInfo> {
    if (this.sharedMemory) {
      const shm = loadShmNative();
      if (!shm.ok) throw new GauntletError('GAUNTLET_USAGE', `adapter ${this.name} moves payloads through shared memory, which this machine cannot have: ${shm.reason}`, { details: { notApplicable: shm.reason } });
    }
    const info = await this.supervisor.start();
    return { dims: info.dims, model: info.model, ...(info.contextSize !== undefined ? { contextSize: info.contextSize } : {}) };
  }
  embed(text: string, opts?: EmbedCallOptions): Promise<Float32Array> {
    return this.supervisor.embed(text, opts);
  }
  embedBatch(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]> {
    return this.supervisor.embedBatch(texts, opts);
  }
  ping(opts?: EmbedCallOptions): Promise<number> {
    return this.supervisor.ping(opts);
  }
  embedderPid(): number | undefined {
    return this.supervisor.pid;
  }
  async embedderStats(opts?: EmbedCallOptions): Promise<EmbedderStats> {
    const s = await this.supervisor.stats(opts);
    return { pid: s.pid, rss: s.rss, rssAnon: s.rssAnon, rssFile: s.rssFile, heapUsed: s.heapUsed, requests: s.requests, inFlight: s.inFlight };
  }
  /** Byte counters of the host side of the wire (frame reader buffer, write queue, frame sizes), over every embedder run. */
  ipcStats(): ConnectionStats | undefined {
    return this.supervisor.ipcStats();
  }
  writeRaw(bytes: Uint8Array): boolean {
    return this.supervisor.writeRaw(bytes);
  }
  closeInput(): void {
    this.supervisor.closeInput();
  }
  on(_event: 'lifecycle', listener: LifecycleListener): void {
    this.supervisor.on('lifecycle', listener);
  }
  async close(): Promise<void> {
    await this.supervisor.stop();
  }
}
