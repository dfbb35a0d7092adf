/**
 * The llama engine of the reference embedder (engine-types.ts): GGUF check, node-llama-cpp load, one embedding
 * context per lane (threads set explicitly), and a FIFO of work waiting for a free lane.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Llama, LlamaEmbeddingContext, LlamaLogLevel, LlamaModel, Token } from 'node-llama-cpp';
import { checkGguf } from '../harness/gguf/check.ts';
import { PROVEN_OPTIONS, readBindingProof, recordBindingProof, type BindingProof } from './binding-proof.ts';
import { EngineError, type Engine, type EngineOptions } from './engine-types.ts';
import { importNodeLlamaCpp, installedNodeLlamaCpp, type NodeLlamaCppApi } from './load-node-llama-cpp.ts';
import { planModelFaults, type ModelFaultPlan } from './model-faults.ts';

export { EngineError };

const recentNativeErrors: string[] = [];
let llamaPromise: Promise<Llama> | undefined;

/** performance.now() when getLlama resolved in this process (the "runtime ready" start-up milestone). */
let runtimeReadyAt: number | undefined;

/** Starts getLlama at once (main.ts calls it at start-up, so the runtime loads while `initialize` is on its way). */
export function warmRuntime(log: (line: string) => void): void {
  llama(log).catch(() => {}); // a failure is reported by the load that needs it
}

/**
 * This process's node-llama-cpp runtime, started as the embedder starts it (createLlama: the fast import and the
 * proven binary). The in-process adapter and the corrupt-gguf stand-in use it too, so "same engine, other isolation"
 * differs in isolation only. The first caller's `log` receives the runtime's lines.
 */
export function nodeLlamaRuntime(log: (line: string) => void): Promise<Llama> {
  return llama(log);
}

function llama(log: (line: string) => void): Promise<Llama> {
  llamaPromise ??= createLlama(log).then((l) => {
    runtimeReadyAt = performance.now();
    return l;
  });
  return llamaPromise;
}

/**
 * The node-llama-cpp runtime: getLlama (which tests the binary in a child process first), or, when an earlier start
 * proved this very binary loads here (binding-proof.ts), that binary loaded directly as getLlama would load it after
 * its test. Without a proof, or if the direct load fails, getLlama runs as always; its success records the proof.
 */
async function createLlama(log: (line: string) => void): Promise<Llama> {
  const t0 = performance.now();
  const { api, from } = await importNodeLlamaCpp();
  const imported = performance.now();
  const logger = (level: LlamaLogLevel, message: string) => {
    const line = message.trimEnd();
    if (level === 'error' || level === 'fatal') {
      recentNativeErrors.push(line);
      if (recentNativeErrors.length > 8) recentNativeErrors.shift();
    }
    log(`llama.cpp ${level}: ${line}`);
  };
  const nlc = installedNodeLlamaCpp();
  const proof = readBindingProof(nlc);
  if (proof) {
    try {
      const l = await llamaFromProof(api, proof, logger);
      log(`runtime: ${from} imported in ${(imported - t0).toFixed(0)} ms; binary ${proof.bindingPath} loaded directly in ${(performance.now() - imported).toFixed(0)} ms `
        + `(its binary test passed at ${proof.testedAt} and nothing it depends on changed since)`);
      return l;
    } catch (e) {
      log(`runtime: loading the proven binary ${proof.bindingPath} directly failed (${(e as Error).message}); using getLlama and its binary test`);
    }
  }
  const l = await api.getLlama({ ...PROVEN_OPTIONS, logger });
  const note = recordBindingProof(nlc);
  log(`runtime: ${from} imported in ${(imported - t0).toFixed(0)} ms; getLlama (binary test included) took ${(performance.now() - imported).toFixed(0)} ms; ${note}`);
  return l;
}

/** getLlama's defaults (node-llama-cpp 3.x bindings/getLlama.js) for the padding it keeps free in RAM and VRAM. */
const ramPadding = (total: number) => Math.floor(Math.min(total * 0.25, os.platform() === 'linux' ? 1024 ** 3 : 6 * 1024 ** 3));
const vramPadding = (total: number) => Math.floor(Math.min(total * 0.08, 1.6 * 1024 ** 3));

/**
 * What getLlama does for a prebuilt binary once its test has passed (loadExistingLlamaBinary): require the addon,
 * read its build metadata, Llama._create with getLlama's defaults and our options. `_create` is node-llama-cpp's
 * internal constructor: if it is missing (another version), this throws and the caller uses getLlama.
 */
async function llamaFromProof(api: NodeLlamaCppApi, proof: BindingProof, logger: (level: LlamaLogLevel, message: string) => void): Promise<Llama> {
  const create = (api.Llama as unknown as { _create?: (o: Record<string, unknown>) => Promise<Llama> })._create;
  if (typeof create !== 'function') throw new Error('this node-llama-cpp has no Llama._create');
  const buildMetadata = JSON.parse(readFileSync(proof.buildMetadataPath, 'utf8')) as { buildOptions?: { gpu?: unknown } };
  if (buildMetadata.buildOptions?.gpu !== PROVEN_OPTIONS.gpu) throw new Error(`the binary's build metadata says gpu ${JSON.stringify(buildMetadata.buildOptions?.gpu)}`);
  const bindings = createRequire(import.meta.url)(proof.bindingPath) as unknown;
  return create.call(api.Llama, {
    bindings, bindingPath: proof.bindingPath, extBackendsPath: undefined, buildType: 'prebuilt', buildMetadata,
    logLevel: api.LlamaLogLevel.warn, logger, maxThreads: undefined, vramPadding, ramPadding,
    skipLlamaInit: false, debug: false, numa: false, tempDir: false, experimentalOptions: undefined,
  });
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
    private readonly faultPlan: ModelFaultPlan = { notes: [] },
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
    const faultPlan = await planModelFaults(opts.modelPath, opts.modelFaults ?? {});
    for (const n of faultPlan.notes) opts.log(n);
    let model: LlamaModel;
    try {
      model = await l.loadModel({ modelPath: opts.modelPath, ...(faultPlan.overrides ? { metadataOverrides: faultPlan.overrides as never } : {}) });
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
    return new LlamaEngine(model, contexts, opts.modelPath, contextSize, faultPlan);
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

  /** Token ids of the text without special tokens (node-llama-cpp's `model.tokenize`): for the token-level faults. */
  tokenize(text: string): number[] {
    return this.model.tokenize(text).map(Number);
  }

  /** The padding token id (tokenizer.ggml.padding_token_id; 0, the generator's [PAD], when absent). */
  get padTokenId(): number {
    const ggml = (this.model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { padding_token_id?: unknown } } }).tokenizer?.ggml;
    const id = Number(ggml?.padding_token_id);
    return Number.isSafeInteger(id) && id >= 0 ? id : 0;
  }

  async embed(text: string): Promise<Float32Array> {
    return this.embedInput(text);
  }

  /** Embeds a token sequence; node-llama-cpp adds [CLS] / [SEP] when the first / last id is not already one. */
  async embedTokens(ids: number[]): Promise<Float32Array> {
    return this.embedInput(ids as unknown as Token[]);
  }

  private async embedInput(input: string | Token[]): Promise<Float32Array> {
    const ctx = this.free.pop() ?? (await new Promise<LlamaEmbeddingContext>((resolve) => this.waiting.push(resolve)));
    try {
      this.assertModelUnchanged();
      const { vector } = await ctx.getEmbeddingFor(input);
      let out: Float32Array = Float32Array.from(vector);
      if (this.faultPlan.post && out.length > 0) out = this.faultPlan.post(out);
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
