/** Test helpers: a tiny model generated once per file, and a real reference-embedder child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateModel } from '../../harness/gguf/generator.ts';
import { getCodec } from '../../harness/protocol/codec.ts';
import type { MessageConnection } from '../../harness/protocol/connection.ts';
import { DEFAULT_LIMITS, type CodecName, type Message, type RequestBody, type Response } from '../../harness/protocol/messages.ts';
import { connectStreams } from '../../harness/transport/stream-connection.ts';
import { packagePath, tsNodeArgs } from '../../harness/util/ts-runner.ts';

export const MAIN = packagePath('reference-embedder', 'main.ts');

export async function tinyModel(): Promise<{ dir: string; model: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-ref-'));
  const model = path.join(dir, 'tiny.gguf');
  await generateModel({ preset: 'tiny', seed: 1, out: model });
  return { dir, model };
}

export interface Embedder {
  child: ChildProcess;
  conn: MessageConnection;
  stderr: () => string;
  /** Sends a request and resolves with its answer (or rejects after timeoutMs). */
  request(body: RequestBody, timeoutMs?: number): Promise<Response>;
  /** Every message received so far, in order. */
  received: Message[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  kill(): void;
}

export function spawnEmbedder(args: string[], opts: { codec?: CodecName; env?: Record<string, string> } = {}): Embedder {
  const codecName = opts.codec ?? 'msgpack';
  const child = spawn(process.execPath, [...tsNodeArgs(), MAIN, '--codec', codecName, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  const conn = connectStreams(child.stdout!, child.stdin!, getCodec(codecName), DEFAULT_LIMITS);
  const received: Message[] = [];
  const waiters = new Map<number, (m: Response) => void>();
  conn.onMessage((m) => {
    received.push(m);
    waiters.get(m.id)?.(m as Response);
    waiters.delete(m.id);
  });
  let nextId = 1;
  return {
    child, conn, received, exited,
    stderr: () => err,
    request(body, timeoutMs = 10_000) {
      const id = nextId++;
      return new Promise<Response>((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(id); reject(new Error(`no answer to ${body.type} (id ${id}) in ${timeoutMs} ms; stderr:\n${err}`)); }, timeoutMs);
        waiters.set(id, (m) => { clearTimeout(timer); resolve(m); });
        conn.send({ ...body, v: 1, id } as Message);
      });
    },
    kill() { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
  };
}

/** Resolves with the first stdout line of a child (the ready line of uds/http mode). */
export function firstLine(child: ChildProcess, timeoutMs = 45_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ready line in ${timeoutMs} ms`)), timeoutMs);
    const onData = (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before the ready line`)); });
  });
}

/** True while the process runs; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    try { process.kill(pid, 0); return !fs.existsSync('/proc/self'); } catch { return false; }
  }
}
