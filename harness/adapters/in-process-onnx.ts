/**
 * The in-process adapter on the onnx engine (`{ kind: 'in-process', engine: 'onnx' }`): transformers.js on
 * onnxruntime-node inside the host itself, seed 003's situation (an application calling an ONNX Runtime embedder
 * in its own process). Like the llama in-process adapter it runs no GGUF check (the export reads the file as it is),
 * and nothing stands between concurrent calls and the runtime.
 */
import { OnnxEngine } from '../../reference-embedder/engine-onnx.ts';
import { EngineError } from '../../reference-embedder/engine-types.ts';
import { withDeadline } from '../util/deadline.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { normalizeInPlace } from './emitter.ts';
import { InProcessClientBase } from './in-process-base.ts';
import type { EmbedCallOptions, ResolvedAdapter, StartInfo } from './types.ts';

export class InProcessOnnxClient extends InProcessClientBase {
  private engine: OnnxEngine | undefined;

  constructor(resolved: ResolvedAdapter) {
    super(resolved);
    const useMmap = (resolved.config as { useMmap?: unknown }).useMmap;
    if (useMmap !== undefined) {
      throw new GauntletError('GAUNTLET_CONFIG_INVALID', `adapters.${resolved.name}.useMmap: not applicable to engine "onnx" (ONNX Runtime reads the weights into memory); remove it`);
    }
  }

  async start(): Promise<StartInfo> {
    const r = this.resolved;
    const t0 = performance.now();
    this.events.emit('spawn', { pid: process.pid });
    try {
      this.engine = await OnnxEngine.load({
        modelPath: r.model, lanes: r.lanes, threads: r.threads, contextSize: r.config.contextSize, checkGguf: false,
        log: (line) => process.stderr.write(`[in-process onnx] ${line}\n`),
      });
      const info: StartInfo = { dims: this.engine.dims, model: r.model, contextSize: this.engine.contextSize };
      this.events.emit('ready', { pid: process.pid, startMs: performance.now() - t0, dims: info.dims });
      return info;
    } catch (e) {
      const err = toError(e);
      this.events.emit('start-failed', { message: err.message });
      throw new GauntletError('GAUNTLET_MODEL_INVALID', `in-process (onnx) load of ${r.model} failed: ${err.message}`, { cause: err });
    }
  }

  async embed(text: string, opts: EmbedCallOptions = {}): Promise<Float32Array> {
    const engine = this.ready();
    try {
      engine.checkFits(text, 'text');
      const v = await withDeadline(engine.embed(text), opts.timeoutMs ?? this.resolved.requestTimeoutMs, 'in-process embed', opts.signal);
      return this.resolved.normalize ? normalizeInPlace(v) : v;
    } catch (e) {
      if (e instanceof GauntletError) throw e;
      const err = toError(e);
      throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `in-process (onnx) embed failed: ${err.message}`, {
        cause: err, details: e instanceof EngineError ? { code: e.code } : {},
      });
    }
  }

  protected started(): boolean {
    return this.engine !== undefined;
  }

  protected async release(): Promise<void> {
    await this.engine?.dispose().catch(() => {});
    this.engine = undefined;
  }

  private ready(): OnnxEngine {
    this.assertReady();
    return this.engine!;
  }
}
