/**
 * The fault functions bound to one clock and one listener: a scenario calls `faults.kill(pid, 'SIGKILL')` and the
 * record lands on its timeline with the time it happened. Proxies it opens are closed by `dispose()`.
 */
import type net from 'node:net';
import { killProcess, pauseProcess, resumeProcess, type KillOptions } from './kill.ts';
import { applyMemoryLimit, type MemoryLimitMechanism } from './memory-limit.ts';
import { replaceModelFile, truncateModelFile, type ReplaceMode } from './model-file.ts';
import { createFaultProxy, type FaultProxy, type FaultProxyOptions } from './proxy.ts';
import type { Direction, ToxicSpec } from './toxics.ts';
import type { FaultClock, FaultRecord } from './types.ts';

export interface FaultInjector {
  kill(pid: number, signal: NodeJS.Signals, opts?: Omit<KillOptions, 'clock'>): Promise<FaultRecord>;
  pause(pid: number, opts?: { waitMs?: number }): Promise<FaultRecord>;
  resume(pid: number, opts?: { waitMs?: number }): Promise<FaultRecord>;
  memoryLimit(pid: number, bytes: number, mechanism?: MemoryLimitMechanism | 'auto'): Promise<FaultRecord>;
  truncateModel(file: string, toBytes?: number): FaultRecord;
  replaceModel(file: string, content: Uint8Array | { fromFile: string }, mode?: ReplaceMode): FaultRecord;
  /** Closes a socket the scenario holds: `end` sends FIN (half-close), `destroy` drops it. */
  closeSocket(socket: net.Socket, how?: 'end' | 'destroy', label?: string): Promise<FaultRecord>;
  /** Opens a proxy; toxics added through `toxic()` below are recorded. */
  proxy(opts: Omit<FaultProxyOptions, 'clock'>): Promise<FaultProxy>;
  /** Adds a toxic for `forMs` (then removes it) or until the returned `stop()`; the record is emitted at the end. */
  /**
   * Adds a toxic for `forMs` (then removes it) or until the returned `stop()`; the record is emitted at the end.
   * `once`: removed as soon as it has touched the stream (a one-shot fault: garbage or a bogus length prefix must hit
   * the connection under test, not every reconnection the recovery makes after it).
   */
  toxic(proxy: FaultProxy, spec: ToxicSpec, opts?: { direction?: Direction | 'both'; forMs?: number; once?: boolean }): Promise<{ stop(): FaultRecord }>;
  closeSide(proxy: FaultProxy, side: 'host' | 'embedder', how?: 'end' | 'destroy'): Promise<FaultRecord>;
  /** Every record so far, in order. */
  readonly records: readonly FaultRecord[];
  dispose(): Promise<void>;
}

export function createFaultInjector(clock: FaultClock, onRecord: (r: FaultRecord) => void = () => {}): FaultInjector {
  const records: FaultRecord[] = [];
  const proxies: FaultProxy[] = [];
  const emit = (r: FaultRecord): FaultRecord => {
    records.push(r);
    onRecord(r);
    return r;
  };
  return {
    records,
    kill: async (pid, signal, opts) => emit(await killProcess(pid, signal, { ...opts, clock })),
    pause: async (pid, opts) => emit(await pauseProcess(pid, { ...opts, clock })),
    resume: async (pid, opts) => emit(await resumeProcess(pid, { ...opts, clock })),
    memoryLimit: async (pid, bytes, mechanism) => emit(await applyMemoryLimit(pid, bytes, { mechanism, clock })),
    truncateModel: (file, toBytes) => emit(truncateModelFile(file, { toBytes, clock })),
    replaceModel: (file, content, mode) => emit(replaceModelFile(file, content, { mode, clock })),
    async closeSocket(socket, how = 'end', label) {
      const at = clock();
      const seen = new Promise<boolean>((resolve) => {
        socket.once(how === 'end' ? 'finish' : 'close', () => resolve(true));
        setTimeout(() => resolve(false), 1000).unref?.();
      });
      if (how === 'end') socket.end();
      else socket.destroy();
      const ok = await seen;
      return emit({ kind: 'close-connection', target: label ?? 'socket', at, proof: { how, observed: ok ? (how === 'end' ? 'finish' : 'close') : null }, tookEffect: ok });
    },
    async proxy(opts) {
      const p = await createFaultProxy({ ...opts, clock });
      proxies.push(p);
      return p;
    },
    async toxic(proxy, spec, opts = {}) {
      const id = proxy.addToxic(spec, opts.direction);
      let done: FaultRecord | undefined;
      let watch: NodeJS.Timeout | undefined;
      const stop = () => {
        if (watch) clearInterval(watch);
        return (done ??= emit(proxy.removeToxic(id)));
      };
      if (opts.once) {
        watch = setInterval(() => {
          if (proxy.toxicRecord(id).tookEffect) stop();
        }, 1);
        watch.unref();
      }
      if (opts.forMs !== undefined) {
        await new Promise((r) => setTimeout(r, opts.forMs));
        stop();
      }
      return { stop };
    },
    closeSide: async (proxy, side, how) => emit(await proxy.closeSide(side, how)),
    async dispose() {
      await Promise.all(proxies.splice(0).map((p) => p.close()));
    },
  };
}
