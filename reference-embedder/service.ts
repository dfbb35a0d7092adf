/**
 * The transport-independent core of the reference embedder: model lifecycle, admission (bounded queue),
 * input checks, normalisation, stats, drain, and the embedding-level fault switches.
 */
import path from 'node:path';
import type { ErrorCode, InitializeRequest, ProtocolLimits } from '../harness/protocol/messages.ts';
import { EngineError, loadEngine, type Engine, type EngineKind } from './engine-types.ts';
import { checkFitsWithFaults, embedWithCorpusFaults, hasCorpusFault } from './corpus-faults.ts';
import { mulberry32, type ActiveFaults } from './faults.ts';
import { procMemory } from './proc-status.ts';

export { EngineError };

export interface ServiceOptions {
  /** What computes the vectors (default llama: node-llama-cpp). */
  engine?: EngineKind;
  lanes: number;
  threads: number;
  normalize: boolean;
  contextSize?: number;
  /** Most embed requests accepted and not yet answered; past it: `overloaded`. */
  maxQueue: number;
  limits: ProtocolLimits;
  faults: ActiveFaults;
  log: (line: string) => void;
  /** performance.now() when main.ts began to run (the start-up milestone after node boot and module load). */
  mainMs?: number;
  /** Called when the loaded model can no longer be trusted (its file was modified in place): the process exits. */
  onModelPoisoned?: (reason: string) => void;
}

export interface ModelInfo {
  dims: number; vocabSize: number; model: string; contextSize: number; lanes: number;
  timing?: { startedAt: number; mainMs?: number; runtimeMs?: number; loadedMs?: number };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

export class Service {
  private engine: Engine | undefined;
  private loading: { path: string; promise: Promise<Engine> } | undefined;
  private normalize: boolean;
  private readonly leaked: Buffer[] = [];
  private readonly noise: (() => number) | undefined;
  private drainWaiters: Array<() => void> = [];
  requests = 0;
  /** Embed requests being worked on (stats, queue bound). */
  inFlight = 0;
  /** Every request being handled, initialize included (what a drain waits for). */
  private pending = 0;
  draining = false;
  /** performance.now() when the model was loaded. */
  private loadedAt: number | undefined;
  /** Embed answers computed so far (fault non-finite counts them). */
  private answers = 0;

  constructor(private readonly opts: ServiceOptions) {
    this.normalize = opts.normalize;
    const seed = opts.faults.nondeterministic;
    this.noise = seed === undefined ? undefined : mulberry32(seed === true ? 1 : seed);
  }

  get ready(): boolean { return this.engine !== undefined; }
  get modelName(): string { return this.engine?.name ?? 'none'; }

  /** Loads the model once; a second call with the same path reuses it. */
  async initialize(modelPath: string, options: InitializeRequest['options'] = {}): Promise<ModelInfo> {
    if (this.opts.faults['abort-on-load']) {
      this.opts.log('fault abort-on-load: calling process.abort()');
      process.abort();
    }
    if (options.normalize !== undefined) this.normalize = options.normalize;
    const resolved = path.resolve(modelPath);
    if (this.loading && this.loading.path !== resolved) {
      throw new EngineError('bad-request', `already initialized with ${this.loading.path}; got ${JSON.stringify(modelPath)}. Start a new embedder to change models`);
    }
    if (!this.loading) {
      const promise = this.load(resolved, options);
      this.loading = { path: resolved, promise };
      promise.catch(() => { if (this.loading?.promise === promise) this.loading = undefined; });
    }
    const engine = await this.loading.promise;
    // Start-up milestones (docs/protocol.md `initialized.timing`): ms since this process started.
    const runtimeMs = (engine as { runtimeReadyAt?: number }).runtimeReadyAt;
    const timing = {
      startedAt: performance.timeOrigin,
      ...(this.opts.mainMs !== undefined ? { mainMs: this.opts.mainMs } : {}),
      ...(runtimeMs !== undefined ? { runtimeMs } : {}),
      ...(this.loadedAt !== undefined ? { loadedMs: this.loadedAt } : {}),
    };
    return { dims: engine.dims, vocabSize: engine.vocabSize, model: engine.name, contextSize: engine.contextSize, lanes: engine.lanes, timing };
  }

  private async load(modelPath: string, options: NonNullable<InitializeRequest['options']>): Promise<Engine> {
    const slow = this.opts.faults['slow-start'];
    if (typeof slow === 'number') {
      this.opts.log(`fault slow-start: waiting ${slow} ms before loading`);
      await sleep(slow);
    }
    const started = performance.now();
    const engine = await loadEngine(this.opts.engine ?? 'llama', {
      modelPath,
      lanes: options.lanes ?? this.opts.lanes,
      threads: options.threads ?? this.opts.threads,
      contextSize: options.contextSize ?? this.opts.contextSize,
      log: this.opts.log,
      modelFaults: {
        poolWrongToken: this.opts.faults['pool-wrong-token'] === true,
        skipFinalNorm: this.opts.faults['skip-final-norm'] === true,
      },
    });
    engine.onPoisoned = this.opts.onModelPoisoned;
    this.engine = engine;
    this.loadedAt = performance.now();
    this.opts.log(`${engine.kind} engine loaded ${modelPath} in ${(performance.now() - started).toFixed(0)} ms: dims ${engine.dims}, context ${engine.contextSize}, lanes ${engine.lanes}`);
    return engine;
  }

  /** Counts a request (any type) and refuses new embed work while draining or when the queue is full. */
  admit(): void {
    if (this.draining) throw new EngineError('shutting-down', 'the embedder is shutting down; no new requests', true);
    if (this.inFlight >= this.opts.maxQueue) {
      throw new EngineError('overloaded', `${this.inFlight} requests in flight, the queue holds ${this.opts.maxQueue}; retry later`, true);
    }
  }

  /** Embeds texts (one request). Call admit() first; every input is checked before any work starts. */
  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    // Requests pipelined behind an initialize wait for the load it started.
    if (!this.engine && this.loading) await this.loading.promise.catch(() => undefined);
    const engine = this.engine;
    if (!engine) throw new EngineError('not-initialized', 'no model loaded: send initialize first', true);
    if (texts.length > this.opts.limits.maxBatch) {
      throw new EngineError('batch-too-large', `batch of ${texts.length} texts; at most ${this.opts.limits.maxBatch} per request`);
    }
    texts.forEach((t, i) => {
      const where = texts.length === 1 ? 'text' : `texts[${i}]`;
      if (t.length === 0) throw new EngineError('bad-request', `${where} is empty; an empty text has no embedding`);
      checkFitsWithFaults(engine, this.opts.faults, t, where);
    });
    this.inFlight++;
    try {
      if (this.opts.faults['crash-on-concurrent'] && this.inFlight > 1) {
        this.opts.log(`fault crash-on-concurrent: ${this.inFlight} requests overlap, raising SIGSEGV`);
        process.kill(process.pid, 'SIGSEGV');
        await sleep(10_000);
      }
      const began = performance.now();
      const raw = hasCorpusFault(this.opts.faults)
        ? await embedWithCorpusFaults(engine, this.opts.faults, texts)
        : await Promise.all(texts.map((t) => engine.embed(t)));
      const slow = this.opts.faults['slow-embed'];
      if (typeof slow === 'number' && slow > 1) await stretch((performance.now() - began) * (slow - 1));
      const vectors = raw.map((v) => this.postprocess(v));
      const nonFinite = this.opts.faults['non-finite'];
      if (typeof nonFinite === 'number' && nonFinite >= 1 && ++this.answers % Math.floor(nonFinite) === 0 && vectors[0] && vectors[0].length > 0) {
        this.opts.log(`fault non-finite: answer #${this.answers} carries a NaN`);
        vectors[0] = Float32Array.from(vectors[0]);
        vectors[0][0] = Number.NaN;
      }
      return vectors;
    } finally {
      this.inFlight--;
      const leak = this.opts.faults.leak;
      if (typeof leak === 'number' && leak > 0) this.leaked.push(Buffer.alloc(Math.round(leak * 1024), 0x5a));
    }
  }

  /** Counts a request as pending until it settles; drain() waits for all pending requests. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending++;
    const settle = () => {
      this.pending--;
      if (this.pending === 0) for (const w of this.drainWaiters.splice(0)) w();
    };
    work.then(settle, settle);
    return work;
  }

  private postprocess(v: Float32Array): Float32Array {
    let out = this.normalize ? l2normalize(v) : v;
    if (this.noise) for (let i = 0; i < out.length; i++) out[i] = out[i]! + (this.noise() - 0.5) * 2e-3;
    if (this.opts.faults['wrong-dims'] && out.length > 0) out = out.slice(0, out.length - 1);
    return out;
  }

  /** Tokens the texts take, special tokens included (0 before a model is loaded). */
  countTokens(texts: string[]): number {
    const engine = this.engine;
    return engine ? texts.reduce((n, t) => n + engine.inputLength(t), 0) : 0;
  }

  stats(): { pid: number; rss: number; rssAnon: number; rssFile: number; heapUsed: number; requests: number; inFlight: number } {
    return { pid: process.pid, ...procMemory(), heapUsed: process.memoryUsage().heapUsed, requests: this.requests, inFlight: this.inFlight };
  }

  /** Stops admitting work and waits for in-flight requests; true when all finished before the deadline. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.pending === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.drainWaiters.push(() => r(true))),
      new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    return done;
  }
}

/** The error code and message to answer for anything a request handler threw. */
export function errorFields(error: unknown): { code: ErrorCode; message: string; retryable: boolean } {
  if (error instanceof EngineError) return { code: error.code, message: error.message, retryable: error.retryable };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `internal error: ${message}`, retryable: true };
}

/**
 * The slow-embed fault's extra time: spun (the CPU busy, as a slower engine would keep it) in slices of at most
 * 5 ms with the event loop let through between them, so pings and other connections are still served.
 */
async function stretch(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = Math.min(end, performance.now() + 5);
    while (performance.now() < slice) { /* busy */ }
    if (performance.now() < end) await new Promise<void>((r) => setImmediate(r));
  }
}
