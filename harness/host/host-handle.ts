/**
 * The orchestrator's side of a host process: forks harness/host/host-main.ts with an IPC channel and drives it.
 * Every call has a deadline; when the host dies, pending calls reject with GAUNTLET_HOST_DIED carrying its signal.
 * Hosts are SIGKILLed when the orchestrator exits, and embedders the host reported are reaped if they outlive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { EmbedderStats, ResolvedAdapter, StartInfo } from '../adapters/types.ts';
import { GauntletError, hostDiedError, timeoutError } from '../util/errors.ts';
import { TailBuffer } from '../util/tail-buffer.ts';
import { nodeEntryArgs } from '../util/bundle.ts';
import { watchHostPid, unwatchHostPid, reapOrphans } from './host-reaper.ts';
import type {
  HostBootConfig, HostCallOptions, HostCloseResult, HostErrorPayload, HostEventMap, HostExit, HostHandle, HostIpcStats, HostMemory,
  HostOp, HostReply, HostRequest, StartHostOptions,
} from './types.ts';

const HOST_MAIN_REL = 'harness/host/host-main.ts';
/** Extra time the orchestrator waits past an adapter-side deadline, so the adapter's own typed error wins. */
const DEADLINE_GRACE_MS = 2_000;
const BOOT_TIMEOUT_MS = 15_000;

interface Pending {
  op: HostOp;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

class ForkedHost extends EventEmitter implements HostHandle {
  readonly pid: number;
  readonly exited: Promise<HostExit>;
  info: StartInfo | undefined;
  private exit: HostExit | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly tail = new TailBuffer(8192);
  private readonly embedderPids = new Set<number>();
  private closing: Promise<HostCloseResult> | undefined;
  readonly hello: Promise<void>;

  constructor(readonly adapter: ResolvedAdapter, private readonly child: ChildProcess, private readonly opts: StartHostOptions) {
    super();
    if (child.pid === undefined) throw new GauntletError('GAUNTLET_INTERNAL', 'host process has no pid (spawn failed)');
    this.pid = child.pid;
    watchHostPid(this.pid);
    const t0 = performance.now();
    child.stderr?.on('data', (d: Buffer) => this.tail.push(d));
    child.stdout?.on('data', (d: Buffer) => this.tail.push(d));
    let onHello: () => void = () => {};
    this.hello = new Promise((resolve) => (onHello = resolve));
    child.on('message', (raw) => this.onMessage(raw as HostReply, onHello));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        // Let the last stderr chunks arrive before freezing the tail.
        setTimeout(() => {
          const exit: HostExit = { code, signal, stderrTail: this.tail.toString(), durationMs: performance.now() - t0 };
          this.exit = exit;
          unwatchHostPid(this.pid);
          for (const [id, p] of this.pending) this.settle(id, p, () => p.reject(hostDiedError(p.op, exit)));
          this.emit('exit', exit);
          void reapOrphans([...this.embedderPids], opts.orphanGraceMs ?? 2_000).then((r) => {
            if (r.reaped.length > 0 || r.goneByThemselves.length > 0) this.emit('lifecycle', { type: 'embedder-after-host-exit', at: Date.now(), ...r });
          });
          resolve(exit);
        }, 20);
      });
    });
    child.on('error', (e) => this.tail.push(`\n[host spawn error] ${e.message}\n`));
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  private onMessage(msg: HostReply, onHello: () => void): void {
    switch (msg.kind) {
      case 'hello':
        onHello();
        return;
      case 'lifecycle': {
        const pid = msg.event.pid;
        if (typeof pid === 'number' && pid !== this.pid) this.embedderPids.add(pid);
        this.emit('lifecycle', msg.event);
        return;
      }
      case 'error':
        this.emit('error-report', msg.error);
        if (this.listenerCount('error') > 0) this.emit('error', msg.error);
        return;
      case 'reply': {
        const p = this.pending.get(msg.id);
        if (!p) return;
        if (msg.ok) this.settle(msg.id, p, () => p.resolve(msg.result));
        else this.settle(msg.id, p, () => p.reject(fromPayload(msg.error)));
      }
    }
  }

  private settle(id: number, p: Pending, fn: () => void): void {
    if (!this.pending.delete(id)) return;
    clearTimeout(p.timer);
    p.cleanup();
    fn();
  }

  call<T>(op: HostOp, args: HostRequest['args'], opts: HostCallOptions = {}, defaultTimeoutMs?: number): Promise<T> {
    if (this.exit) return Promise.reject(hostDiedError(op, this.exit));
    if (opts.signal?.aborted) return Promise.reject(new GauntletError('GAUNTLET_CLOSED', `host ${op} was aborted`));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs !== undefined
      ? opts.timeoutMs + DEADLINE_GRACE_MS
      : (defaultTimeoutMs ?? this.opts.callTimeoutMs ?? this.adapter.requestTimeoutMs + DEADLINE_GRACE_MS);
    const request: HostRequest = { id, op, args: { ...args, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) } };
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const p = this.pending.get(id);
        if (p) this.settle(id, p, () => reject(new GauntletError('GAUNTLET_CLOSED', `host ${op} was aborted`, { cause: opts.signal?.reason })));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p) this.settle(id, p, () => reject(timeoutError(`host ${op} (pid ${this.pid})`, timeoutMs)));
      }, timeoutMs);
      this.pending.set(id, {
        op, timer, reject, resolve: resolve as (v: unknown) => void,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      try {
        this.child.send(request, (err) => {
          const p = this.pending.get(id);
          if (err && p) this.settle(id, p, () => reject(new GauntletError('GAUNTLET_CLOSED', `could not send ${op} to host: ${err.message}`, { cause: err })));
        });
      } catch (e) {
        const p = this.pending.get(id);
        if (p) this.settle(id, p, () => reject(new GauntletError('GAUNTLET_CLOSED', `could not send ${op} to host`, { cause: e })));
      }
    });
  }

  async start(opts: HostCallOptions = {}): Promise<StartInfo> {
    const deadline = this.opts.startTimeoutMs ?? this.adapter.startTimeoutMs + 10_000;
    // The adapter's failed attempts, so that a start the host's deadline ends still says why it did not succeed.
    const failed: Array<{ message?: unknown; code?: unknown }> = [];
    const onEvent = (ev: { type?: string; message?: unknown; code?: unknown }) => { if (ev.type === 'start-failed') failed.push(ev); };
    this.on('lifecycle', onEvent as never);
    try {
      this.info = await this.call<StartInfo>('start', {}, { signal: opts.signal }, opts.timeoutMs ?? deadline);
    } catch (e) {
      const last = failed.at(-1);
      if (e instanceof GauntletError && e.code === 'GAUNTLET_TIMEOUT' && last && typeof last.message === 'string') {
        throw new GauntletError('GAUNTLET_TIMEOUT', `${e.message}; the adapter's start failed ${failed.length} time(s) meanwhile (restarted within supervisor.restart), the last with: ${last.message}`, { cause: e, details: { ...e.details, startFailures: failed.length } });
      }
      throw e;
    } finally {
      this.off('lifecycle', onEvent as never);
    }
    return this.info;
  }
  embed(text: string, opts?: HostCallOptions): Promise<Float32Array> {
    return this.call('embed', { text }, opts);
  }
  embedBatch(texts: string[], opts?: HostCallOptions): Promise<Float32Array[]> {
    return this.call('embed-batch', { texts }, opts);
  }
  ping(opts?: HostCallOptions): Promise<number> {
    return this.call('ping', {}, opts);
  }
  memory(opts: { gc?: boolean } & HostCallOptions = {}): Promise<HostMemory> {
    return this.call('memory', { gc: opts.gc === true }, { signal: opts.signal }, opts.timeoutMs ?? 10_000);
  }
  async embedderPid(opts?: HostCallOptions): Promise<number | undefined> {
    const pid = await this.call<number | null>('embedder-pid', {}, opts, 10_000);
    if (typeof pid === 'number') this.embedderPids.add(pid);
    return pid ?? undefined;
  }
  async embedderStats(opts?: HostCallOptions): Promise<EmbedderStats | undefined> {
    return (await this.call<EmbedderStats | null>('embedder-stats', {}, opts)) ?? undefined;
  }

  ipcStats(opts?: HostCallOptions): Promise<HostIpcStats> {
    return this.call('ipc-stats', {}, opts, 10_000);
  }

  writeRaw(bytes: Uint8Array, opts?: HostCallOptions): Promise<boolean> {
    return this.call('write-raw', { bytes: Buffer.from(bytes).toString('base64') }, opts, 10_000);
  }
  async closeInput(opts?: HostCallOptions): Promise<void> {
    await this.call('close-input', {}, opts, 10_000);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    if (this.exit) return false;
    try {
      return this.child.kill(signal);
    } catch {
      return false;
    }
  }

  close(opts: { deadlineMs?: number; killAfterMs?: number } = {}): Promise<HostCloseResult> {
    return (this.closing ??= this.doClose(opts.deadlineMs ?? 8_000, opts.killAfterMs ?? 2_000));
  }

  private async doClose(deadlineMs: number, killAfterMs: number): Promise<HostCloseResult> {
    if (this.exit) return { ...this.exit, how: 'already-exited' };
    const within = (ms: number) => Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
    this.call('close', {}, {}, deadlineMs).catch(() => {});
    if (await within(deadlineMs)) return { ...(await this.exited), how: 'graceful' };
    this.kill('SIGTERM');
    if (await within(killAfterMs)) return { ...(await this.exited), how: 'SIGTERM' };
    this.kill('SIGKILL');
    return { ...(await this.exited), how: 'SIGKILL' };
  }

  override on<E extends keyof HostEventMap>(event: E, listener: (data: HostEventMap[E]) => void): this {
    return super.on(event === 'error' ? 'error-report' : event, listener as (...a: unknown[]) => void);
  }
  override off<E extends keyof HostEventMap>(event: E, listener: (data: HostEventMap[E]) => void): this {
    return super.off(event === 'error' ? 'error-report' : event, listener as (...a: unknown[]) => void);
  }
}

function fromPayload(p: HostErrorPayload): GauntletError {
  return new GauntletError(p.code as GauntletError['code'], p.message, { details: p.details ?? {} });
}

/**
 * Forks a host for one adapter, waits for it to boot and (unless deferStart) starts the adapter.
 * On any failure the host is killed before the promise rejects.
 */
export async function startHost(adapter: ResolvedAdapter, opts: StartHostOptions = {}): Promise<HostHandle> {
  const boot: HostBootConfig = { adapter };
  const entry = nodeEntryArgs(HOST_MAIN_REL); // [...loader flags, script]
  const nodeArgs = [...entry.slice(0, -1), '--expose-gc', ...(opts.execArgv ?? []), entry[entry.length - 1]!, JSON.stringify(boot)];
  const [cmd, ...cmdArgs] = opts.wrapper && opts.wrapper.length > 0 ? [...opts.wrapper, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
  const child = spawn(cmd!, cmdArgs, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, ...(opts.env ?? {}) },
  });
  const host = new ForkedHost(adapter, child, opts);
  try {
    const booted = await Promise.race([
      host.hello.then(() => 'hello' as const),
      host.exited.then(() => 'exit' as const),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), BOOT_TIMEOUT_MS).unref()),
    ]);
    if (booted === 'exit') throw hostDiedError('boot', await host.exited);
    if (booted === 'timeout') throw timeoutError(`host boot (pid ${host.pid})`, BOOT_TIMEOUT_MS);
    if (!opts.deferStart) await host.start();
    return host;
  } catch (e) {
    await host.close({ deadlineMs: 3_000, killAfterMs: 1_000 });
    throw e;
  }
}
