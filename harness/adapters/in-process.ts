/**
 * The in-process adapter: node-llama-cpp loaded inside the host itself. This is the architecture the seeds
 * reject, kept as the comparison. On purpose it runs NO gguf check before loading: it behaves like a naive
 * in-process embedder, so that a file which aborts llama.cpp takes the host down with it and the harness can show it.
 */
import type { Llama, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { GauntletError, toError } from '../util/errors.ts';
import { withDeadline } from '../util/deadline.ts';
import { normalizeInPlace } from './emitter.ts';
import { InProcessClientBase } from './in-process-base.ts';
import type { EmbedCallOptions, ResolvedAdapter, StartInfo } from './types.ts';

interface Lane {
  ctx: LlamaEmbeddingContext;
  busy: number;
}

export class InProcessClient extends InProcessClientBase {
  private llama: Llama | undefined;
  private model: LlamaModel | undefined;
  private lanes: Lane[] = [];

  constructor(resolved: ResolvedAdapter) {
    super(resolved);
    const useMmap = (resolved.config as { useMmap?: unknown }).useMmap;
    if (useMmap !== undefined && typeof useMmap !== 'boolean') {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${resolved.name}.useMmap: expected true or false, got ${JSON.stringify(useMmap)} (${typeof useMmap})`);
    }
  }

  /** Whether the model is memory-mapped (config `useMmap`, default true). */
  get useMmap(): boolean {
    return this.resolved.config.kind === 'in-process' ? this.resolved.config.useMmap ?? true : true;
  }

  async start(): Promise<StartInfo> {
    const r = this.resolved;
    const t0 = performance.now();
    this.events.emit('spawn', { pid: process.pid });
    try {
      // Imported here, not at the top: bundled into the host, a static import would load node-llama-cpp into every
      // host, including the process and http adapters' hosts whose RSS the claims measure.
      // The runtime as the reference embedder starts it (getLlama gpu false, build never; its binary test skipped once a
      // start proved this binary loads): the in-process adapter differs from the reference in isolation only.
      const { nodeLlamaRuntime } = await import('../../reference-embedder/engine.ts');
      this.llama = await nodeLlamaRuntime((line) => { if (/^llama\.cpp (error|fatal|warn)/.test(line)) process.stderr.write(`${line}\n`); });
      // useMmap false: llama.cpp reads the weights into anonymous buffers of this process instead of mapping the file.
      this.model = await this.llama.loadModel({ modelPath: r.model, useMmap: this.useMmap });
      const trained = this.model.trainContextSize;
      const wanted = r.config.contextSize ?? trained;
      const contextSize = Math.min(wanted, trained);
      for (let i = 0; i < r.lanes; i++) {
        const ctx = await this.model.createEmbeddingContext({ contextSize, threads: r.threads });
        this.lanes.push({ ctx, busy: 0 });
      }
      const info: StartInfo = { dims: this.model.embeddingVectorSize, model: r.model, contextSize };
      this.events.emit('ready', { pid: process.pid, startMs: performance.now() - t0, dims: info.dims });
      return info;
    } catch (e) {
      const err = toError(e);
      this.events.emit('start-failed', { message: err.message });
      throw new GauntletError('GAUNTLET_MODEL_INVALID', `in-process load of ${r.model} failed: ${err.message}`, { cause: err });
    }
  }

  async embed(text: string, opts: EmbedCallOptions = {}): Promise<Float32Array> {
    const lane = this.pickLane();
    lane.busy++;
    const work = lane.ctx.getEmbeddingFor(text).finally(() => lane.busy--);
    try {
      const emb = await withDeadline(work, opts.timeoutMs ?? this.resolved.requestTimeoutMs, 'in-process embed', opts.signal);
      const v = Float32Array.from(emb.vector);
      return this.resolved.normalize ? normalizeInPlace(v) : v;
    } catch (e) {
      if (e instanceof GauntletError) throw e;
      const err = toError(e);
      throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `in-process embed failed: ${err.message}`, { cause: err });
    }
  }

  protected started(): boolean {
    return this.lanes.length > 0;
  }

  protected async release(): Promise<void> {
    for (const lane of this.lanes) await lane.ctx.dispose().catch(() => {});
    this.lanes = [];
    await this.model?.dispose().catch(() => {});
    // The runtime is the process's one (nodeLlamaRuntime caches it): disposing it would hand the next in-process client
    // in this process a disposed Llama ("Object is disposed"), as the isolation bench's second lane count got.
    this.llama = undefined;
  }

  private pickLane(): Lane {
    this.assertReady();
    let best = this.lanes[0]!;
    for (const lane of this.lanes) if (lane.busy < best.busy) best = lane;
    return best;
  }
}
