/**
 * A server process the http adapter starts itself: spawned with stdin kept as a pipe (EOF tells it the host is
 * gone), SIGKILLed on the host's exit, its `{"ready":true,"port":N}` stdout line parsed when it prints one.
 */
import { createInterface } from 'node:readline';
import { EmbedderProcess, describeExit } from '../supervisor/embedder-process.ts';
import { stopEmbedder } from '../supervisor/stop-embedder.ts';
import { GauntletError } from '../util/errors.ts';
import { TailBuffer } from '../supervisor/stderr-tail.ts';

export interface ServerSpec {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export class HttpServerProcess {
  readonly proc: EmbedderProcess;
  /** Resolves with the port of the first `{"ready":true,"port":N}` line (undefined if the line names none). */
  readonly readyLine: Promise<{ port?: number }>;
  /** The last ~2 KB the server printed on stdout (quoted when no ready line came). */
  private readonly stdout = new TailBuffer(2048);

  constructor(spec: ServerSpec) {
    this.proc = new EmbedderProcess({ argv: spec.argv, env: spec.env ?? {}, cwd: spec.cwd });
    this.readyLine = new Promise((resolve) => {
      const lines = createInterface({ input: this.proc.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        this.stdout.push(`${line}\n`);
        const t = line.trim();
        if (!t.startsWith('{')) return;
        try {
          const parsed = JSON.parse(t) as { ready?: unknown; port?: unknown };
          if (parsed.ready === true) resolve({ port: typeof parsed.port === 'number' ? parsed.port : undefined });
        } catch {
          // a log line that looks like JSON
        }
      });
    });
  }

  stdoutTail(): string {
    return this.stdout.text();
  }

  get pid(): number | undefined {
    return this.proc.alive ? this.proc.pid : undefined;
  }

  /** Rejects with GAUNTLET_EMBEDDER_CRASHED when the process exits; for racing against readiness waits. */
  exitedAsError(): Promise<never> {
    return this.proc.exited.then((exit) => {
      throw new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `the http server exited (${describeExit(exit)}) before it was ready`, {
        details: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.proc.stderrTail() },
      });
    });
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 2_000) {
    return stopEmbedder(this.proc, graceMs, undefined);
  }
}
