/**
 * The http adapter: an OpenAI-compatible `/v1/embeddings` server. Either external (`baseUrl` only: polled on its
 * readiness URL until a deadline, never restarted), or started by the adapter (`command`) and then supervised by
 * the same core as a process adapter's embedder (http-supervisor.ts on harness/supervisor/core.ts: crash
 * detection, restarts within a breaker, hang detection by health pings, warm standby, a clear terminal error).
 * A started server is killed with the host.
 */
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import { sleep } from '../util/deadline.ts';
import { LifecycleEmitter, normalizeInPlace } from './emitter.ts';
import { httpEmbed, httpHealth } from '../transport/http-client.ts';
import { getOk } from './http-ready.ts';
import { probeUntilReady } from './http-probe.ts';
import { StartWatch } from './http-start-watch.ts';
import { HttpServerSupervisor } from './http-supervisor.ts';
import { substituteArgs } from './substitute.ts';
import type { EmbedCallOptions, EmbedderClient, HttpAdapterConfig, LifecycleListener, ResolvedAdapter, StartInfo } from './types.ts';

const POLL_MS = 50;

export class HttpClient implements EmbedderClient {
  readonly kind = 'http' as const;
  readonly name: string;
  private readonly events = new LifecycleEmitter();
  private readonly config: HttpAdapterConfig;
  /** Set when the adapter starts the server itself (`command`). */
  readonly supervisor: HttpServerSupervisor | undefined;
  private baseUrl: string | undefined;
  private closed = false;

  constructor(private readonly resolved: ResolvedAdapter) {
    this.name = resolved.name;
    this.config = resolved.config as HttpAdapterConfig;
    const c = this.config;
    if (c.command) {
      const r = resolved;
      this.supervisor = new HttpServerSupervisor({
        name: r.name,
        command: substituteArgs(c.command, { model: r.model, lanes: r.lanes, threads: r.threads, maxBatch: r.maxBatch, maxFrameBytes: r.maxFrameBytes }),
        port: c.baseUrl ? new URL(c.baseUrl).port : '0',
        ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
        ...(c.freePort ? { freePort: true } : {}),
        ...(c.readyUrl ? { readyUrl: c.readyUrl } : {}),
        ...(c.env ? { env: c.env } : {}),
        ...(c.cwd ? { cwd: c.cwd } : {}),
        readyTimeoutMs: c.readyTimeoutMs ?? r.startTimeoutMs,
        requestTimeoutMs: r.requestTimeoutMs,
        modelPath: c.modelName ?? r.model,
        ...(c.supervisor ? { tuning: c.supervisor } : {}),
        probe: async (baseUrl, timeoutMs) => (await httpEmbed(baseUrl, ['dims probe'], { ...this.callOpts({ timeoutMs }) }))[0]!.length,
        events: this.events,
      });
    }
  }

  async start(): Promise<StartInfo> {
    if (this.closed) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.name} is closed`);
    const model = this.config.modelName ?? this.resolved.model;
    if (this.supervisor) return { dims: await this.supervisor.start(), model };
    const c = this.config;
    const deadlineMs = c.readyTimeoutMs ?? this.resolved.startTimeoutMs;
    const t0 = performance.now();
    const end = Date.now() + deadlineMs;
    if (!c.baseUrl) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${this.name}: an http adapter needs baseUrl or command`);
    this.baseUrl = c.baseUrl;
    const readyUrl = c.readyUrl ?? new URL('/health', this.baseUrl).href;
    await this.pollReady(readyUrl, end);
    // Ready at the first good embedding: a 503, a refused connection or "loading" on the probe is waited out.
    const hrEnd = performance.now() + (end - Date.now());
    const { dims } = await probeUntilReady({ probe: async (timeoutMs) => (await this.post(['dims probe'], { timeoutMs }))[0]!.length, end: hrEnd, what: this.baseUrl });
    const info: StartInfo = { dims, model };
    this.events.emit('ready', { pid: undefined, attempt: 1, startMs: performance.now() - t0, dims: info.dims, model: info.model, baseUrl: this.baseUrl });
    return info;
  }

  private async pollReady(url: string, end: number): Promise<void> {
    const watch = new StartWatch(this.name, this.baseUrl!, url, this.config.readyUrl !== undefined);
    let last = '';
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) {
        throw new GauntletError('GAUNTLET_TIMEOUT', `${url} was not ready before the deadline${last ? ` (last: ${last})` : ''}${watch.atDeadline()}`, {
        });
      }
      try {
        const timeoutMs = Math.min(left, 2_000);
        if (this.config.readyUrl) {
          await getOk(url, { timeoutMs });
          return;
        }
        const state = await httpHealth(this.baseUrl!, { timeoutMs });
        if (state === 'ok') return;
        last = `${url} says the model is loading`;
        watch.answered(undefined);
      } catch (e) {
        last = (e as Error).message;
        watch.answered(e);
      }
      watch.check(); // a 404 route or nothing listening at baseUrl: the start ends now, naming the fix
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

  /** httpEmbed against the external server, or through the supervisor against the live server it runs. */
  private post(texts: string[], opts: EmbedCallOptions = {}): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new GauntletError('GAUNTLET_CLOSED', `adapter ${this.name} is closed`));
    const o = this.callOpts(opts);
    if (!this.supervisor) return httpEmbed(this.url(), texts, o);
    return this.supervisor.call((baseUrl, timeoutMs) => httpEmbed(baseUrl, texts, { ...o, timeoutMs }), o.timeoutMs, opts.signal);
  }

  async embed(text: string, opts?: EmbedCallOptions): Promise<Float32Array> {
    const [v] = await this.post([text], opts);
    return this.resolved.normalize ? normalizeInPlace(v!) : v!;
  }

  async embedBatch(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]> {
    const vs = await this.post(texts, opts);
    return this.resolved.normalize ? vs.map(normalizeInPlace) : vs;
  }

  async ping(opts: EmbedCallOptions = {}): Promise<number> {
    if (this.closed) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.name} is closed`);
    const o = this.callOpts(opts);
    const once = async (baseUrl: string, timeoutMs: number): Promise<number> => {
      if (this.config.readyUrl) return getOk(this.config.readyUrl, { ...o, timeoutMs });
      const t0 = performance.now();
      await httpHealth(baseUrl, { ...o, timeoutMs });
      return performance.now() - t0;
    };
    if (!this.supervisor) return once(this.url(), o.timeoutMs);
    return this.supervisor.call(once, o.timeoutMs, opts.signal);
  }

  embedderPid(): number | undefined {
    return this.supervisor?.pid;
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
    await this.supervisor?.stop();
  }
}
