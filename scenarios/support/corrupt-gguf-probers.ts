/**
 * What happens when one model file is handed to an implementation, observed from outside, with one reusable
 * process per sweep:
 * - process adapters: the embedder itself, spawned directly and sent one `initialize` per file (a new process
 *   after a file that killed it, hung it, or loaded: a loaded embedder refuses to change models);
 * - in-process: corrupt-gguf-inprocess-child.ts, a bare Node process that loads files as the in-process adapter does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import { nodeEntryArgs } from '../../harness/util/bundle.ts';
import { TailBuffer } from '../../harness/util/tail-buffer.ts';
import { toError } from '../../harness/util/errors.ts';
import { spawnDirect, type DirectEmbedder } from './corrupt-gguf-driver.ts';
import type { InProcessProbeReply, InProcessProbeRequest } from './corrupt-gguf-inprocess-child.ts';

export type FileOutcome =
  /** `message` is what the caller would see; `logs` what the runtime printed beside it (not part of the error). */
  | { kind: 'refused'; code: string; message: string; logs?: string }
  /** `vector`: the probe text's embedding, when the prober sees it (judged against the oracle for engine-specific files). */
  | { kind: 'loaded'; finite: boolean; dims: number; vector?: number[] }
  | { kind: 'died'; signal: string | null; exitCode: number | null; stage: 'load' | 'embed'; stderrTail: string }
  | { kind: 'hang'; waitedMs: number };

export interface FileProber {
  probe(modelPath: string, timeoutMs: number): Promise<FileOutcome>;
  /** Processes started so far (the first one included). */
  readonly spawns: number;
  /** Pids of every process started so far (for proof in notes). */
  readonly pids: readonly number[];
  close(): Promise<void>;
}

/** The text every prober embeds once a file loaded. */
export const PROBE_TEXT = 'corrupt model probe';
const TEXT = PROBE_TEXT;

// ---------------------------------------------------------------- process adapters

export function processProber(adapter: ResolvedAdapter, dir: string, signal: AbortSignal): FileProber {
  let current: DirectEmbedder | undefined;
  // A spare embedder starts while the current one works, so that a file which kills or loads costs no start-up wait.
  let spare: Promise<DirectEmbedder> | undefined;
  const pids: number[] = [];
  const launch = () => {
    const p = spawnDirect(adapter, { dir, signal });
    p.catch(() => undefined);
    return p;
  };
  const get = async (): Promise<DirectEmbedder> => {
    if (current?.alive) return current;
    const next = spare ?? launch();
    spare = undefined;
    current = await next.catch(() => launch()); // a spare that failed to start gets one fresh try
    pids.push(current.pid);
    spare = launch();
    return current;
  };
  const retire = async () => { const c = current; current = undefined; if (c) await c.close(); };
  const closeAll = async () => {
    await retire();
    const s = spare;
    spare = undefined;
    if (s) await s.then((e) => e.close(), () => undefined);
  };
  const initOptions = { normalize: adapter.normalize, lanes: 1, threads: adapter.threads };
  return {
    get spawns() { return pids.length; },
    pids,
    async probe(modelPath, timeoutMs) {
      const e = await get();
      const t0 = performance.now();
      try {
        const r = await e.request({ type: 'initialize', modelPath, options: initOptions }, timeoutMs);
        if (r.type === 'error') return { kind: 'refused', code: r.code, message: r.message };
        if (r.type !== 'initialized') return { kind: 'refused', code: 'unexpected-answer', message: `initialize answered ${r.type}` };
        try {
          const v = await e.request({ type: 'embed', text: TEXT }, timeoutMs);
          if (v.type === 'embedding') return { kind: 'loaded', finite: Array.from(v.vector).every(Number.isFinite), dims: v.vector.length, vector: Array.from(v.vector) };
          return { kind: 'refused', code: v.type === 'error' ? v.code : 'unexpected-answer', message: v.type === 'error' ? `loaded, then embed failed: ${v.message}` : v.type };
        } catch {
          if (!e.alive) {
            const x = await e.exited;
            return { kind: 'died', signal: x.signal, exitCode: x.code, stage: 'embed', stderrTail: x.stderrTail.slice(-1500) };
          }
          return { kind: 'hang', waitedMs: performance.now() - t0 };
        } finally {
          await retire(); // a loaded embedder keeps its model: the next file needs a fresh one
        }
      } catch (err) {
        const waited = performance.now() - t0;
        await Promise.race([e.exited, new Promise((res) => setTimeout(res, 200))]);
        if (!e.alive) {
          const x = await e.exited;
          current = undefined;
          return { kind: 'died', signal: x.signal, exitCode: x.code, stage: 'load', stderrTail: x.stderrTail.slice(-1500) };
        }
        await retire();
        if (signal.aborted) throw toError(err);
        return { kind: 'hang', waitedMs: waited };
      }
    },
    close: closeAll,
  };
}

// ---------------------------------------------------------------- in-process

const CHILD = 'scenarios/support/corrupt-gguf-inprocess-child.ts';

interface Child { proc: ChildProcess; ready: Promise<boolean>; exited: Promise<{ code: number | null; signal: string | null }>; tail: TailBuffer; onReply?: (m: InProcessProbeReply) => void }

/**
 * GGML_NO_BACKTRACE: on an abort, ggml (ggml_print_backtrace) forks and runs gdb to attach to the dying process and
 * print its stack, where gdb is installed (it is on this machine). The stand-in dies of the same SIGABRT either way;
 * without the debugger it dies in ~150 ms instead of ~600 ms of mostly gdb's CPU, 14 times per in-process sweep.
 */
function startChild(signal: AbortSignal, engine: 'llama' | 'onnx'): Child {
  const proc = spawn(process.execPath, nodeEntryArgs(CHILD), {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { ...process.env, GAUNTLET_PROBE_ENGINE: engine, GGML_NO_BACKTRACE: '1' },
  });
  const tail = new TailBuffer(4096);
  proc.stderr!.on('data', (d: Buffer) => tail.push(d));
  const kill = () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  signal.addEventListener('abort', kill, { once: true });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.once('exit', (code, sig) => {
    process.removeListener('exit', kill);
    signal.removeEventListener('abort', kill);
    setTimeout(() => resolve({ code, signal: sig }), 20);
  }));
  const child: Child = { proc, exited, tail, ready: Promise.resolve(false) };
  child.ready = new Promise<boolean>((resolve) => {
    proc.on('message', (m: InProcessProbeReply) => { if (m.type === 'ready') resolve(true); else child.onReply?.(m); });
    void exited.then(() => resolve(false));
  });
  return child;
}

/**
 * `threads` and `contextSize` are the adapter's. Spare children are kept warm so that a file which kills the current
 * one costs no start-up wait for the next file.
 */
export function inProcessProber(adapter: ResolvedAdapter, signal: AbortSignal): FileProber {
  let current: Child | undefined;
  // One spare: more, starting side by side on 2 cores, starved the current probe into false 'hang' verdicts.
  const spares: Child[] = [];
  const SPARES = 1;
  const pids: number[] = [];
  let nextId = 1;
  // The stand-in loads files with the adapter's own engine: node-llama-cpp, or transformers.js for engine 'onnx'.
  const engine = (adapter.config as { engine?: 'llama' | 'onnx' }).engine ?? 'llama';
  const take = (): Child => {
    const c = spares.shift() ?? startChild(signal, engine);
    if (c.proc.pid) pids.push(c.proc.pid);
    return c;
  };
  return {
    get spawns() { return pids.length; },
    pids,
    async probe(modelPath, timeoutMs) {
      current ??= take();
      const c = current;
      if (!(await c.ready)) {
        const x = await c.exited;
        current = undefined;
        throw new Error(`the in-process probe child exited before it was ready (${x.signal ?? `code ${x.code}`}): ${c.tail.toString().slice(-400)}`);
      }
      while (spares.length < SPARES) spares.push(startChild(signal, engine));
      const id = nextId++;
      const req: InProcessProbeRequest = { id, modelPath, text: TEXT, threads: adapter.threads, engine, ...(adapter.config.contextSize ? { contextSize: adapter.config.contextSize } : {}) };
      let stage: 'load' | 'embed' = 'load';
      const answer = new Promise<InProcessProbeReply>((resolve) => {
        c.onReply = (m) => {
          if (m.id !== id || m.type === 'loading') return;
          if (m.type === 'model-loaded') stage = 'embed';
          else resolve(m);
        };
      });
      const t0 = performance.now();
      c.proc.send(req);
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const r = await Promise.race([answer, c.exited.then((x) => ({ died: x })), timeout]);
      if (r === 'timeout') {
        current = undefined;
        try { c.proc.kill('SIGKILL'); } catch { /* gone */ }
        await c.exited;
        return { kind: 'hang', waitedMs: performance.now() - t0 };
      }
      if ('died' in r) {
        current = undefined;
        return { kind: 'died', signal: r.died.signal, exitCode: r.died.code, stage, stderrTail: c.tail.toString().slice(-1500) };
      }
      switch (r.type) {
        case 'loaded': return { kind: 'loaded', finite: r.finite, dims: r.dims, ...(r.vector ? { vector: r.vector } : {}) };
        // The in-process adapter surfaces node-llama-cpp's rejection as it is; llama.cpp's reason only reaches stderr.
        case 'load-error': return { kind: 'refused', code: 'load-error', message: r.message, logs: r.logs };
        case 'embed-error': return { kind: 'refused', code: 'embed-error', message: r.message, logs: r.logs };
        default: return { kind: 'refused', code: 'unexpected-answer', message: r.type };
      }
    },
    async close() {
      for (const c of [current, ...spares.splice(0)]) {
        if (!c) continue;
        try { c.proc.kill('SIGKILL'); } catch { /* gone */ }
        await Promise.race([c.exited, new Promise((r) => setTimeout(r, 3000))]);
      }
      current = undefined;
    },
  };
}
