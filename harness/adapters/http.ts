/**
 * The http adapter: an OpenAI-compatible `/v1/embeddings` server. Either external (`baseUrl`), or started by
 * the adapter (`command`), then polled on its readiness URL until a deadline. A started server is killed with
 * the host. There is no restart: a dead server makes calls fail with GAUNTLET_EMBEDDER_CRASHED.
 */
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import { sleep, withDeadline } from '../util/deadline.ts';
import { LifecycleEmitter, normalizeInPlace } from './emitter.ts';
import { httpEmbed, httpHealth } from '../transport/http-client.ts';
import { getOk } from './http-ready.ts';
import { HttpServerProcess } from './http-server.ts';
import { substituteArgs } from './substitute.ts';
import type { EmbedCallOptions, EmbedderClient, HttpAdapterConfig, LifecycleListener, ResolvedAdapter, StartInfo } from './types.ts';

const POLL_MS = 50;

export class HttpClient implements EmbedderClient {
  readonly kind = 'http' as const;
  readonly name: string;
  private readonly events = new LifecycleEmitter();
  private readonly config: HttpAdapterConfig;
  private server: HttpServerProcess | undefined;
  private baseUrl: string | undefined;
  private closed = false;

  constructor(private readonly resolved: ResolvedAdapter) {
    this.name = resolved.name;
    this.config = resolved.config as HttpAdapterConfig;
  }

  async start(): Promise<StartInfo> {
    const c = this.config;
    const deadlineMs = c.readyTimeoutMs ?? this.resolved.startTimeoutMs;
    const t0 = performance.now();
    const end = Date.now() + deadlineMs;
    if (c.command) {
      const port = c.baseUrl ? new URL(c.baseUrl).port : '0';
      const r = this.resolved;
      const argv = substituteArgs(c.command, { model: r.model, port, lanes: r.lanes, threads: r.threads, maxBatch: r.maxBatch, maxFrameBytes: r.maxFrameBytes });
      this.server = new HttpServerProcess({ argv, ...(c.env ? { env: c.env } : {}), ...(c.cwd ? { cwd: c.cwd } : {}) });
      const pid = this.server.proc.pid;
      this.events.emit('spawn', { pid, attempt: 1, command: argv });
      void this.server.proc.exited.then((exit) => {
        if (!this.closed) this.events.emit('crash', { pid, reason: 'exit', exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.server?.proc.stderrTail() ?? '' });
      });
      if (!c.baseUrl) {
        const line = await withDeadline(Promise.race([this.server.readyLine, this.server.exitedAsError()]), deadlineMs, `the http server's {"ready":true,"port":N} line`);
        if (line.port === undefined) {
          throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${this.name}: no baseUrl, and the server's ready line names no port; set baseUrl`);
        }
        this.baseUrl = `http://127.0.0.1:${line.port}`;
      }
    }
    this.baseUrl ??= c.baseUrl;
    if (!this.baseUrl) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${this.name}: an http adapter needs baseUrl or command`);
    const readyUrl = c.readyUrl ?? new URL('/health', this.baseUrl).href;
    await this.pollReady(readyUrl, end);
    const [probe] = await this.post(['dims probe'], { timeoutMs: Math.max(1_000, end - Date.now()) });
    const info: StartInfo = { dims: probe!.length, model: c.modelName ?? this.resolved.model };
    this.events.emit('ready', { pid: this.server?.pid, attempt: 1, startMs: performance.now() - t0, dims: info.dims, model: info.model, baseUrl: this.baseUrl });
    return info;
  }

  private async pollReady(url: string, end: number): Promise<void> {
    let last = '';
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) {
        throw new GauntletError('GAUNTLET_TIMEOUT', `${url} was not ready before the deadline${last ? ` (last: ${last})` : ''}`, {
          details: { stderrTail: this.server?.proc.stderrTail() ?? '' },
        });
      }
      if (this.server && !this.server.proc.alive) await this.server.exitedAsError();
      try {
        const timeoutMs = Math.min(left, 2_000);
        if (this.config.readyUrl) {
          await getOk(url, { timeoutMs });
          return;
        }
        const state = await httpHealth(this.baseUrl!, { timeoutMs });
        if (state === 'ok') return;
        last = `${url} says the model is loading`;
      } catch (e) {
        last = (e as Error).message;
      }
      await sleep(Math.min(POLL_MS, Math.max(0, end - Date.now())));
    }
  }

  private callOpts(opts: EmbedCallOptions = {}) {
    return {
      timeoutMs: opts.timeoutMs ?? this.resolved.requestTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(this.config.modelName ? { model: this.config.modelName } : { model: path.basename(this.resolved.model) }),
    };
  }

  private url(): string {
    if (this.closed) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.name} is closed`);
    if (!this.baseUrl) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `adapter ${this.name} is not started: call start() first`);
    return this.baseUrl;
  }

  /** httpEmbed, with a connection failure of a server we started (and saw exit) reported as a crash. */
  private async post(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]> {
    try {
      return await httpEmbed(this.url(), texts, this.callOpts(opts));
    } catch (e) {
      // A refused connection usually arrives before the exit event of a server that just died: wait a moment for it.
      const exit = this.server && !this.closed && (e as GauntletError).code === 'GAUNTLET_CLOSED' ? await this.server.proc.waitExit(250) : this.server?.proc.exit;
      if (exit && !this.closed) {
        throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `the http server (pid ${this.server!.proc.pid}) is gone (${exit.signal ?? `exit code ${exit.exitCode}`})`, {
          cause: e,
          details: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.server!.proc.stderrTail() },
        });
      }
      throw e;
    }
  }

  async embed(text: string, opts?: EmbedCallOptions): Promise<Float32Array> {
    const [v] = await this.post([text], opts);
    return this.resolved.normalize ? normalizeInPlace(v!) : v!;
  }

  async embedBatch(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]> {
    const vs = await this.post(texts, opts);
    return this.resolved.normalize ? vs.map(normalizeInPlace) : vs;
  }

  async ping(opts?: EmbedCallOptions): Promise<number> {
    const o = this.callOpts(opts);
    if (this.config.readyUrl) return getOk(this.config.readyUrl, o);
    const t0 = performance.now();
    await httpHealth(this.url(), o);
    return performance.now() - t0;
  }

  embedderPid(): number | undefined {
    return this.server?.pid;
  }

  async embedderStats(): Promise<undefined> {
    return undefined;
  }

  on(_event: 'lifecycle', listener: LifecycleListener): void {
    this.events.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.server) {
      const r = await this.server.stop();
      this.events.emit('shutdown', { pid: this.server.proc.pid, how: r.how, exitCode: r.exit?.exitCode ?? null, signal: r.exit?.signal ?? null });
    }
  }
}
