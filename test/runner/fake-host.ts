/**
 * A HostHandle around a real process (fixtures/fake-host.mjs) that spawns a real child "embedder": enough for the
 * runner's tracking, timeout and cleanup paths without a model. Embedding calls are not supported.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { HostCloseResult, HostExit, HostHandle } from '../../harness/host/types.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-host.mjs');

export const FAKE_ADAPTER: ResolvedAdapter = {
  name: 'fake', config: { kind: 'in-process' }, model: '/nonexistent.gguf', lanes: 1, threads: 1, normalize: false,
  requestTimeoutMs: 1000, startTimeoutMs: 1000, maxBatch: 10, maxFrameBytes: 65536,
};

export async function startFakeHost(mode: 'normal' | 'leak-embedder' = 'normal'): Promise<HostHandle & { embedder: number }> {
  const child = spawn(process.execPath, [SCRIPT, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const em = new EventEmitter();
  let exit: HostExit | undefined;
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const t0 = Date.now();
  const exited = new Promise<HostExit>((resolve) => child.once('exit', (code, signal) => {
    exit = { code, signal, stderrTail: stderr, durationMs: Date.now() - t0 };
    em.emit('exit', exit);
    resolve(exit);
  }));
  const embedder = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('fake host did not report its embedder in 5 s')), 5000);
    child.stdout!.once('data', (d: Buffer) => { clearTimeout(t); resolve(JSON.parse(d.toString()).embedder); });
  });
  const unsupported = () => Promise.reject(new Error('fake host: not supported'));
  const handle = {
    pid: child.pid!, embedder, adapter: FAKE_ADAPTER, info: undefined, exited,
    get alive() { return exit === undefined; },
    start: async () => ({ dims: 0, model: 'fake' }), embed: unsupported, embedBatch: unsupported, ping: unsupported, memory: unsupported,
    embedderPid: async () => embedder, embedderStats: async () => undefined,
    on(e: string, l: (d: unknown) => void) { em.on(e, l); return handle; },
    off(e: string, l: (d: unknown) => void) { em.off(e, l); return handle; },
    kill: (signal: NodeJS.Signals = 'SIGTERM') => (exit ? false : child.kill(signal)),
    async close(): Promise<HostCloseResult> {
      if (exit) return { ...exit, how: 'already-exited' };
      child.kill('SIGTERM');
      const e = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]);
      if (e) return { ...e, how: 'SIGTERM' };
      child.kill('SIGKILL');
      return { ...(await exited), how: 'SIGKILL' };
    },
  } as unknown as HostHandle & { embedder: number };
  // Report the embedder as a real host does: a lifecycle event with its pid.
  setImmediate(() => em.emit('lifecycle', { type: 'spawn', at: Date.now(), pid: embedder }));
  return handle;
}
