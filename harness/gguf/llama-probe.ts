/**
 * probeWithLlama(): what node-llama-cpp does with a model file, observed from outside. The model is loaded in a
 * child process (llama-probe-child.ts) so that a native abort kills the child, never the caller. The whole probe
 * is bounded by a deadline; past it the child gets SIGTERM, then SIGKILL, and is always reaped.
 */
import { spawn } from 'node:child_process';
import { scriptArgs } from '../util/ts-runner.ts';

export type LlamaProbeOutcome = 'embedded' | 'load-error' | 'embed-error' | 'killed' | 'timeout';

export interface LlamaProbeResult {
  outcome: LlamaProbeOutcome;
  /** Signal that ended the child, when one did (SIGABRT, SIGSEGV, SIGBUS, or ours on timeout). */
  signal?: string;
  exitCode?: number;
  /** Why the load or the embedding failed, with llama.cpp's own log lines (errors, else warnings). */
  message?: string;
  /** One vector per text embedded (all of them when outcome is 'embedded'). */
  vectors?: number[][];
  /** Some vector holds NaN or an infinity. */
  hasNaN?: boolean;
  /** `model.tokenize(text)` per text, when asked for with `tokenize: true`. */
  tokens?: number[][];
  dims?: number;
  contextSize?: number;
  durationMs: number;
  /** Process id of the child (gone by the time the result is returned). */
  pid?: number;
  /** Last lines the child wrote to stderr (llama.cpp logs included). */
  stderrTail?: string;
}

export interface LlamaProbeOptions {
  /** Deadline for the whole probe, spawn to exit (default 60 000 ms). */
  timeoutMs?: number;
  /** Embedding context size (default: the model's bert.context_length). */
  contextSize?: number;
  /** Threads of the embedding context (default 1). */
  threads?: number;
  /** Also return node-llama-cpp's `model.tokenize(text)` for each text. */
  tokenize?: boolean;
}

/** Sent to the child over IPC. */
export interface ProbeChildRequest {
  modelPath: string;
  texts: string[];
  contextSize?: number;
  threads?: number;
  tokenize?: boolean;
}

/** Sent back by the child over IPC. */
export type ProbeChildReply =
  | { type: 'loaded'; dims: number; contextSize: number }
  | { type: 'load-error'; message: string }
  | { type: 'embed-error'; message: string; vectors: number[][]; tokens?: number[][] }
  | { type: 'embedded'; vectors: number[][]; tokens?: number[][] };

const CHILD = 'harness/gguf/llama-probe-child.ts';
const KILL_GRACE_MS = 1500;
const STDERR_KEEP = 8192;

function anyNonFinite(vectors: number[][]): boolean {
  return vectors.some((v) => v.some((x) => !Number.isFinite(x)));
}

/** Loads `modelPath` with node-llama-cpp in a child process and embeds `texts` there. Never throws for a bad model. */
export function probeWithLlama(modelPath: string, texts: string[], opts: LlamaProbeOptions = {}): Promise<LlamaProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = performance.now();
  const child = spawn(process.execPath, scriptArgs(CHILD), {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced', // keeps NaN and Infinity, which JSON would turn into null
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  let reply: ProbeChildReply | undefined;
  let loaded: Extract<ProbeChildReply, { type: 'loaded' }> | undefined;
  child.on('message', (m: ProbeChildReply) => {
    if (m.type === 'loaded') loaded = m;
    else reply = m;
  });
  const request: ProbeChildRequest = {
    modelPath,
    texts,
    contextSize: opts.contextSize,
    threads: opts.threads,
    tokenize: opts.tokenize,
  };
  child.send(request, (err) => {
    if (err) stderr += `\n[probe] could not send the request: ${err.message}`;
  });

  // Should the caller exit while the probe runs, take the child along.
  const onParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onParentExit);

  return new Promise((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    child.on('error', (e) => {
      stderr += `\n[probe] spawn error: ${e.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      process.removeListener('exit', onParentExit);
      const base = {
        durationMs: performance.now() - started,
        pid: child.pid,
        stderrTail: stderr.trim() ? stderr : undefined,
        dims: loaded?.dims,
        contextSize: loaded?.contextSize,
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
      };
      if (reply?.type === 'embedded') {
        resolve({ ...base, outcome: 'embedded', vectors: reply.vectors, tokens: reply.tokens, hasNaN: anyNonFinite(reply.vectors) });
      } else if (reply?.type === 'load-error') {
        resolve({ ...base, outcome: 'load-error', message: reply.message });
      } else if (reply?.type === 'embed-error') {
        resolve({
          ...base,
          outcome: 'embed-error',
          message: reply.message,
          vectors: reply.vectors,
          tokens: reply.tokens,
          hasNaN: anyNonFinite(reply.vectors),
        });
      } else if (timedOut) {
        resolve({ ...base, outcome: 'timeout', message: `no answer within ${timeoutMs} ms (child ended by ${signal ?? code})` });
      } else {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve({ ...base, outcome: 'killed', message: `the node-llama-cpp process died (${how}) ${loaded ? 'after' : 'before'} the model loaded` });
      }
    });
  });
}
