/**
 * memory-pressure, large-model parts: where a large model's pages land (anonymous vs file-backed) in the process
 * that holds it, what loading it does to the host (the thesis "a large GGUF in the Node process crashes V8"), and
 * an embedder started under an address-space limit too small for the model.
 */
import type { HttpAdapterConfig, ResolvedAdapter } from '../../harness/adapters/types.ts';
import { pickFreePort } from '../../harness/adapters/free-port.ts';
import { HttpServerProcess } from '../../harness/adapters/http-server.ts';
import { substituteArgs } from '../../harness/adapters/substitute.ts';
import { httpEmbed, httpHealth } from '../../harness/transport/http-client.ts';
import { sleep, withDeadline } from '../../harness/util/deadline.ts';
import path from 'node:path';
import { awaitMemoryLimit } from '../../harness/faults/memory-limit.ts';
import type { HostMemory } from '../../harness/host/types.ts';
import { readProcStatusSync, type ProcStatus } from '../../harness/metrics/index.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { execFile } from 'node:child_process';
import process from 'node:process';
import { GauntletError, toError } from '../../harness/util/errors.ts';
import { spawnDirect } from './corrupt-gguf-driver.ts';
import { prefixCommand } from './memory-pressure-host.ts';

export interface LoadFigures {
  before: ProcStatus;
  after: ProcStatus;
  loadMs: number;
  dims: number;
}

/** Process adapters: the embedder spawned directly, its /proc figures just before and after `initialize`. */
export async function embedderLoad(ctx: ScenarioContext, model: string, timeoutMs: number): Promise<LoadFigures> {
  const e = await spawnDirect(ctx.adapter, { dir: ctx.tmpDir, signal: ctx.signal });
  try {
    await e.request({ type: 'ping' }, timeoutMs); // the runtime is up: what follows is the load alone
    const before = readProcStatusSync(e.pid);
    const t0 = performance.now();
    const r = await e.request({ type: 'initialize', modelPath: model, options: { threads: ctx.adapter.threads, lanes: 1 } }, timeoutMs);
    const loadMs = performance.now() - t0;
    if (r.type !== 'initialized') throw new GauntletError('GAUNTLET_MODEL_INVALID', `initialize of ${model} answered ${r.type}: ${r.type === 'error' ? r.message : ''}`);
    const after = readProcStatusSync(e.pid);
    if (!before || !after) throw new GauntletError('GAUNTLET_INTERNAL', `no /proc/${e.pid}/status to read`);
    const v = await e.request({ type: 'embed', text: 'large model check' }, timeoutMs);
    if (v.type !== 'embedding') throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `the large model loaded but embed answered ${v.type}`);
    return { before, after, loadMs, dims: r.dims };
  } finally {
    await e.close();
  }
}

export interface HostLoad {
  before: HostMemory;
  after?: HostMemory;
  died: boolean;
  signal?: string | null;
  error?: string;
  loadMs: number;
}

/**
 * A host started on `model` (with `config` in place of the adapter's, e.g. in-process with `useMmap: false`): its own
 * memory (after a full GC) before and after the adapter start and one embed.
 */
export async function hostLoad(ctx: ScenarioContext, model: string, timeoutMs: number, config?: ResolvedAdapter['config']): Promise<HostLoad & { embedderPid?: number; close(): Promise<void> }> {
  const host = await ctx.startHost({ adapter: { model, ...(config ? { config } : {}) }, deferStart: true });
  const before = await ctx.sampleHost(host, { gc: true });
  const t0 = performance.now();
  try {
    await host.start({ signal: ctx.signal, timeoutMs });
    await host.embed('large model check', { signal: ctx.signal, timeoutMs });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const exit = await Promise.race([host.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    const close = async () => { await host.close({ deadlineMs: 3000 }); };
    if (exit) return { before, died: true, signal: exit.signal, error: toError(e).message, loadMs: performance.now() - t0, close };
    await close();
    return { before, died: false, error: toError(e).message, loadMs: performance.now() - t0, close };
  }
  const loadMs = performance.now() - t0;
  const after = await ctx.sampleHost(host, { gc: true });
  const embedderPid = await host.embedderPid({ signal: ctx.signal });
  return { before, after, died: false, loadMs, ...(embedderPid !== undefined ? { embedderPid } : {}), close: async () => { await host.close(); } };
}

export interface LimitOutcome {
  bytes: number;
  /** 'refused': the embedder answered an error; 'died': it died (boot or load); 'loaded': the limit was not too small. */
  embedder: 'refused' | 'died' | 'loaded';
  hostSurvived: boolean;
  code?: string;
  message: string;
  proofTookEffect: boolean;
}

/**
 * The embedder started under `prlimit --as=bytes` (RLIMIT_AS: address space; the mapped model counts), driven by a
 * real host. Proof: /proc/PID/limits of the embedder as soon as the host reports its spawn.
 */
export async function underAsLimit(ctx: ScenarioContext, adapter: ResolvedAdapter, model: string, bytes: number, timeoutMs: number): Promise<LimitOutcome> {
  const config = prefixCommand(adapter, ['prlimit', `--as=${Math.floor(bytes)}`, '--']);
  const host = await ctx.startHost({ adapter: { model, config }, deferStart: true });
  let proofTookEffect = false;
  let died = false;
  const proofs: Promise<void>[] = [];
  host.on('lifecycle', (e) => {
    if (e.type === 'spawn' && typeof e.pid === 'number') {
      // The pid is prlimit's until it has set the limit on itself and exec'd the embedder: poll, do not read once.
      const pid = e.pid;
      proofs.push(awaitMemoryLimit(pid, bytes, 'prlimit-as', { clock: () => ctx.timeline.now() }).then((rec) => {
        proofTookEffect ||= rec.tookEffect;
        ctx.timeline.add('fault', `memory-limit pid ${pid}${rec.tookEffect ? '' : ' (no effect)'}`, { ...rec });
      }));
    }
    if (e.type === 'crash' || (e.type === 'start-failed' && (e.signal || e.exitCode))) died = true;
  });
  let outcome: LimitOutcome;
  try {
    await host.start({ signal: ctx.signal, timeoutMs });
    await host.embed('memory limit check', { signal: ctx.signal, timeoutMs });
    outcome = { bytes, embedder: 'loaded', hostSurvived: true, message: 'the model loaded and embedded under the limit', proofTookEffect };
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const err = toError(e);
    const code = err instanceof GauntletError ? err.code : 'UNTYPED';
    // An `error` answer to initialize reaches the host as GAUNTLET_MODEL_INVALID; anything else means the process went.
    const embedder = code === 'GAUNTLET_MODEL_INVALID' || !died ? 'refused' : 'died';
    outcome = { bytes, embedder, hostSurvived: true, code, message: err.message, proofTookEffect };
  }
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all(proofs);
  outcome.hostSurvived = host.alive;
  outcome.proofTookEffect = proofTookEffect;
  if (host.alive) await host.close();
  return outcome;
}

export interface JsAllocation {
  bytes: number;
  crashed: boolean;
  /** How the process ended when it did not report (signal or exit code), or its report. */
  detail: string;
  externalDelta?: number;
  rssAnonDelta?: number;
  fillMs?: number;
}

/**
 * Seed 002's own worry, taken literally: a Node process (same binary, `--expose-gc` as the host) allocates one
 * Float32Array of `bytes` and writes every element, as a JS dequantiser would. Bounded by `timeoutMs`; the child is
 * SIGKILLed on timeout or when the scenario ends.
 */
export async function jsAllocation(ctx: ScenarioContext, bytes: number, timeoutMs: number): Promise<JsAllocation> {
  const script = `
const anon = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
global.gc(); const m0 = process.memoryUsage(); const a0 = anon(); const t0 = performance.now();
const n = ${Math.floor(bytes / 4)}; const a = new Float32Array(n);
for (let i = 0; i < n; i++) a[i] = ((i & 255) - 128) * 0.0078125;
const fillMs = performance.now() - t0; let sum = 0; for (let i = 0; i < n; i += 4093) sum += a[i];
const m1 = process.memoryUsage();
process.stdout.write(JSON.stringify({ bytes: a.byteLength, externalDelta: m1.external - m0.external, rssAnonDelta: anon() - a0, fillMs, sum }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '-e', script], { timeout: timeoutMs, killSignal: 'SIGKILL', signal: ctx.signal, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { signal?: string | null; code?: number | string | null; killed?: boolean };
        if (ctx.signal.aborted) return reject(toError(ctx.signal.reason ?? err));
        // Killed by our own deadline: no answer either way, not a crash.
        if (e.killed) return reject(new GauntletError('GAUNTLET_TIMEOUT', `the ${bytes}-byte Float32Array fill did not finish in ${timeoutMs} ms`));
        resolve({ bytes, crashed: true, detail: e.signal ? `killed by ${e.signal}` : `exit code ${String(e.code)}: ${e.message.slice(0, 200)}` });
        return;
      }
      try {
        const r = JSON.parse(stdout) as { bytes: number; externalDelta: number; rssAnonDelta: number; fillMs: number };
        resolve({ bytes: r.bytes, crashed: false, detail: stdout, externalDelta: r.externalDelta, rssAnonDelta: r.rssAnonDelta, fillMs: r.fillMs });
      } catch {
        resolve({ bytes, crashed: true, detail: `no report on stdout: ${JSON.stringify(stdout.slice(0, 200))}` });
      }
    });
  });
}

/** Polls GET /health until the server answers at all (refused connections while it starts are retried). */
async function firstHealthAnswer(baseUrl: string, signal: AbortSignal): Promise<'ok' | 'loading'> {
  for (;;) {
    try {
      return await httpHealth(baseUrl, { timeoutMs: 2_000, signal });
    } catch (e) {
      if (signal.aborted) throw e;
      await sleep(5, signal);
    }
  }
}

export type HttpServerLoad = ({ measured: true } & LoadFigures) | { measured: false; reason: string };

/**
 * http adapters that start their own server (`command`): the server spawned directly on `model` (port 0, as the
 * adapter does), its /proc figures at its `{"ready":true,...}` line (up and listening) and when /health first
 * answers 200 (model loaded). The before-figure only counts as "before the load" if /health then still answers 503
 * "loading"; a server that loads before it listens, or has no ready line / /health, is left unmeasured with why.
 */
export async function httpServerLoad(ctx: ScenarioContext, model: string, timeoutMs: number): Promise<HttpServerLoad> {
  const a = ctx.adapter;
  const c = a.config as HttpAdapterConfig;
  if (c.kind !== 'http') throw new GauntletError('GAUNTLET_USAGE', `httpServerLoad: adapter ${a.name} is ${c.kind}, not http`);
  if (!c.command) return { measured: false, reason: 'an external server (baseUrl, no command) is not started by the adapter: no pid to read /proc of' };
  if (c.baseUrl || c.readyUrl) return { measured: false, reason: 'the server has a fixed baseUrl / custom readyUrl: without a ready line and /health "loading" answer there is no point known to be before the load' };
  // A server without a ready line (freePort) is up and listening at its first /health answer instead.
  const freePort = c.freePort ? await pickFreePort() : undefined;
  const argv = substituteArgs(c.command, { model, port: freePort ?? 0, lanes: a.lanes, threads: a.threads, maxBatch: a.maxBatch, maxFrameBytes: a.maxFrameBytes });
  const server = new HttpServerProcess({ argv, ...(c.env ? { env: c.env } : {}), ...(c.cwd ? { cwd: c.cwd } : {}) });
  const pid = server.proc.pid;
  if (pid === undefined) {
    const exit = await server.proc.waitExit(5_000);
    return { measured: false, reason: `could not spawn the http server ${JSON.stringify(argv[0])}${exit?.spawnError ? `: ${exit.spawnError.message}` : ''}` };
  }
  const kill = () => { server.proc.kill('SIGKILL'); };
  ctx.signal.addEventListener('abort', kill, { once: true });
  const died = server.exitedAsError();
  died.catch(() => {});
  try {
    let baseUrl: string;
    let first: 'ok' | 'loading' | undefined;
    if (freePort !== undefined) {
      baseUrl = `http://127.0.0.1:${freePort}`;
      first = await withDeadline(Promise.race([firstHealthAnswer(baseUrl, ctx.signal), died]), timeoutMs, `the http server's first /health answer on port ${freePort}`, ctx.signal);
    } else {
      const line = await withDeadline(Promise.race([server.readyLine, died]), timeoutMs, `the http server's ready line`, ctx.signal);
      if (line.port === undefined) return { measured: false, reason: 'the server\'s ready line names no port' };
      baseUrl = `http://127.0.0.1:${line.port}`;
    }
    const before = readProcStatusSync(pid);
    const t0 = performance.now();
    first ??= await Promise.race([httpHealth(baseUrl, { timeoutMs: 5_000, signal: ctx.signal }), died]);
    if (first === 'ok') return { measured: false, reason: 'the server had already loaded the model when it answered its first /health after the ready line: no figure before the load' };
    const end = t0 + timeoutMs;
    for (;;) {
      if (performance.now() > end) throw new GauntletError('GAUNTLET_TIMEOUT', `the http server did not load ${model} within ${timeoutMs} ms`);
      await sleep(5, ctx.signal);
      if ((await Promise.race([httpHealth(baseUrl, { timeoutMs: 5_000, signal: ctx.signal }), died])) === 'ok') break;
    }
    const loadMs = performance.now() - t0;
    const after = readProcStatusSync(pid);
    if (!before || !after) throw new GauntletError('GAUNTLET_INTERNAL', `no /proc/${pid}/status to read`);
    const [v] = await Promise.race([httpEmbed(baseUrl, ['large model check'], { timeoutMs, signal: ctx.signal, model: c.modelName ?? path.basename(model) }), died]);
    return { measured: true, before, after, loadMs, dims: v!.length };
  } finally {
    ctx.signal.removeEventListener('abort', kill);
    await server.stop(2_000);
  }
}
