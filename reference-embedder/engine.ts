/**
 * The llama engine of the reference embedder (engine-types.ts): GGUF check, node-llama-cpp load, one embedding
 * context per lane (threads set explicitly), and a FIFO of work waiting for a free lane.
 */
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { getLlama, type Llama, type LlamaEmbeddingContext, type LlamaModel } from 'node-llama-cpp';
import { checkGguf } from '../harness/gguf/check.ts';
import { EngineError, type Engine, type EngineOptions } from './engine-types.ts';

export { EngineError };

const recentNativeErrors: string[] = [];
let llamaPromise: Promise<Llama> | undefined;

/** performance.now() when getLlama resolved in this process (the "runtime ready" start-up milestone). */
let runtimeReadyAt: number | undefined;

/** Starts getLlama at once (main.ts calls it at start-up, so the runtime loads while `initialize` is on its way). */
export function warmRuntime(log: (line: string) => void): void {
  llama(log).catch(() => {}); // a failure is reported by the load that needs it
}

function llama(log: (line: string) => void): Promise<Llama> {
  llamaPromise ??= getLlama({
    gpu: false,
    build: 'never',
    logger: (level, message) => {
      const line = message.trimEnd();
      if (level === 'error' || level === 'fatal') {
        recentNativeErrors.push(line);
        if (recentNativeErrors.length > 8) recentNativeErrors.shift();
      }
      log(`llama.cpp ${level}: ${line}`);
    },
  }).then((l) => {
    runtimeReadyAt = performance.now();
    return l;
  });
  return llamaPromise;
}


/** What identifies the mapped file's contents: the same inode with another size or mtime was modified in place. */
interface FileIdentity { ino: number; size: number; mtimeMs: number }
const identityOf = (s: Stats): FileIdentity => ({ ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });

export class LlamaEngine implements Engine {
  readonly kind = 'llama' as const;
  /** When the runtime (getLlama) was ready, performance.now() of this process; reported in `initialized.timing`. */
  readonly runtimeReadyAt = runtimeReadyAt;
  private readonly free: LlamaEmbeddingContext[];
  /** The model file as it was when mapped; see assertModelUnchanged(). */
  private identity: FileIdentity | undefined;
  /** Set once the mapped file was found modified in place: every later request is refused. */
  poisoned: string | undefined;
  /** Called once when the engine is poisoned (the service exits so that a supervisor restarts a fresh embedder). */
  onPoisoned: ((reason: string) => void) | undefined;
  private readonly waiting: Array<(ctx: LlamaEmbeddingContext) => void> = [];

  private constructor(
    readonly model: LlamaModel,
    private readonly contexts: LlamaEmbeddingContext[],
    readonly modelPath: string,
    readonly contextSize: number,
  ) {
    this.free = [...contexts];
    try {
      this.identity = identityOf(statSync(modelPath));
    } catch {
      this.identity = undefined;
    }
  }

  /**
   * llama.cpp maps the model file: writing to it in place changes the weights under the running model (FACTS.md:
   * silent NaN vectors; truncation: SIGBUS on the next embedding). A stat per request (a few microseconds) catches
   * both before the mapping is touched. A file renamed over the path or deleted leaves the mapping intact, so a new
   * inode is fine; the same inode with another size or mtime is not.
   */
  assertModelUnchanged(): void {
    if (this.poisoned) throw new EngineError('model-changed', this.poisoned, true);
    if (!this.identity) return;
    let now: FileIdentity;
    try {
      now = identityOf(statSync(this.modelPath));
    } catch {
      return; // deleted or renamed away: the mapped inode lives on
    }
    if (now.ino !== this.identity.ino) return;
    if (now.size !== this.identity.size || now.mtimeMs !== this.identity.mtimeMs) {
      this.poisoned = `the model file ${this.modelPath} was modified in place while mapped (size ${this.identity.size} -> ${now.size} bytes, ` +
        `mtime changed: ${now.mtimeMs !== this.identity.mtimeMs}); refusing to embed with changed weights, restarting`;
      this.onPoisoned?.(this.poisoned);
      throw new EngineError('model-changed', this.poisoned, true);
    }
  }

  static async load(opts: EngineOptions): Promise<LlamaEngine> {
    // The integrity check always runs before native code sees the file (a static import: it is bundled with us).
    {
      const res = await checkGguf(opts.modelPath);
      if (!res.ok) {
        const where = [res.field ? `field ${res.field}` : '', res.offset !== undefined ? `offset ${res.offset}` : ''].filter(Boolean).join(', ');
        throw new EngineError('model-invalid', `model file ${opts.modelPath} refused by the GGUF check (${res.code}${where ? `, ${where}` : ''}): ${res.message}`);
      }
    }
    const l = await llama(opts.log);
    let model: LlamaModel;
    try {
      model = await l.loadModel({ modelPath: opts.modelPath });
    } catch (error) {
      // The reason arrives through the logger shortly after the rejection.
      await new Promise((r) => setTimeout(r, 150));
      const reason = recentNativeErrors.splice(0).join(' | ');
      throw new EngineError('model-load-failed', `loading ${opts.modelPath} failed: ${(error as Error).message}${reason ? ` (${reason})` : ''}`);
    }
    const trained = model.trainContextSize;
    const contextSize = Math.min(opts.contextSize ?? trained, trained);
    const contexts: LlamaEmbeddingContext[] = [];
    try {
      for (let i = 0; i < opts.lanes; i++) {
        contexts.push(await model.createEmbeddingContext({ contextSize, threads: opts.threads }));
      }
    } catch (error) {
      await Promise.allSettled(contexts.map((c) => c.dispose()));
      await model.dispose();
      throw new EngineError('model-load-failed', `creating ${opts.lanes} embedding context(s) of ${contextSize} tokens failed: ${(error as Error).message}`);
    }
    return new LlamaEngine(model, contexts, opts.modelPath, contextSize);
  }

  get dims(): number { return this.model.embeddingVectorSize; }
  get lanes(): number { return this.contexts.length; }
  get name(): string { return path.basename(this.modelPath); }
  get vocabSize(): number {
    const tokens = (this.model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : 0;
  }

  /** Tokens the context would evaluate for this text, special tokens included. */
  inputLength(text: string): number {
    return this.contexts[0]!.calculateInputLength(text);
  }

  /** Throws EngineError 'too-many-tokens' when the text does not fit the context. */
  checkFits(text: string, where: string): void {
    const n = this.inputLength(text);
    if (n >= this.contextSize) {
      throw new EngineError('too-many-tokens', `${where} is ${n} tokens; the context holds at most ${this.contextSize - 1}`);
    }
  }

  async embed(text: string): Promise<Float32Array> {
    const ctx = this.free.pop() ?? (await new Promise<LlamaEmbeddingContext>((resolve) => this.waiting.push(resolve)));
    try {
      this.assertModelUnchanged();
      const { vector } = await ctx.getEmbeddingFor(text);
      const out = Float32Array.from(vector);
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(out[i]!)) {
          this.assertModelUnchanged();
          throw new EngineError('bad-vector', `the embedding has a non-finite value at dimension ${i} (${out[i]}); refused rather than delivered`);
        }
      }
      return out;
    } finally {
      const next = this.waiting.shift();
      if (next) next(ctx);
      else this.free.push(ctx);
    }
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.contexts.map((c) => c.dispose()));
    await this.model.dispose();
  }
}
