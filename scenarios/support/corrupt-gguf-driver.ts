/**
 * A process adapter's embedder spawned and spoken to directly by the orchestrator, without host or supervisor:
 * one process can be sent several `initialize` requests (the reference embedder accepts a new model path after a
 * failed load), and its memory can be read before and after a load. Used by corrupt-gguf (catalogue sweep) and
 * memory-pressure (load deltas). The process is SIGKILLed by close(), on abort and when the orchestrator exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ProcessAdapterConfig, ResolvedAdapter } from '../../harness/adapters/types.ts';
import { substituteArgs } from '../../harness/adapters/substitute.ts';
import type { MessageConnection } from '../../harness/protocol/connection.ts';
import { getCodec } from '../../harness/protocol/codec.ts';
import { PROTOCOL_VERSION, type Message, type RequestBody, type Response } from '../../harness/protocol/messages.ts';
import { connectStreams, connectUds } from '../../harness/transport/index.ts';
import { GauntletError } from '../../harness/util/errors.ts';
import { TailBuffer } from '../../harness/util/tail-buffer.ts';

export interface DirectExit { code: number | null; signal: NodeJS.Signals | null; stderrTail: string }

export interface DirectEmbedder {
  readonly pid: number;
  readonly alive: boolean;
  readonly exited: Promise<DirectExit>;
  /** Sends one request; resolves with its answer (an `error` answer included), rejects on deadline or exit. */
  request(body: RequestBody, timeoutMs: number): Promise<Response>;
  /** SIGKILL and wait (bounded) for the exit. */
  close(): Promise<DirectExit>;
}

let seq = 0;

/** Spawns the adapter's embedder (stdio or uds) and resolves once a connection is open. */
export async function spawnDirect(adapter: ResolvedAdapter, opts: { dir: string; signal: AbortSignal; readyTimeoutMs?: number; prefix?: string[] }): Promise<DirectEmbedder> {
  const c = adapter.config;
  if (c.kind !== 'process') throw new GauntletError('GAUNTLET_USAGE', `spawnDirect: adapter ${adapter.name} is ${c.kind}, not a process adapter`);
  const pc = c as ProcessAdapterConfig;
  const socket = path.join(opts.dir, `direct-${process.pid}-${++seq}.sock`);
  const argv = substituteArgs([...(opts.prefix ?? []), ...pc.command], {
    lanes: adapter.lanes, threads: adapter.threads, maxBatch: adapter.maxBatch, maxFrameBytes: adapter.maxFrameBytes, socket, model: adapter.model,
  });
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...(pc.env ?? {}) }, ...(pc.cwd ? { cwd: pc.cwd } : {}) });
  if (child.pid === undefined) throw new GauntletError('GAUNTLET_INTERNAL', `could not spawn ${argv[0]}`);
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killOnExit);
  const tail = new TailBuffer(8192);
  child.stderr!.on('data', (d: Buffer) => tail.push(d));
  child.stdin!.on('error', () => {});
  let exit: DirectExit | undefined;
  const exited = new Promise<DirectExit>((resolve) => {
    child.once('exit', (code, signal) => {
      setTimeout(() => {
        process.removeListener('exit', killOnExit);
        exit = { code, signal, stderrTail: tail.toString() };
        resolve(exit);
      }, 20);
    });
  });
  const onAbort = () => killOnExit();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => opts.signal.removeEventListener('abort', onAbort));

  const limits = { maxFrameBytes: adapter.maxFrameBytes, maxBatch: adapter.maxBatch, requestTimeoutMs: adapter.requestTimeoutMs };
  const codec = getCodec(pc.codec);
  let conn: MessageConnection;
  try {
    if (pc.transport === 'stdio') conn = connectStreams(child.stdout!, child.stdin!, codec, limits);
    else {
      const announced = await readyLine(child, exited, opts.readyTimeoutMs ?? 15_000);
      conn = await connectUds(announced ?? socket, codec, limits, { timeoutMs: 5000, signal: opts.signal });
    }
  } catch (e) {
    killOnExit();
    await exited;
    throw e;
  }
  return wrap(child, conn, exited, () => exit);
}

function readyLine(child: ChildProcess, exited: Promise<DirectExit>, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new GauntletError('GAUNTLET_TIMEOUT', `no ready line within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (const line of buf.split('\n').slice(0, -1)) {
        try {
          const m = JSON.parse(line) as { ready?: boolean; socket?: string };
          if (m.ready) { clearTimeout(timer); resolve(m.socket); }
        } catch { /* a log line */ }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
    void exited.then((x) => { clearTimeout(timer); reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `embedder exited before its ready line (${x.signal ?? `code ${x.code}`}): ${x.stderrTail.slice(-300)}`)); });
  });
}

function wrap(child: ChildProcess, conn: MessageConnection, exited: Promise<DirectExit>, exitNow: () => DirectExit | undefined): DirectEmbedder {
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Response) => void; reject: (e: Error) => void }>();
  conn.onMessage((m: Message) => {
    const p = pending.get(m.id);
    if (p) { pending.delete(m.id); p.resolve(m as Response); }
  });
  const failAll = (why: string) => {
    for (const [id, p] of pending) { pending.delete(id); p.reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', why)); }
  };
  conn.onClose(() => { void exited.then((x) => failAll(`embedder went away (${x.signal ?? `exit code ${x.code}`})`)); });
  void exited.then((x) => failAll(`embedder went away (${x.signal ?? `exit code ${x.code}`})`));
  return {
    pid: child.pid!,
    get alive() { return exitNow() === undefined; },
    exited,
    request(body, timeoutMs) {
      if (exitNow()) return Promise.reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', 'embedder already exited'));
      const id = nextId++;
      return new Promise<Response>((resolve, reject) => {
        const timer = setTimeout(() => { pending.delete(id); reject(new GauntletError('GAUNTLET_TIMEOUT', `${body.type} got no answer within ${timeoutMs} ms`)); }, timeoutMs);
        pending.set(id, { resolve: (m) => { clearTimeout(timer); resolve(m); }, reject: (e) => { clearTimeout(timer); reject(e); } });
        try {
          conn.send({ v: PROTOCOL_VERSION, id, ...body } as Message);
        } catch (e) {
          clearTimeout(timer);
          pending.delete(id);
          reject(e as Error);
        }
      });
    },
    async close() {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      const timeout = new Promise<DirectExit>((r) => setTimeout(() => r({ code: null, signal: null, stderrTail: 'did not exit within 3 s of SIGKILL' }), 3000).unref());
      return Promise.race([exited, timeout]);
    },
  };
}
