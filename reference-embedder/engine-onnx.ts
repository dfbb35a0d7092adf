/**
 * The onnx engine (engine-types.ts): transformers.js's feature-extraction pipeline on onnxruntime-node (CPU),
 * local files only, over a Hugging Face-style ONNX folder. Given a GGUF, it runs the GGUF check (unless told not
 * to, as the naive in-process adapter is) and exports the GGUF with `gguf export-onnx` into
 * <cache>/onnx/<sha256 prefix> on first use. transformers.js is not a dependency of gauntlet: it is imported from
 * <cache>/engines/transformers-js (harness/engines/install-transformers.ts).
 *
 * One pipeline (one ONNX Runtime session) per lane. Calls are NOT queued per lane: concurrent embeds run
 * concurrently on a session, as an application calling transformers.js does (seed 003's situation).
 * The weights are read into memory, so the GGUF changing on disk does not affect a loaded engine.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../harness/config/defaults.ts';
import { importTransformersJs, type TjPipeline } from '../harness/engines/install-transformers.ts';
import { checkGguf } from '../harness/gguf/check.ts';
import { ensureOnnxExport } from '../harness/gguf/export-onnx.ts';
import { EngineError, type Engine, type EngineOptions } from './engine-types.ts';

export interface OnnxEngineOptions extends EngineOptions {
  /** Run gauntlet's GGUF check before exporting a GGUF (default true). */
  checkGguf?: boolean;
  cacheDir?: string;
}

interface ExportConfig {
  hidden_size: number;
  vocab_size: number;
  max_position_embeddings: number;
  gauntlet?: { pooling?: 'mean' | 'cls' | 'last' | 'none'; source?: string };
}

interface Lane { pipe: TjPipeline; busy: number }

/** The ONNX folder for `modelPath`: the folder itself, or the cached export of a GGUF. */
async function onnxFolder(opts: OnnxEngineOptions): Promise<string> {
  const p = path.resolve(opts.modelPath);
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new EngineError('model-invalid', `model ${p} does not exist`);
  }
  if (st.isDirectory()) {
    if (!existsSync(path.join(p, 'onnx', 'model.onnx'))) throw new EngineError('model-invalid', `${p} is a folder without onnx/model.onnx (write one with gauntlet gguf export-onnx)`);
    return p;
  }
  if (opts.checkGguf !== false) {
    const res = await checkGguf(p);
    if (!res.ok) {
      const where = [res.field ? `field ${res.field}` : '', res.offset !== undefined ? `offset ${res.offset}` : ''].filter(Boolean).join(', ');
      throw new EngineError('model-invalid', `model file ${p} refused by the GGUF check (${res.code}${where ? `, ${where}` : ''}): ${res.message}`);
    }
  }
  try {
    const t0 = performance.now();
    const dir = await ensureOnnxExport(p, opts.cacheDir ?? defaultCacheDir());
    opts.log(`onnx export of ${p}: ${dir} (${(performance.now() - t0).toFixed(0)} ms)`);
    return dir;
  } catch (e) {
    throw new EngineError('model-load-failed', `exporting ${p} to ONNX failed: ${(e as Error).message}`);
  }
}

export class OnnxEngine implements Engine {
  readonly kind = 'onnx' as const;
  onPoisoned: ((reason: string) => void) | undefined;

  private constructor(
    private readonly laneList: Lane[],
    private readonly config: ExportConfig,
    readonly name: string,
    readonly contextSize: number,
    readonly folder: string,
  ) {}

  static async load(opts: OnnxEngineOptions): Promise<OnnxEngine> {
    const folder = await onnxFolder(opts);
    let config: ExportConfig;
    try {
      config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as ExportConfig;
    } catch (e) {
      throw new EngineError('model-invalid', `${folder}/config.json: ${(e as Error).message}`);
    }
    let tj;
    try {
      tj = await importTransformersJs(opts.cacheDir);
    } catch (e) {
      throw new EngineError('model-load-failed', (e as Error).message);
    }
    tj.env.allowRemoteModels = false;
    tj.env.allowLocalModels = true;
    tj.env.localModelPath = path.dirname(folder);
    const lanes: Lane[] = [];
    try {
      for (let i = 0; i < opts.lanes; i++) {
        const pipe = await tj.pipeline('feature-extraction', path.basename(folder), {
          dtype: 'fp32', device: 'cpu', local_files_only: true,
          session_options: { intraOpNumThreads: opts.threads, interOpNumThreads: 1 },
        });
        lanes.push({ pipe, busy: 0 });
      }
    } catch (e) {
      await Promise.allSettled(lanes.map((l) => l.pipe.dispose()));
      throw new EngineError('model-load-failed', `transformers.js could not load ${folder}: ${(e as Error).message}`);
    }
    const trained = config.max_position_embeddings;
    const contextSize = Math.min(opts.contextSize ?? trained, trained);
    const name = config.gauntlet?.source ?? path.basename(folder);
    return new OnnxEngine(lanes, config, name, contextSize, folder);
  }

  get dims(): number { return this.config.hidden_size; }
  get lanes(): number { return this.laneList.length; }
  get vocabSize(): number { return this.config.vocab_size; }

  private ids(text: string): number[] {
    return this.laneList[0]!.pipe.tokenizer.encode(text, { add_special_tokens: false });
  }

  inputLength(text: string): number {
    const n = this.ids(text).length;
    return n === 0 ? 0 : n + 2;
  }

  checkFits(text: string, where: string): void {
    const n = this.inputLength(text);
    if (n >= this.contextSize) {
      throw new EngineError('too-many-tokens', `${where} is ${n} tokens; the context holds at most ${this.contextSize - 1}`);
    }
  }

  async embed(text: string): Promise<Float32Array> {
    if (this.ids(text).length === 0) return new Float32Array(0);
    let lane = this.laneList[0]!;
    for (const l of this.laneList) if (l.busy < lane.busy) lane = l;
    lane.busy++;
    try {
      const pooling = this.config.gauntlet?.pooling ?? 'mean';
      const out = await lane.pipe(text, { pooling: pooling === 'cls' ? 'cls' : pooling === 'mean' ? 'mean' : 'none', normalize: false });
      const data = out.data as Float32Array;
      const E = this.dims;
      // 'last' / 'none': node-llama-cpp reads the last token's state
      const vec = pooling === 'mean' || pooling === 'cls' ? Float32Array.from(data) : Float32Array.from(data.subarray(data.length - E));
      out.dispose?.();
      for (let i = 0; i < vec.length; i++) {
        if (!Number.isFinite(vec[i]!)) throw new EngineError('bad-vector', `the embedding has a non-finite value at dimension ${i} (${vec[i]}); refused rather than delivered`);
      }
      return vec;
    } finally {
      lane.busy--;
    }
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.laneList.map((l) => l.pipe.dispose()));
  }
}
