/** One spawned embedder process: execa spawn, exit tracking, stderr tail, signals, the uds ready line. */
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { GauntletError, timeoutError } from '../util/errors.ts';
import { guardPid, releasePid } from './orphan-guard.ts';
import { TailBuffer } from './stderr-tail.ts';

export interface EmbedderExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  spawnError?: Error;
  /** Date.now() / performance.now() when the exit was seen. */
  at: number;
  hr: number;
}

export interface SpawnSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

export class EmbedderProcess {
  readonly pid: number | undefined;
  readonly startedHr = performance.now();
  /** Resolves (never rejects) once the process is gone, however it ended. */
  readonly exited: Promise<EmbedderExit>;
  exit: EmbedderExit | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  private readonly tail = new TailBuffer(4096);
  private readonly subprocess: ResultPromise;

  constructor(spec: SpawnSpec) {
    const [file, ...args] = spec.argv;
    this.subprocess = execa(file!, args, {
      env: spec.env,
      extendEnv: true,
      cwd: spec.cwd,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      encoding: 'buffer',
      reject: false,
      // Never outlive us: in our process group, killed with SIGKILL by execa's signal-exit hook on our exit.
      cleanup: true,
      detached: false,
      killSignal: 'SIGKILL',
      forceKillAfterDelay: false,
    });
    const child = this.subprocess;
    this.pid = child.pid;
    this.stdin = child.stdin!;
    this.stdout = child.stdout!;
    // A write to a dead child's stdin must not become an uncaught 'error'.
    this.stdin.on('error', () => {});
    this.stdout.on('error', () => {});
    child.stderr!.on('error', () => {});
    child.stderr!.on('data', (chunk: Buffer) => this.tail.push(chunk));
    if (this.pid !== undefined) guardPid(this.pid);

    this.exited = new Promise<EmbedderExit>((resolve) => {
      const finish = (exitCode: number | null, signal: string | null, spawnError?: Error) => {
        if (this.exit) return;
        this.exit = { exitCode, signal, spawnError, at: Date.now(), hr: performance.now() };
        if (this.pid !== undefined) releasePid(this.pid);
        resolve(this.exit);
      };
      child.on('exit', (code, signal) => finish(code, signal));
      child.on('error', (error) => {
        if (this.pid === undefined) finish(null, null, error);
      });
      // Fallback: execa's own result (spawn failures, or 'exit' missed).
      child.then(
        (r) => finish(r.exitCode ?? null, r.signal ?? null, r.failed && this.pid === undefined ? (r as unknown as Error) : undefined),
        (e: unknown) => finish(null, null, e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  get alive(): boolean {
    return this.exit === undefined && this.pid !== undefined;
  }

  stderrTail(): string {
    return this.tail.text();
  }

  /** Sends a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals): boolean {
    if (!this.alive) return false;
    try {
      return process.kill(this.pid!, signal);
    } catch {
      return false;
    }
  }

  /** Waits for the exit up to `ms`; undefined when it is still running then. */
  async waitExit(ms: number): Promise<EmbedderExit | undefined> {
    if (this.exit) return this.exit;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * uds: waits for the `{"ready": true, "socket": PATH}` stdout line. Other stdout lines are ignored.
   * Rejects when the deadline passes, the process exits first, or `signal` aborts.
   */
  readyLine(timeoutMs: number, signal?: AbortSignal): Promise<{ socket?: string }> {
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.stdout, crlfDelay: Infinity });
      const timer = setTimeout(() => done(timeoutError('the embedder\'s {"ready":true} stdout line', timeoutMs)), timeoutMs);
      const onAbort = () => done(new GauntletError('GAUNTLET_CLOSED', 'stopped while waiting for the ready line'));
      signal?.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const done = (error: Error | undefined, value?: { socket?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        lines.off('line', onLine);
        lines.close();
        // Keep draining stdout so that a chatty embedder never blocks on a full pipe.
        this.stdout.resume();
        if (error) reject(error);
        else resolve(value!);
      };
      const onLine = (line: string) => {
        const trimmed = line.trim();
        if (!trimmed.startsWith('{')) return;
        try {
          const parsed = JSON.parse(trimmed) as { ready?: unknown; socket?: unknown };
          if (parsed.ready === true) done(undefined, { socket: typeof parsed.socket === 'string' ? parsed.socket : undefined });
        } catch {
          // a log line that looks like JSON: ignore
        }
      };
      lines.on('line', onLine);
      void this.exited.then((exit) =>
        done(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `the embedder exited (${describeExit(exit)}) before its ready line`, {
          details: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.stderrTail() },
        })),
      );
    });
  }
}

export function describeExit(exit: Pick<EmbedderExit, 'exitCode' | 'signal' | 'spawnError'>): string {
  if (exit.spawnError) return `spawn failed: ${exit.spawnError.message.split('\n')[0]}`;
  if (exit.signal) return `signal ${exit.signal}`;
  return `exit code ${exit.exitCode}`;
}
